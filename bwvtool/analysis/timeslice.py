"""Time-sliced labels of a track and the count tables behind time-sliced kappa and alpha.

Definitions:

* Each clip of duration ``D`` is cut into ``ceil(D / bin_ms)`` bins ``[k*bin_ms, min((k+1)*bin_ms, D))``;
  the last bin may be shorter. A bin is labelled by what covers its **midpoint** (for the short last
  bin, the midpoint of the short bin).
* A state covers ``[onset, offset)`` (clipped to the clip). A point event covers, with
  ``point_mode="window"`` (the default), ``[onset, onset + point_window_ms)`` (default 1000 ms, clipped
  to the clip), so a point's weight does not depend on the bin size; with ``point_mode="bin"`` it covers
  exactly the bin that contains its onset.
* The label of a bin is the code covering it, ``"none"`` when nothing does, and, when several different
  codes cover it (states of different actors in one track, or overlapping events), the compound label of
  the sorted codes joined by ``+`` (e.g. ``"calm+shouting"``), which counts towards each of its codes in
  the per-code tables.
* Tracks are analysed either pooled over actors or per track x actor (``by_actor=True``).
* A coder who did not code a clip has no labels there (missing, -1), not "none".

Labels come from ``numpy.searchsorted`` of each interval's ends among the sorted bin midpoints and a
running sum of +1/-1 marks, so a track costs a binary search per event and one pass over the bins (memory
linear in the bins, whatever the number of codes), instead of a scan of every event for every bin.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bwvtool.analysis.alpha import grouped_coincidences
from bwvtool.analysis.events import Clip, CodedEvent
from bwvtool.errors import UsageError

NONE_LABEL = "none"
POINT_MODES = ("window", "bin")


@dataclass(frozen=True, slots=True)
class SliceOptions:
    """Bin width and how point events are counted."""

    bin_ms: int = 1000
    point_mode: str = "window"
    point_window_ms: int = 1000

    def __post_init__(self) -> None:
        if self.bin_ms <= 0:
            raise UsageError(f"bin width must be positive, got {self.bin_ms} ms")
        if self.point_mode not in POINT_MODES:
            raise UsageError(f"point mode must be one of {', '.join(POINT_MODES)}, got {self.point_mode!r}")
        if self.point_window_ms <= 0:
            raise UsageError(f"point window must be positive, got {self.point_window_ms} ms")


@dataclass(frozen=True, slots=True)
class Grid:
    """The bins of all clips laid end to end on one global time axis (clip after clip)."""

    clip_ids: tuple[str, ...]
    clip_start: np.ndarray  # global ms at which each clip starts
    duration: np.ndarray  # ms, per clip
    first_bin: np.ndarray  # global index of each clip's first bin
    bin_clip: np.ndarray  # clip index of each bin
    bin_start: np.ndarray  # global ms
    bin_end: np.ndarray  # global ms

    @property
    def midpoints(self) -> np.ndarray:
        return (self.bin_start + self.bin_end) / 2.0


def make_grid(clips: Sequence[Clip], bin_ms: int) -> Grid:
    """Bins of ``bin_ms`` over every clip, in the given clip order."""
    duration = np.array([clip.duration_ms for clip in clips], dtype=np.int64)
    n_bins = -(-duration // bin_ms)
    first_bin = np.concatenate([[0], np.cumsum(n_bins)])[:-1]
    clip_start = np.concatenate([[0], np.cumsum(duration)])[:-1]
    bin_clip = np.repeat(np.arange(len(clips)), n_bins)
    local_start = (np.arange(int(n_bins.sum())) - first_bin[bin_clip]) * bin_ms
    local_end = np.minimum(local_start + bin_ms, duration[bin_clip])
    return Grid(
        clip_ids=tuple(clip.clip_id for clip in clips),
        clip_start=clip_start,
        duration=duration,
        first_bin=first_bin,
        bin_clip=bin_clip,
        bin_start=(clip_start[bin_clip] + local_start).astype(float),
        bin_end=(clip_start[bin_clip] + local_end).astype(float),
    )


@dataclass(frozen=True)
class TrackSlices:
    """Bin labels of one track (or track x actor) for every coder over every clip."""

    track: str
    actor: str | None
    coders: tuple[str, ...]
    labels: np.ndarray  # (coders, bins) label index; -1 where the coder did not code the clip
    names: tuple[str, ...]  # label names; names[0] is "none"
    codes: tuple[str, ...]
    membership: np.ndarray  # (labels, codes) bool: label l counts as code c
    bin_clip: np.ndarray
    clip_ids: tuple[str, ...]

    def pair_tables(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Confusion matrices per clip coded by both coders ``a`` and ``b``: (clip indices, ``(k, L, L)``)."""
        la, lb = self.labels[a], self.labels[b]
        both = (la >= 0) & (lb >= 0)
        size = len(self.names)
        cell = self.bin_clip[both] * size * size + la[both] * size + lb[both]
        tables = np.bincount(cell, minlength=len(self.clip_ids) * size * size).reshape(-1, size, size)
        shared = np.flatnonzero(tables.sum(axis=(1, 2)))
        return shared, tables[shared]

    def fleiss_tables(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """Fleiss sums per clip over the clips coded by the most coders, if that is 3 or more.

        Returns (raters m, clip indices, per-label sums ``(k, 2, L)``, per-code "present / absent" sums
        ``(k, C, 2, 2)``); see :func:`bwvtool.analysis.kappa.fleiss_kappa`. Fleiss' kappa needs the same
        number of raters for every unit, so clips coded by fewer coders are left out (alpha uses them).
        """
        present = self.labels >= 0
        per_bin = present.sum(axis=0)
        raters = int(per_bin.max(initial=0))
        n_labels, n_codes = len(self.names), len(self.codes)
        if raters < 3:
            return (
                raters,
                np.zeros(0, dtype=np.int64),
                np.zeros((0, 2, n_labels)),
                np.zeros((0, n_codes, 2, 2)),
            )
        keep = per_bin == raters
        counts = np.zeros((int(keep.sum()), n_labels))
        for row, mask in zip(self.labels[:, keep], present[:, keep], strict=True):
            counts[np.flatnonzero(mask), row[mask]] += 1
        code_counts = counts @ self.membership.astype(float)
        binary = np.stack([code_counts, raters - code_counts], axis=-1)  # (bins, C, 2)
        clips, group = np.unique(self.bin_clip[keep], return_inverse=True)

        def sums(c: np.ndarray) -> np.ndarray:
            out = np.zeros((len(clips), 2, *c.shape[1:]))
            np.add.at(out[:, 0], group, c * c)
            np.add.at(out[:, 1], group, c)
            return out

        # (k, 2, C, 2) -> (k, C, 2, 2): per code, rows "squares / totals" over "present / absent".
        return raters, clips, sums(counts), sums(binary).transpose(0, 2, 1, 3)

    def coincidence_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """Nominal coincidence matrices per clip coded by two or more coders: (clip indices, ``(k, L, L)``)."""
        size = len(self.names)
        tables = grouped_coincidences(self.labels, self.bin_clip, len(self.clip_ids), size)
        shared = np.flatnonzero(tables.sum(axis=(1, 2)))
        return shared, tables[shared]


def slice_tracks(
    clips: Sequence[Clip],
    events: Iterable[CodedEvent],
    coders_of: Mapping[str, tuple[str, ...]],
    options: SliceOptions = SliceOptions(),  # noqa: B008 - frozen, so a shared default is safe
    *,
    by_actor: bool = False,
    tracks: Iterable[str] = (),
) -> list[TrackSlices]:
    """Label every bin of ``clips`` for each track (or track x actor) and each coder of ``coders_of``.

    Every track with an event (on any clip) gets an entry; events on clips not in ``clips`` are ignored.
    ``tracks`` adds tracks that may have no events at all (they are then "none" everywhere).
    """
    clips = sorted(clips, key=lambda clip: clip.clip_id)
    grid = make_grid(clips, options.bin_ms)
    clip_index = {clip_id: i for i, clip_id in enumerate(grid.clip_ids)}
    coders = tuple(sorted({c for clip in clips for c in coders_of.get(clip.clip_id, ())}))
    coder_index = {coder: i for i, coder in enumerate(coders)}
    coded = np.zeros((len(coders), len(clips)), dtype=bool)
    for clip in clips:
        for coder in coders_of.get(clip.clip_id, ()):
            coded[coder_index[coder], clip_index[clip.clip_id]] = True
    coded_bins = coded[:, grid.bin_clip]
    mids = grid.midpoints

    # Every track (x actor) with an event is reported; only events on the given clips are sliced, and a
    # coder's events on a clip not credited to them are masked out below.
    grouped: dict[tuple[str, str | None], list[CodedEvent]] = defaultdict(list)
    for event in events:
        events_of_key = grouped[(event.track, event.actor if by_actor else None)]
        if event.coder in coder_index and event.clip_id in clip_index:
            events_of_key.append(event)
    if not by_actor:
        for track in tracks:
            grouped.setdefault((track, None), [])

    result = []
    for (track, actor), track_events in sorted(
        grouped.items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        codes = tuple(sorted({event.code for event in track_events}))
        code_id = {code: i for i, code in enumerate(codes)}
        compounds: dict[tuple[int, ...], int] = {}
        labels = np.zeros((len(coders), len(mids)), dtype=np.int64)
        by_coder: dict[str, list[CodedEvent]] = defaultdict(list)
        for event in track_events:
            by_coder[event.coder].append(event)
        for coder, mine in by_coder.items():
            starts, ends = _intervals(mine, grid, clip_index, options)
            code_ids = np.array([code_id[e.code] for e in mine], dtype=np.int64)
            labels[coder_index[coder]] = _label_ids(starts, ends, code_ids, mids, len(codes), compounds)
        labels[~coded_bins] = -1
        names = (NONE_LABEL, *codes, *("+".join(codes[c] for c in combo) for combo in compounds))
        membership = np.zeros((len(names), len(codes)), dtype=bool)
        membership[1 : len(codes) + 1] = np.eye(len(codes), dtype=bool)
        for combo, label in compounds.items():
            membership[label, list(combo)] = True
        result.append(
            TrackSlices(track, actor, coders, labels, names, codes, membership, grid.bin_clip, grid.clip_ids)
        )
    return result


def _intervals(
    events: list[CodedEvent], grid: Grid, clip_index: Mapping[str, int], options: SliceOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Global ``[start, end)`` ms of what each event covers (see the module's definitions)."""
    clip = np.array([clip_index[e.clip_id] for e in events], dtype=np.int64)
    onset = np.array([e.onset_ms for e in events], dtype=np.int64)
    end = np.array([e.end_ms for e in events], dtype=np.int64)
    point = np.array([e.is_point for e in events], dtype=bool)
    duration = grid.duration[clip]
    start_local, end_local = onset.astype(float), end.astype(float)
    if options.point_mode == "window":
        end_local[point] = onset[point] + options.point_window_ms
    else:
        bins = np.minimum(onset // options.bin_ms, (duration - 1) // options.bin_ms) + grid.first_bin[clip]
        inside = point & (onset < duration)
        start_local[inside] = grid.bin_start[bins[inside]] - grid.clip_start[clip[inside]]
        end_local[inside] = grid.bin_end[bins[inside]] - grid.clip_start[clip[inside]]
    end_local = np.minimum(end_local, duration)
    # Events past the clip's end become empty intervals (start == end) and cover nothing.
    start_local = np.minimum(start_local, end_local)
    offset = grid.clip_start[clip]
    return offset + start_local, offset + end_local


def _label_ids(
    starts: np.ndarray,
    ends: np.ndarray,
    codes: np.ndarray,
    mids: np.ndarray,
    n_codes: int,
    compounds: dict[tuple[int, ...], int],
) -> np.ndarray:
    """Label id per (sorted) midpoint: 0 none, ``1 + c`` code c alone, later ids compound labels."""
    # Midpoints inside [start, end) are the index range [lo, hi): +1 at lo, -1 at hi and a running sum count
    # the covering intervals; the same with weights code + 1 gives the code where exactly one covers.
    lo = np.searchsorted(mids, starts, side="left")
    hi = np.searchsorted(mids, ends, side="left")
    size = len(mids) + 1
    count = np.cumsum(np.bincount(lo, minlength=size) - np.bincount(hi, minlength=size))[:-1]
    weight = codes + 1.0
    code_sum = np.cumsum(np.bincount(lo, weight, size) - np.bincount(hi, weight, size))[:-1]
    labels = np.where(count == 1, np.rint(code_sum).astype(np.int64), 0)
    multi = np.flatnonzero(count > 1)
    if multi.size:  # overlaps (rare): find the set of codes at those bins one code at a time
        covered = np.zeros((len(multi), n_codes), dtype=bool)
        points = mids[multi]
        for code in np.unique(codes):
            mine = codes == code
            order = np.argsort(starts[mine], kind="stable")
            first, reach = starts[mine][order], np.maximum.accumulate(ends[mine][order])
            idx = np.searchsorted(first, points, side="right") - 1
            covered[:, code] = (idx >= 0) & (points < reach[np.maximum(idx, 0)])
        patterns, inverse = np.unique(covered, axis=0, return_inverse=True)
        ids = []
        for pattern in patterns:
            combo = tuple(int(c) for c in np.flatnonzero(pattern))
            # One code covering twice (overlapping events of the same code) is still that code.
            ids.append(
                combo[0] + 1 if len(combo) == 1 else compounds.setdefault(combo, n_codes + 1 + len(compounds))
            )
        labels[multi] = np.asarray(ids)[inverse.ravel()]
    return labels
