"""Time-sliced kappa and the bootstrap behind the reliability report, each beside a baseline from the same run.

Data: 500 coded events (2 coders x 10 clips x 25 events: demeanour states and officer commands) on ten
3-minute clips, the size at which BORIS 10.0.2 was measured (brief: 0.54 s at 1 s bins, 5.3 s at 0.1 s).

1. Time-sliced Cohen's kappa of every track at 1 s and 0.1 s bins: ``slice_tracks`` (searchsorted over
   sorted intervals) plus the confusion-matrix kappa, against a plain Python loop that scans every event of
   the clip for every bin's midpoint and counts agreements (the approach of tools that loop per bin). The
   two kappas are checked equal before timing.
2. 1,000 bootstrap replicates of one track's kappa over clips: summing per-clip confusion matrices with one
   matrix product, against re-labelling the resampled bins and recomputing kappa per replicate with numpy.
3. The whole ``reliability_report`` (every section, 1,000 replicates), for reference.

Each bwvtool run is followed by a baseline run on every other turn (baselines are slow), so both share the
machine's moments.

Run:  python bench/bench_reliability.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections import Counter

import numpy as np
from figures import Figure, emit

from bwvtool.analysis.bootstrap import Bootstrap
from bwvtool.analysis.events import Clip, CodedEvent, coders_by_clip
from bwvtool.analysis.kappa import cohen_kappa
from bwvtool.analysis.report import reliability_report
from bwvtool.analysis.timeslice import SliceOptions, slice_tracks

CODERS = ("ann", "bob")


def make_study(seed: int = 0) -> tuple[list[Clip], list[CodedEvent]]:
    """10 clips x 3 min; per clip and coder 15 demeanour states and 10 commands (500 events in all)."""
    rng = np.random.default_rng(seed)
    clips, events = [], []
    for i in range(10):
        clip = Clip(f"clip{i}", 180_000)
        clips.append(clip)
        cuts = np.sort(rng.choice(np.arange(1000, 179_000, 500), size=29, replace=False))
        truth = [
            (str(rng.choice(["calm", "agitated", "resisting"])), int(cuts[2 * k]), int(cuts[2 * k + 1]))
            for k in range(14)
        ]
        truth.append((str(rng.choice(["calm", "agitated"])), int(cuts[28]), 180_000))
        commands = sorted(int(t) for t in rng.integers(0, 179_000, size=10))
        for coder in CODERS:
            for code, onset, offset in truth:
                code = code if rng.random() > 0.15 else "calm"
                events.append(
                    CodedEvent(
                        clip.clip_id,
                        coder,
                        "demeanour",
                        code,
                        "subject",
                        onset + int(rng.integers(0, 400)),
                        offset,
                    )
                )
            for t in commands:
                events.append(
                    CodedEvent(
                        clip.clip_id, coder, "language", "command", "officer", t + int(rng.integers(0, 600))
                    )
                )
    return clips, events


def vectorised_kappas(clips, events, bin_ms: int) -> dict[str, float]:
    coders_of = coders_by_clip(clips, events, {})
    out = {}
    for ts in slice_tracks(clips, events, coders_of, SliceOptions(bin_ms)):
        out[ts.track] = float(cohen_kappa(ts.pair_tables(0, 1)[1].sum(axis=0)))
    return out


def naive_kappas(clips, events, bin_ms: int, point_window_ms: int = 1000) -> dict[str, float]:
    """Per bin, per coder: scan the clip's events for one covering the midpoint; then count and compute kappa."""
    out = {}
    for track in sorted({e.track for e in events}):
        pairs = Counter()
        for clip in clips:
            mine = {
                c: [e for e in events if e.clip_id == clip.clip_id and e.coder == c and e.track == track]
                for c in CODERS
            }
            for k in range(math.ceil(clip.duration_ms / bin_ms)):
                mid = (k * bin_ms + min((k + 1) * bin_ms, clip.duration_ms)) / 2
                labels = []
                for coder in CODERS:
                    covering = set()
                    for e in mine[coder]:
                        end = e.onset_ms + point_window_ms if e.is_point else e.offset_ms
                        if e.onset_ms <= mid < min(end, clip.duration_ms):
                            covering.add(e.code)
                    labels.append("+".join(sorted(covering)) or "none")
                pairs[tuple(labels)] += 1
        n = sum(pairs.values())
        first, second = Counter(), Counter()
        for (a, b), count in pairs.items():
            first[a] += count
            second[b] += count
        p_o = sum(count for (a, b), count in pairs.items() if a == b) / n
        p_e = sum(first[label] * second[label] for label in first) / (n * n)
        out[track] = (p_o - p_e) / (1 - p_e)
    return out


