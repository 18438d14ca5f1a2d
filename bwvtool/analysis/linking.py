"""ELAN-style modified kappa for events (Holle & Rein 2015, EasyDIAg; ELAN's "modified Cohen's kappa").

Definitions, following the EasyDIAg source (``gen_overlap_map``, ``match_annotations``,
``reduce_mapping_to_single_square``, ``ckappa``, ``ipf``):

* **Tiers.** Events of two coders are compared within one clip, one track and one actor (the tier of an
  ELAN export is track x actor x coder). The categories are the track's codes plus ``unmatched``.
* **Linking states.** The overlap of two states is ``(min(offsets) - max(onsets)) / max(durations)``, the
  share of the *longer* one. Candidate pairs are taken greedily by largest overlap (ties: earlier events
  first), one-to-one; a pair is linked when its overlap is at least ``min_overlap`` (default 0.6). Taking a
  pair below the threshold and then unlinking it, as EasyDIAg does, gives the same links.
* **Linking points** (an extension: EasyDIAg has no instants). Two point events are linked when their
  onsets are at most ``point_tolerance_ms`` apart, greedily by smallest distance, one-to-one. A point and a
  state are never linked.
* **The agreement matrix.** A linked pair with codes ``(a, b)`` adds **2** to cell ``(a, b)`` (EasyDIAg
  follows GSEQ in scoring a matched pair double, so the table total equals the number of events); an
  unlinked event of the first coder adds 1 to ``(a, unmatched)``, one of the second coder 1 to
  ``(unmatched, b)``. Cell ``(unmatched, unmatched)`` is a structural zero.
* **Kappa including unmatched** (EasyDIAg's ``kappa_ipf``): ``(p_o - p_e) / (1 - p_e)`` where ``p_e`` is the
  diagonal of the expected table fitted by iterative proportional fitting to the observed margins with the
  structural zero kept at zero (the quasi-independence model). EasyDIAg stops after 20 IPF sweeps and
  prints negative kappas as 0; here the fit is exact (the closed-form limit of IPF, see
  :func:`ipf_chance_agreement`) and the signed value is reported.
* **Kappa excluding unmatched**: Cohen's kappa of the matrix without the ``unmatched`` row and column.
* **kappa_max** including (with the IPF ``p_e``) and excluding unmatched, raw agreement (diagonal share)
  including and excluding, and **% linked**: the share of the table total in linked cells, i.e. the share
  of all events that are linked.
* **Per code**: Cohen's kappa of the 2x2 table "code" versus "everything else" (including unmatched)
  collapsed from the matrix, as EasyDIAg's per-value table.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from bwvtool.analysis.events import CodedEvent
from bwvtool.analysis.kappa import kappa_max, safe_ratio

UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class Links:
    """Linked index pairs between two coders' event lists, and the indices left unlinked."""

    pairs: tuple[tuple[int, int], ...]
    unmatched_first: tuple[int, ...]
    unmatched_second: tuple[int, ...]


def link_events(
    first: list[CodedEvent],
    second: list[CodedEvent],
    *,
    min_overlap: float = 0.6,
    point_tolerance_ms: int = 1000,
) -> Links:
    """Link two coders' events of one tier one-to-one (see the module's definitions)."""
    candidates: list[tuple[int, float, int, int]] = []  # (kind: states first, sort key, i, j)
    # Only events near in time can link: look them up by onset instead of comparing every pair.
    order = sorted(range(len(second)), key=lambda j: second[j].onset_ms)
    onsets = [second[j].onset_ms for j in order]
    longest = max((e.end_ms - e.onset_ms for e in second), default=0)
    for i, a in enumerate(first):
        if a.is_point:
            window = (a.onset_ms - point_tolerance_ms, a.onset_ms + point_tolerance_ms)
        else:  # a state of the second coder must start before a ends and end after a starts
            window = (a.onset_ms - longest, a.end_ms)
        for j in order[bisect_left(onsets, window[0]) : bisect_right(onsets, window[1])]:
            b = second[j]
            if a.is_point != b.is_point:
                continue
            if a.is_point:
                candidates.append((1, float(abs(a.onset_ms - b.onset_ms)), i, j))
                continue
            overlap = (min(a.end_ms, b.end_ms) - max(a.onset_ms, b.onset_ms)) / max(
                a.end_ms - a.onset_ms, b.end_ms - b.onset_ms
            )
            if overlap >= min_overlap:
                candidates.append((0, -overlap, i, j))
    candidates.sort()
    used_first: set[int] = set()
    used_second: set[int] = set()
    pairs = []
    for _, _, i, j in candidates:
        if i not in used_first and j not in used_second:
            used_first.add(i)
            used_second.add(j)
            pairs.append((i, j))
    return Links(
        pairs=tuple(sorted(pairs)),
        unmatched_first=tuple(i for i in range(len(first)) if i not in used_first),
        unmatched_second=tuple(j for j in range(len(second)) if j not in used_second),
    )


