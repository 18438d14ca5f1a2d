"""One call that computes every reliability figure for a set of coded clips, as a JSON-ready dict.

:func:`reliability_report` is what the ``reliability`` command and the app's Reliability view show. It
combines, for every pair of coders that shares clips (and for all coders at once where the statistic
allows):

* time-sliced Cohen's kappa per track, per track x actor and pooled over tracks, with the confusion
  matrix and per-code kappas (:mod:`bwvtool.analysis.timeslice`); Fleiss' kappa when three or more coders
  coded the same clips; nominal Krippendorff's alpha of the bin labels over all coders;
* the ELAN-style modified kappa of linked events (:mod:`bwvtool.analysis.linking`);
* onset agreement within a tolerance (:mod:`bwvtool.analysis.onsets`);
* Krippendorff's alpha of clip-review items (:mod:`bwvtool.analysis.reviews`).

Each headline figure is ``{"value", "ci_low", "ci_high", "flag", "n_clips", "note"}`` with a percentile
bootstrap interval over clips and a reliable / tentative / unreliable flag
(:mod:`bwvtool.analysis.bootstrap`); undefined values are None with the reason in ``note``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from bwvtool.analysis import bootstrap as boot
from bwvtool.analysis.alpha import alpha_from_coincidences
from bwvtool.analysis.bootstrap import Bootstrap, as_number, figure
from bwvtool.analysis.events import Clip, CodedEvent, Reviews, coder_pairs, coders_by_clip
from bwvtool.analysis.kappa import (
    binary_tables,
    cohen_kappa,
    fleiss_kappa,
    kappa_max,
    raw_agreement,
)
from bwvtool.analysis.linking import (
    UNMATCHED,
    agreement_tables,
    kappa_including_unmatched,
    kappa_max_including_unmatched,
    linked_share,
)
from bwvtool.analysis.onsets import f1, onset_tables, precision, recall
from bwvtool.analysis.reviews import review_alpha
from bwvtool.analysis.timeslice import SliceOptions, TrackSlices, slice_tracks
from bwvtool.errors import UsageError


def reliability_report(
    clips: Iterable[Clip],
    events: Iterable[CodedEvent],
    reviews: Reviews,
    *,
    bin_ms: int = 1000,
    tolerance_ms: int = 1000,
    n_boot: int = 1000,
    seed: int = 0,
    point_mode: str = "window",
    point_window_ms: int = 1000,
    min_overlap: float = 0.6,
    match_actor: bool = True,
    tracks: Sequence[str] = (),
    review_levels: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Every reliability figure for ``clips`` (see the module docstring and docs/statistics.md).

    :param bin_ms: time-slice width for kappa and alpha on tracks.
    :param tolerance_ms: onset tolerance for onset agreement and for linking point events.
    :param n_boot: bootstrap replicates (resampling clips); ``seed`` makes them reproducible.
    :param point_mode: ``"window"`` (a point covers ``point_window_ms`` from its onset) or ``"bin"``.
    :param min_overlap: share of the longer state two linked states must overlap (modified kappa).
    :param match_actor: onset agreement matches events of the same actor only.
    :param tracks: tracks to report even if nobody coded anything in them.
    :param review_levels: levels per review item (see :func:`bwvtool.analysis.reviews.levels_from_codebook`);
        None infers them from the answers.
    """
    if n_boot < 1:
        raise UsageError(f"bootstrap replicates must be at least 1, got {n_boot}")
    if tolerance_ms < 0:
        raise UsageError(f"onset tolerance must not be negative, got {tolerance_ms} ms")
    if not 0 < min_overlap <= 1:
        raise UsageError(f"minimum overlap must be in (0, 1], got {min_overlap}")
    clips = sorted(clips, key=lambda clip: clip.clip_id)
    events = list(events)
    options = SliceOptions(bin_ms, point_mode, point_window_ms)
    bootstrap = Bootstrap(n_boot, seed)
    coders_of = coders_by_clip(clips, events, reviews)
    pairs = coder_pairs(coders_of)
    multi = sum(len(coders) >= 2 for coders in coders_of.values())

    # Only clips with two or more coders hold agreement; slicing the rest would just cost time and memory.
    shared_clips = [clip for clip in clips if len(coders_of[clip.clip_id]) >= 2]
    pooled = slice_tracks(shared_clips, events, coders_of, options, tracks=tracks)
    by_actor = slice_tracks(shared_clips, events, coders_of, options, by_actor=True)
    return {
        "parameters": {
            "bin_ms": bin_ms,
            "tolerance_ms": tolerance_ms,
            "n_boot": n_boot,
            "seed": seed,
            "confidence": bootstrap.level,
            "point_mode": point_mode,
            "point_window_ms": point_window_ms,
            "min_overlap": min_overlap,
            "match_actor": match_actor,
        },
        "thresholds": {
            "reliable": boot.RELIABLE,
            "tentative": boot.TENTATIVE,
            "min_clips_for_interval": boot.MIN_CLIPS_FOR_INTERVAL,
            "min_clips_for_stable_interval": boot.MIN_CLIPS_FOR_STABLE_INTERVAL,
        },
        "coders": sorted({c for coders in coders_of.values() for c in coders}),
        "clips": {
            "total": len(clips),
            "multi_coded": multi,
            "pairs": [{"coders": list(pair), "n_clips": len(shared)} for pair, shared in pairs.items()],
        },
        "warnings": _warnings(len(clips), multi),
        "time_sliced": [_track_entry(ts, bootstrap) for ts in pooled],
        "time_sliced_all_tracks": [_pooled_tracks_entry(pooled, pair, bootstrap) for pair in pairs]
        if pooled
        else [],
        "time_sliced_by_actor": [_track_entry(ts, bootstrap) for ts in by_actor],
        "modified_kappa": [
            entry
            for pair, shared in pairs.items()
            for entry in _modified_kappa_entries(events, pair, shared, bootstrap, min_overlap, tolerance_ms)
        ],
        "onsets": [
            _onset_entry(events, pair, shared, bootstrap, tolerance_ms, match_actor)
            for pair, shared in pairs.items()
        ],
        "reviews": review_alpha(reviews, coders_of, bootstrap, review_levels),
    }


