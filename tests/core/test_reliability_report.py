"""reliability_report(): the whole report, its bootstrap intervals, flags and edge cases."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from bwvtool.analysis.bootstrap import Bootstrap, figure, flag
from bwvtool.analysis.events import Clip, CodedEvent
from bwvtool.analysis.kappa import cohen_kappa
from bwvtool.analysis.report import reliability_report
from bwvtool.errors import UsageError


def coded_study(n_clips=12, coders=("ann", "bob"), noise=0.15, seed=3):
    """Clips where every coder codes the same true states, each boundary and code perturbed by noise."""
    rng = np.random.default_rng(seed)
    clips, events = [], []
    for i in range(n_clips):
        clip = Clip(f"clip{i:02d}", 30_000)
        clips.append(clip)
        truth, t = [], 0
        while t < 28_000:
            length = int(rng.integers(1000, 6000))
            truth.append((str(rng.choice(["calm", "agitated", "resisting"])), t, min(t + length, 30_000)))
            t += length + int(rng.integers(0, 2000))
        commands = sorted(int(x) for x in rng.integers(0, 29_000, size=4))
        for coder in coders:
            for code, onset, offset in truth:
                if rng.random() < noise:
                    code = str(rng.choice(["calm", "agitated", "resisting"]))
                jitter = int(rng.integers(-300, 300))
                events.append(
                    CodedEvent(
                        clip.clip_id, coder, "demeanour", code, "subject", max(0, onset + jitter), offset
                    )
                )
            for onset in commands:
                events.append(
                    CodedEvent(
                        clip.clip_id,
                        coder,
                        "language",
                        "command",
                        "officer",
                        onset + int(rng.integers(-400, 400)),
                    )
                )
    return clips, events


def test_report_is_json_and_has_every_section():
    clips, events = coded_study()
    reviews = {
        c.clip_id: {"ann": {"outcome": "none"}, "bob": {"outcome": "none" if i % 3 else "support"}}
        for i, c in enumerate(clips)
    }
    report = reliability_report(clips, events, reviews, n_boot=200)
    json.dumps(report, allow_nan=False)  # strict JSON: undefined figures are None, not NaN
    assert report["clips"] == {
        "total": 12,
        "multi_coded": 12,
        "pairs": [{"coders": ["ann", "bob"], "n_clips": 12}],
    }
    assert report["warnings"] == []
    assert [t["track"] for t in report["time_sliced"]] == ["demeanour", "language"]
    assert [(t["track"], t["actor"]) for t in report["time_sliced_by_actor"]] == [
        ("demeanour", "subject"),
        ("language", "officer"),
    ]
    demeanour = report["time_sliced"][0]["pairs"][0]
    assert demeanour["n_bins"] == 12 * 30 and demeanour["labels"][0] == "none"
    assert demeanour["kappa"]["flag"] in ("reliable", "tentative", "unreliable")
    assert demeanour["kappa"]["ci_low"] <= demeanour["kappa"]["value"] <= demeanour["kappa"]["ci_high"]
    assert [row["code"] for row in demeanour["per_code"]] == ["agitated", "calm", "resisting"]
    assert report["time_sliced"][0]["fleiss"] is None  # two coders only
    assert report["time_sliced_all_tracks"][0]["tracks"] == ["demeanour", "language"]
    assert [e["track"] for e in report["modified_kappa"]] == ["demeanour", "language", None]
    assert report["modified_kappa"][0]["labels"][-1] == "unmatched"
    onsets = report["onsets"][0]
    assert onsets["overall"]["f1"]["value"] > 0.9  # onsets jitter by < 1 s
    assert [r["code"] for r in onsets["per_code"]] == ["agitated", "calm", "resisting", "command"]
    assert report["reviews"][0]["item"] == "outcome"


def test_kappa_and_interval_match_a_direct_resampling_with_sklearn():
    """The summed-tables bootstrap equals resampling clips and recomputing kappa on the bin labels."""
    clips, events = coded_study(n_clips=6, noise=0.3)
    n_boot = 25
    report = reliability_report(clips, events, {}, bin_ms=500, n_boot=n_boot, seed=7)
    kappa = report["time_sliced"][0]["pairs"][0]["kappa"]
    # Labels per clip, by the definition (midpoint of each 500 ms bin).
    per_clip = []
    for clip in clips:
        mids = np.arange(250, clip.duration_ms, 500)
        labels = []
        for coder in ("ann", "bob"):
            mine = [e for e in events if (e.clip_id, e.coder, e.track) == (clip.clip_id, coder, "demeanour")]
            labels.append(
                [
                    "+".join(sorted({e.code for e in mine if e.onset_ms <= m < e.offset_ms})) or "none"
                    for m in mids
                ]
            )
        per_clip.append(labels)

    def kappa_of(indices):
        y1 = [x for i in indices for x in per_clip[i][0]]
        y2 = [x for i in indices for x in per_clip[i][1]]
        return cohen_kappa_score(y1, y2)

    assert kappa["value"] == pytest.approx(kappa_of(range(6)), abs=1e-9)
    draws = np.random.default_rng(7).integers(0, 6, size=(n_boot, 6))
    replicates = [kappa_of(row) for row in draws]
    assert [kappa["ci_low"], kappa["ci_high"]] == pytest.approx(
        list(np.percentile(replicates, [2.5, 97.5])), abs=1e-9
    )
    again = reliability_report(clips, events, {}, bin_ms=500, n_boot=n_boot, seed=7)
    assert again == report  # seeded: the same report every time


def test_perfect_agreement():
    clips, events = coded_study(noise=0.0)
    exact = [e for e in events if e.coder == "ann"]
    exact += [CodedEvent(e.clip_id, "bob", e.track, e.code, e.actor, e.onset_ms, e.offset_ms) for e in exact]
    report = reliability_report(clips, exact, {}, n_boot=100)
    pair = report["time_sliced"][0]["pairs"][0]
    assert pair["kappa"]["value"] == 1.0 and pair["kappa"]["flag"] == "reliable"
    assert pair["kappa"]["ci_low"] == pair["kappa"]["ci_high"] == 1.0
    assert report["time_sliced"][0]["alpha"]["value"] == 1.0
    modified = report["modified_kappa"][0]
    assert modified["kappa_including_unmatched"]["value"] == pytest.approx(1.0)
    assert modified["kappa_excluding_unmatched"]["value"] == pytest.approx(1.0)
    assert modified["linked_share"] == 1.0
    assert report["onsets"][0]["overall"]["f1"]["value"] == 1.0


def test_no_variance_is_reported_as_undefined_with_a_reason():
    clips = [Clip(f"c{i}", 5000, ("ann", "bob")) for i in range(3)]
    report = reliability_report(clips, [], {}, tracks=["demeanour"], n_boot=50)
    kappa = report["time_sliced"][0]["pairs"][0]["kappa"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(cohen_kappa_score(["none"] * 15, ["none"] * 15))  # sklearn: undefined too
    assert kappa["value"] is None and kappa["flag"] is None and kappa["ci_low"] is None
    assert "same label (none)" in kappa["note"]
    assert report["time_sliced"][0]["alpha"]["value"] is None
    assert report["modified_kappa"] == [] and report["onsets"][0]["overall"]["f1"]["value"] is None


def test_a_coder_missing_a_clip_and_a_single_coder():
    clips, events = coded_study(n_clips=4)
    dropped = [e for e in events if not (e.coder == "bob" and e.clip_id == "clip03")]
    report = reliability_report(clips, dropped, {}, n_boot=50)
    assert report["clips"]["multi_coded"] == 3
    assert report["time_sliced"][0]["pairs"][0]["n_clips"] == 3
    assert report["time_sliced"][0]["pairs"][0]["n_bins"] == 3 * 30
    assert report["warnings"][0].startswith("only 3 clip(s)")
    assert "unstable" in report["time_sliced"][0]["pairs"][0]["kappa"]["note"]

    alone = reliability_report(clips, [e for e in events if e.coder == "ann"], {}, n_boot=50)
    assert alone["warnings"][0].startswith("none of the 4 clips was coded by two or more coders")
    assert alone["clips"]["pairs"] == [] and alone["onsets"] == [] and alone["modified_kappa"] == []
    assert all(track["pairs"] == [] for track in alone["time_sliced"])
    assert alone["time_sliced"][0]["alpha"]["value"] is None


def test_three_coders_give_fleiss_kappa_and_pairwise_kappas():
    clips, events = coded_study(n_clips=5, coders=("ann", "bob", "cy"))
    report = reliability_report(clips, events, {}, n_boot=50)
    demeanour = report["time_sliced"][0]
    assert [p["coders"] for p in demeanour["pairs"]] == [["ann", "bob"], ["ann", "cy"], ["bob", "cy"]]
    assert demeanour["fleiss"]["raters"] == 3 and demeanour["fleiss"]["n_clips"] == 5
    assert demeanour["fleiss"]["kappa"]["value"] is not None
    assert [row["code"] for row in demeanour["fleiss"]["per_code"]] == ["agitated", "calm", "resisting"]


def test_figure_flags_and_clip_thresholds():
    assert [flag(v) for v in (0.8, 0.7999, 0.667, 0.6669, None)] == [
        "reliable",
        "tentative",
        "tentative",
        "unreliable",
        None,
    ]
    table = np.array([[[3, 1], [0, 4]]], dtype=float)
    one = figure(table, cohen_kappa, Bootstrap(50), undefined="n/a")
    assert one["ci_low"] is None and "at least 2" in one["note"]
    empty = figure(np.zeros((0, 2, 2)), cohen_kappa, Bootstrap(50), undefined="nothing to compare")
    assert empty["value"] is None and empty["note"].startswith("nothing to compare")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_boot": 0}, "bootstrap"),
        ({"tolerance_ms": -1}, "tolerance"),
        ({"min_overlap": 0}, "overlap"),
        ({"bin_ms": -100}, "bin width"),
        ({"point_mode": "smear"}, "point mode"),
    ],
)
def test_bad_parameters_are_refused(kwargs, message):
    clips, events = coded_study(n_clips=2)
    with pytest.raises(UsageError, match=message):
        reliability_report(clips, events, {}, **kwargs)


def test_bad_events_are_refused():
    with pytest.raises(UsageError, match="not among the clips"):
        reliability_report([Clip("a", 1000)], [CodedEvent("b", "ann", "t", "x", "officer", 0)], {})
    with pytest.raises(UsageError, match="not among the clips"):
        reliability_report([Clip("a", 1000)], [], {"b": {"ann": {}}})
    with pytest.raises(UsageError, match="before its onset"):
        CodedEvent("a", "ann", "t", "x", "officer", 500, 100)
    with pytest.raises(UsageError, match="negative"):
        CodedEvent("a", "ann", "t", "x", "officer", -1)
    with pytest.raises(UsageError, match="duration"):
        Clip("a", 0)


def test_pooled_kappa_over_tracks_shares_the_none_category():
    """All tracks together: sklearn's kappa over the concatenated bin labels, where "none" is one label."""
    rng = np.random.default_rng(5)
    clips = [Clip(f"P{i}", duration_ms=60_000, coders=("ann", "bob")) for i in range(6)]
    events, labels = [], {"ann": [], "bob": []}
    for clip in clips:
        for track, codes in (("speech", ("command", "reason")), ("body", ("calm", "tense"))):
            bins = {coder: ["none"] * 60 for coder in ("ann", "bob")}
            for start in range(0, 60, 10):
                code = str(rng.choice(codes))
                for coder in ("ann", "bob"):
                    if coder == "bob" and rng.random() < 0.3:
                        continue  # bob misses some
                    events.append(
                        CodedEvent(
                            clip.clip_id,
                            coder,
                            track,
                            code,
                            "officer_1",
                            onset_ms=start * 1000,
                            offset_ms=(start + 5) * 1000,
                        )
                    )
                    bins[coder][start : start + 5] = [f"{track}:{code}"] * 5
            for coder in ("ann", "bob"):
                labels[coder] += bins[coder]
    report = reliability_report(clips, events, {}, n_boot=50)
    (pooled,) = report["time_sliced_all_tracks"]
    assert pooled["kappa"]["value"] == pytest.approx(
        cohen_kappa_score(labels["ann"], labels["bob"]), abs=1e-9
    )