def timed(fn, repeat: int) -> list[float]:
    """Wall times in ms."""
    return interleaved(fn, None, repeat)[0]


def interleaved(fn, baseline, repeat: int) -> tuple[list[float], list[float]]:
    """Wall times in ms of ``fn`` and of ``baseline`` run in turn (the slow baseline on every other turn)."""
    ours: list[float] = []
    theirs: list[float] = []
    for turn in range(repeat):
        for func, times in ((fn, ours), (baseline if turn % 2 == 0 else None, theirs)):
            if func is not None:
                start = time.perf_counter()
                func()
                times.append((time.perf_counter() - start) * 1000)
    return ours, theirs


def bootstrap_summed(per_clip: np.ndarray, n_boot: int) -> np.ndarray:
    weights = Bootstrap(n_boot, seed=0).weights(per_clip.shape[0]).astype(float)
    sums = weights @ per_clip.reshape(per_clip.shape[0], -1)
    return cohen_kappa(sums.reshape(n_boot, *per_clip.shape[1:]))


def bootstrap_relabel(labels_by_clip: list[tuple[np.ndarray, np.ndarray]], n_boot: int) -> np.ndarray:
    """Baseline: concatenate the resampled clips' bin labels and recompute kappa, replicate by replicate."""
    draws = np.random.default_rng(0).integers(0, len(labels_by_clip), size=(n_boot, len(labels_by_clip)))
    out = np.empty(n_boot)
    for r, row in enumerate(draws):
        a = np.concatenate([labels_by_clip[i][0] for i in row])
        b = np.concatenate([labels_by_clip[i][1] for i in row])
        size = int(max(a.max(), b.max())) + 1
        table = np.bincount(a * size + b, minlength=size * size).reshape(size, size)
        out[r] = cohen_kappa(table)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median reported)")
    args = parser.parse_args()
    clips, events = make_study()
    print(f"{len(events)} events, {len(clips)} clips of {clips[0].duration_ms // 1000} s, 2 coders, 2 tracks")

    for bin_ms in (1000, 100):
        ours, naive = vectorised_kappas(clips, events, bin_ms), naive_kappas(clips, events, bin_ms)
        assert all(abs(ours[t] - naive[t]) < 1e-9 for t in ours), (ours, naive)
        fast, slow = interleaved(
            lambda b=bin_ms: vectorised_kappas(clips, events, b),
            lambda b=bin_ms: naive_kappas(clips, events, b),
            args.repeat,
        )
        emit(Figure("reliability", f"time-sliced kappa, {bin_ms / 1000:g} s bins", "ms", fast,
                    "a per-bin Python loop", slow))  # fmt: skip

    (ts,) = [
        t
        for t in slice_tracks(clips, events, coders_by_clip(clips, events, {}), SliceOptions(100))
        if t.track == "demeanour"
    ]
    clip_idx, per_clip = ts.pair_tables(0, 1)
    labels_by_clip = [(ts.labels[0][ts.bin_clip == c], ts.labels[1][ts.bin_clip == c]) for c in clip_idx]
    assert np.allclose(bootstrap_summed(per_clip, 1000), bootstrap_relabel(labels_by_clip, 1000))
    fast, slow = interleaved(
        lambda: bootstrap_summed(per_clip, 1000), lambda: bootstrap_relabel(labels_by_clip, 1000), args.repeat
    )
    emit(Figure("reliability", "bootstrap, 1000 replicates, 0.1 s bins", "ms", fast,
                "re-labelling and recomputing per replicate", slow))  # fmt: skip

    for bin_ms in (1000, 100):
        full = timed(
            lambda b=bin_ms: reliability_report(clips, events, {}, bin_ms=b), max(1, args.repeat // 2)
        )
        label = f"whole reliability_report, {bin_ms / 1000:g} s bins (ms)"
        print(f"  {label}: median {statistics.median(full):.1f} ms (no baseline)")
    print(
        "for comparison, BORIS 10.0.2 on 500 events (from the brief, not this run): 540 ms at 1 s bins, 5300 ms at 0.1 s"
    )


if __name__ == "__main__":
    main()