def _warnings(n_clips: int, multi: int) -> list[str]:
    if multi == 0:
        return [
            f"none of the {n_clips} clips was coded by two or more coders: agreement cannot be computed "
            "(double-code a share of the clips)"
        ]
    if multi < boot.MIN_CLIPS_FOR_STABLE_INTERVAL:
        return [
            f"only {multi} clip(s) coded by two or more coders: intervals are unstable "
            f"(double-code at least {boot.MIN_CLIPS_FOR_STABLE_INTERVAL})"
        ]
    return []


def _kappa_undefined(names: Sequence[str]) -> Callable[[np.ndarray], str]:
    """Explains an undefined kappa from the summed confusion matrix."""

    def why(total: np.ndarray) -> str:
        if total.sum() == 0:
            return "kappa undefined: no units coded by both coders"
        used = [names[i] for i in np.flatnonzero(total.sum(axis=-1) + total.sum(axis=-2))]
        return f"kappa undefined: both coders gave every unit the same label ({', '.join(used)}), no variance"

    return why


def _track_entry(ts: TrackSlices, bootstrap: Bootstrap) -> dict[str, Any]:
    """Time-sliced figures of one track (or track x actor)."""
    pairs = []
    for a in range(len(ts.coders)):
        for b in range(a + 1, len(ts.coders)):
            clip_idx, tables = ts.pair_tables(a, b)
            if len(clip_idx) == 0:
                continue
            total = tables.sum(axis=0)
            used = np.flatnonzero(total.sum(axis=0) + total.sum(axis=1))
            binary = binary_tables(tables, ts.membership)
            # Codes at least one coder of the pair used: "first present" row plus "second only" cell.
            used_codes = binary[:, :, 0, :].sum(axis=(0, 2)) + binary[:, :, 1, 0].sum(axis=0) > 0
            pairs.append(
                {
                    "coders": [ts.coders[a], ts.coders[b]],
                    "n_clips": len(clip_idx),
                    "n_bins": int(total.sum()),
                    "kappa": figure(tables, cohen_kappa, bootstrap, undefined=_kappa_undefined(ts.names)),
                    "raw_agreement": as_number(raw_agreement(total)),
                    "kappa_max": as_number(kappa_max(total)),
                    "labels": [ts.names[i] for i in used],
                    "confusion": total[np.ix_(used, used)].astype(int).tolist(),
                    "per_code": [
                        {
                            "code": code,
                            "kappa": figure(
                                binary[:, k],
                                cohen_kappa,
                                bootstrap,
                                undefined=f"kappa undefined for {code!r}: no variance",
                            ),
                        }
                        for k, code in enumerate(ts.codes)
                        if used_codes[k]
                    ],
                }
            )
    return {
        "track": ts.track,
        "actor": ts.actor,
        "codes": list(ts.codes),
        "pairs": pairs,
        "fleiss": _fleiss_entry(ts, bootstrap),
        "alpha": _slice_alpha(ts, bootstrap),
    }


