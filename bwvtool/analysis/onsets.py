"""Onset agreement: did the two coders mark the same behaviour at (nearly) the same moment?

Definitions:

* Events are matched within one clip and one *key*: track and code, and actor when ``match_actor`` is
  true (the default: "the same behaviour by the same person").
* Two events match when their onsets differ by at most ``tolerance_ms`` (default 1000 ms, inclusive).
  Matching is one-to-one and of maximum size; on sorted onsets a single greedy sweep achieves this
  (match the two earliest unmatched onsets when they are within the tolerance, otherwise drop the earlier,
  which can match nothing later).
* With the first coder of the pair as the reference: ``precision = matched / n_second``,
  ``recall = matched / n_first``, ``F1 = 2 matched / (n_first + n_second)`` (symmetric). Pooled figures add
  the counts over keys and clips (micro-averaging).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from bwvtool.analysis.events import CodedEvent
from bwvtool.analysis.kappa import safe_ratio

OnsetKey = tuple[str, str, str | None]  # (track, code, actor or None)


def count_matches(first: Sequence[int], second: Sequence[int], tolerance_ms: int) -> int:
    """Size of a maximum one-to-one matching of onsets within ``tolerance_ms``."""
    a, b = sorted(first), sorted(second)
    i = j = matched = 0
    while i < len(a) and j < len(b):
        if abs(a[i] - b[j]) <= tolerance_ms:
            matched += 1
            i += 1
            j += 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return matched


def onset_tables(
    events: Iterable[CodedEvent],
    pair: tuple[str, str],
    clip_ids: list[str],
    *,
    tolerance_ms: int = 1000,
    match_actor: bool = True,
) -> tuple[list[OnsetKey], np.ndarray]:
    """Per clip and key counts ``(clips, keys, 3)`` of [matched, n_first, n_second], and the sorted keys."""
    clip_row = {clip_id: i for i, clip_id in enumerate(clip_ids)}
    onsets: dict[tuple[int, OnsetKey], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for event in events:
        if event.clip_id not in clip_row or event.coder not in pair:
            continue
        key = (event.track, event.code, event.actor if match_actor else None)
        onsets[(clip_row[event.clip_id], key)][pair.index(event.coder)].append(event.onset_ms)
    keys = sorted({key for _, key in onsets}, key=lambda k: (k[0], k[1], k[2] or ""))
    key_col = {key: i for i, key in enumerate(keys)}
    tables = np.zeros((len(clip_ids), len(keys), 3))
    for (row, key), (mine, theirs) in onsets.items():
        tables[row, key_col[key]] = (count_matches(mine, theirs, tolerance_ms), len(mine), len(theirs))
    return keys, tables


def f1(counts: np.ndarray) -> np.ndarray:
    """F1 of ``(..., 3)`` [matched, n_first, n_second] counts (NaN when neither coder has an event)."""
    c = np.asarray(counts, dtype=float)
    return safe_ratio(2.0 * c[..., 0], c[..., 1] + c[..., 2])


def precision(counts: np.ndarray) -> np.ndarray:
    """matched / n_second."""
    c = np.asarray(counts, dtype=float)
    return safe_ratio(c[..., 0], c[..., 2])


def recall(counts: np.ndarray) -> np.ndarray:
    """matched / n_first."""
    c = np.asarray(counts, dtype=float)
    return safe_ratio(c[..., 0], c[..., 1])