def agreement_tables(
    events: Iterable[CodedEvent],
    pair: tuple[str, str],
    clip_ids: list[str],
    labels: tuple[str, ...],
    *,
    label_of: Mapping[tuple[str, str], int],
    min_overlap: float = 0.6,
    point_tolerance_ms: int = 1000,
) -> np.ndarray:
    """Agreement matrices per clip, ``(clips, L + 1, L + 1)``; the last row and column are ``unmatched``.

    ``label_of`` maps ``(track, code)`` to a row; events whose track is not in it are skipped, so one call
    can build a single track's table or (with every track's codes) the table of all tracks together.
    """
    first_coder, second_coder = pair
    clip_row = {clip_id: i for i, clip_id in enumerate(clip_ids)}
    tiers: dict[tuple[str, str, str], tuple[list[CodedEvent], list[CodedEvent]]] = defaultdict(
        lambda: ([], [])
    )
    for event in events:
        if event.clip_id in clip_row and (event.track, event.code) in label_of:
            if event.coder == first_coder:
                tiers[(event.clip_id, event.track, event.actor)][0].append(event)
            elif event.coder == second_coder:
                tiers[(event.clip_id, event.track, event.actor)][1].append(event)
    size = len(labels) + 1
    tables = np.zeros((len(clip_ids), size, size))
    for (clip_id, _, _), (mine, theirs) in tiers.items():
        mine.sort(key=lambda e: (e.onset_ms, e.end_ms, e.code))
        theirs.sort(key=lambda e: (e.onset_ms, e.end_ms, e.code))
        links = link_events(mine, theirs, min_overlap=min_overlap, point_tolerance_ms=point_tolerance_ms)
        table = tables[clip_row[clip_id]]
        for i, j in links.pairs:
            table[label_of[(mine[i].track, mine[i].code)], label_of[(theirs[j].track, theirs[j].code)]] += 2
        for i in links.unmatched_first:
            table[label_of[(mine[i].track, mine[i].code)], -1] += 1
        for j in links.unmatched_second:
            table[-1, label_of[(theirs[j].track, theirs[j].code)]] += 1
    return tables


def ipf_chance_agreement(tables: np.ndarray) -> np.ndarray:
    """``p_e`` of the quasi-independence fit with a structural zero in the last diagonal cell, ``(...)``.

    EasyDIAg reaches this fit by iterative proportional fitting. With a single structural zero its limit has a
    closed form (the EM fixed point of treating the cell as missing): fill the cell with
    ``x = r_u c_u / (n - r_u - c_u)`` (``r_u``, ``c_u`` the unmatched row and column totals; the denominator is
    the linked total) and fit independence, so each code's expected diagonal cell is ``r_i c_i / (n + x)``.
    With nothing linked and unmatched events on both sides, ``x`` is infinite and ``p_e`` is 0.
    """
    x = np.asarray(tables, dtype=float)
    rows, cols = x.sum(axis=-1), x.sum(axis=-2)
    n = x.sum(axis=(-2, -1))
    linked = x[..., :-1, :-1].sum(axis=(-2, -1))
    filled = safe_ratio(rows[..., -1] * cols[..., -1], linked)
    diagonal = (rows[..., :-1] * cols[..., :-1]).sum(axis=-1)
    p_e = safe_ratio(diagonal, (n + np.nan_to_num(filled)) * n)
    # linked == 0: every event unmatched, so no code cell can be expected to agree.
    return np.where((linked == 0) & (n > 0), 0.0, p_e)


def kappa_including_unmatched(tables: np.ndarray) -> np.ndarray:
    """EasyDIAg's ``kappa_ipf`` of ``(..., L + 1, L + 1)`` agreement matrices (NaN where undefined)."""
    x = np.asarray(tables, dtype=float)
    p_o = safe_ratio(np.trace(x, axis1=-2, axis2=-1), x.sum(axis=(-2, -1)))
    p_e = ipf_chance_agreement(x)
    return safe_ratio(p_o - p_e, 1.0 - p_e)


def kappa_max_including_unmatched(tables: np.ndarray) -> np.ndarray:
    """kappa_max of agreement matrices with the IPF chance agreement."""
    return kappa_max(tables, ipf_chance_agreement(tables))


def linked_share(tables: np.ndarray) -> np.ndarray:
    """Share of all events that are linked (the table total outside the unmatched row and column)."""
    x = np.asarray(tables, dtype=float)
    return safe_ratio(x[..., :-1, :-1].sum(axis=(-2, -1)), x.sum(axis=(-2, -1)))