def _fleiss_entry(ts: TrackSlices, bootstrap: Bootstrap) -> dict[str, Any] | None:
    raters, clip_idx, label_sums, code_sums = ts.fleiss_tables()
    if raters < 3:
        return None
    used = code_sums[:, :, 1, 0].sum(axis=0) > 0
    return {
        "raters": raters,
        "n_clips": len(clip_idx),
        "kappa": figure(
            label_sums,
            lambda s: fleiss_kappa(s, raters),
            bootstrap,
            undefined="Fleiss' kappa undefined: every rating is the same label (no variance)",
        ),
        "per_code": [
            {
                "code": code,
                "kappa": figure(
                    code_sums[:, k],
                    lambda s: fleiss_kappa(s, raters),
                    bootstrap,
                    undefined=f"Fleiss' kappa undefined for {code!r}: present in every rating",
                ),
            }
            for k, code in enumerate(ts.codes)
            if used[k]
        ],
    }


def _slice_alpha(ts: TrackSlices, bootstrap: Bootstrap) -> dict[str, Any]:
    _, tables = ts.coincidence_tables()

    def why(total: np.ndarray) -> str:
        if total.sum() == 0:
            return "alpha undefined: no bins coded by two or more coders"
        return "alpha undefined: every bin has the same label (no variation)"

    return figure(tables, lambda o: alpha_from_coincidences(o, "nominal"), bootstrap, undefined=why)


def _pooled_tracks_entry(
    slices: list[TrackSlices], pair: tuple[str, str], bootstrap: Bootstrap
) -> dict[str, Any]:
    """Kappa of every track's bins together: one unit per bin and track. Codes stay apart per track, but "none"
    is one category for all tracks: kept apart per track, it would make chance agreement look tiny and the pooled
    kappa far higher than any track's own."""
    blocks = []
    for ts in slices:
        a, b = ts.coders.index(pair[0]), ts.coders.index(pair[1])
        blocks.append(ts.pair_tables(a, b)[1])
    size = 1 + sum(block.shape[-1] - 1 for block in blocks)
    tables = np.zeros((blocks[0].shape[0], size, size))
    start = 1
    for block in blocks:
        k = block.shape[-1]
        where = np.concatenate(([0], np.arange(start, start + k - 1)))  # block label i -> pooled label
        tables[:, where[:, None], where[None, :]] += block
        start += k - 1
    total = tables.sum(axis=0)
    return {
        "coders": list(pair),
        "tracks": [ts.track for ts in slices],
        "n_clips": int(tables.shape[0]),
        "kappa": figure(
            tables, cohen_kappa, bootstrap, undefined="kappa undefined: no variance in any track"
        ),
        "raw_agreement": as_number(raw_agreement(total)),
    }


def _modified_kappa_entries(
    events: list[CodedEvent],
    pair: tuple[str, str],
    shared: list[str],
    bootstrap: Bootstrap,
    min_overlap: float,
    tolerance_ms: int,
) -> list[dict[str, Any]]:
    """Modified kappa of one coder pair, per track and for all tracks together (track None)."""
    codes_by_track: dict[str, set[str]] = {}
    for event in events:
        codes_by_track.setdefault(event.track, set()).add(event.code)
    scopes: list[tuple[str | None, list[tuple[str, str]], list[str]]] = [
        (track, [(track, c) for c in sorted(codes)], sorted(codes))
        for track, codes in sorted(codes_by_track.items())
    ]
    if len(scopes) > 1:
        keys = [key for _, scope_keys, _ in scopes for key in scope_keys]
        scopes.append((None, keys, [f"{track}:{code}" for track, code in keys]))
    entries = []
    for track, keys, labels in scopes:
        tables = agreement_tables(
            events,
            pair,
            shared,
            tuple(labels),
            label_of={key: i for i, key in enumerate(keys)},
            min_overlap=min_overlap,
            point_tolerance_ms=tolerance_ms,
        )
        entries.append(_modified_kappa_entry(track, pair, labels, tables, bootstrap))
    return entries


def _modified_kappa_entry(
    track: str | None, pair: tuple[str, str], labels: list[str], tables: np.ndarray, bootstrap: Bootstrap
) -> dict[str, Any]:
    total = tables.sum(axis=0)
    linked = total[:-1, :-1].sum() / 2
    inner = total[:-1, :-1]
    membership = np.eye(len(labels) + 1, len(labels), dtype=bool)
    binary = binary_tables(tables, membership)

    def excluding(t: np.ndarray) -> np.ndarray:
        return cohen_kappa(t[..., :-1, :-1])

    none = "kappa undefined: no events" if total.sum() == 0 else "kappa undefined: no variance"
    return {
        "track": track,
        "coders": list(pair),
        "n_clips": int(tables.shape[0]),
        "n_events": {
            pair[0]: int(linked + total[:-1, -1].sum()),
            pair[1]: int(linked + total[-1, :-1].sum()),
        },
        "linked_pairs": int(linked),
        "linked_share": as_number(linked_share(total)),
        "kappa_including_unmatched": figure(tables, kappa_including_unmatched, bootstrap, undefined=none),
        "kappa_excluding_unmatched": figure(
            tables,
            excluding,
            bootstrap,
            undefined="kappa undefined: no linked events, or no variance among them",
        ),
        "kappa_max_including_unmatched": as_number(kappa_max_including_unmatched(total)),
        "kappa_max_excluding_unmatched": as_number(kappa_max(inner)),
        "raw_agreement_including_unmatched": as_number(raw_agreement(total)),
        "raw_agreement_excluding_unmatched": as_number(raw_agreement(inner)),
        "labels": [*labels, UNMATCHED],
        "matrix": total.astype(int).tolist(),
        "per_code": [
            {
                "code": code,
                "kappa": figure(
                    binary[:, k], cohen_kappa, bootstrap, undefined=f"kappa undefined for {code!r}"
                ),
            }
            for k, code in enumerate(labels)
            if total[k].sum() + total[:, k].sum() > 0
        ],
    }


def _onset_entry(
    events: list[CodedEvent],
    pair: tuple[str, str],
    shared: list[str],
    bootstrap: Bootstrap,
    tolerance_ms: int,
    match_actor: bool,
) -> dict[str, Any]:
    keys, tables = onset_tables(events, pair, shared, tolerance_ms=tolerance_ms, match_actor=match_actor)
    none = "F1 undefined: neither coder has such an event"

    def counts(c: np.ndarray) -> dict[str, Any]:
        return {
            "matched": int(c[..., 0].sum()),
            "n_first": int(c[..., 1].sum()),
            "n_second": int(c[..., 2].sum()),
            "precision": as_number(precision(c.sum(axis=tuple(range(c.ndim - 1))))),
            "recall": as_number(recall(c.sum(axis=tuple(range(c.ndim - 1))))),
        }

    return {
        "coders": list(pair),
        "n_clips": len(shared),
        "tolerance_ms": tolerance_ms,
        "overall": {**counts(tables), "f1": figure(tables.sum(axis=1), f1, bootstrap, undefined=none)},
        "per_code": [
            {
                "track": track,
                "code": code,
                "actor": actor,
                **counts(tables[:, k]),
                "f1": figure(tables[:, k], f1, bootstrap, undefined=none),
            }
            for k, (track, code, actor) in enumerate(keys)
        ],
    }
