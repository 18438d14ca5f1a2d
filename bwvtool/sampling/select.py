"""The random part of a draw: which units the census truncation and the sample take, and which clips.

Randomness comes from numpy's PCG64 seeded through ``SeedSequence(seed, spawn_key=(stream,))``, one stream per
purpose, so changing (say) the coders never changes which units are drawn. Each unit gets one uniform key in frame
order; a stratum takes its ``n_h`` smallest keys, which is a simple random sample without replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from bwvtool.sampling.columns import Columns
    from bwvtool.sampling.design import Layout
    from bwvtool.sampling.plan import Plan

CENSUS_STREAM, SAMPLE_STREAM, TAKE_STREAM, ASSIGN_STREAM = 0, 1, 2, 3


def generator(seed: int, stream: int) -> np.random.Generator:
    """The random generator for one purpose of one draw."""
    import numpy as np

    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream,))))


@dataclass(frozen=True)
class Item:
    """One selected unit."""

    unit_index: int
    unit_id: str
    selection: str  # 'census:<rule>' or 'sample'
    stratum: str | None
    probability: float
    weight: float
    order: int  # 1-based position of the unit in the draw
    clip_rows: tuple[int, ...]  # column rows of the clips taken, clip ids ascending
    clips_in_unit: int  # eligible clips the unit had


def select(plan: Plan, cols: Columns, layout: Layout, seed: int) -> list[Item]:
    """The units and clips of the draw with ``seed``; census units first (rule order), then the sample in key order."""
    import numpy as np

    frame = layout.frame
    chosen: list[tuple[int, str, str | None, float, float]] = []
    census_keys = generator(seed, CENSUS_STREAM).random(frame.size)
    for index, rule in enumerate(layout.census):
        if rule.taken == 0:
            continue
        units = np.flatnonzero(layout.unit_rule == index)
        if rule.taken < rule.matched:
            units = np.sort(units[np.lexsort((units, census_keys[units]))][: rule.taken])
            probability, weight = rule.taken / rule.matched, rule.matched / rule.taken
        else:
            probability, weight = 1.0, 1.0
        chosen += [(int(u), f"census:{rule.name}", None, probability, weight) for u in units.tolist()]
    if layout.strata and layout.unit_stratum is not None:
        chosen += _sample(layout, generator(seed, SAMPLE_STREAM).random(frame.size))
    take_keys = generator(seed, TAKE_STREAM).random(frame.rows.shape[0])
    ends = np.append(frame.starts[1:], frame.rows.shape[0])
    items = []
    for order, (unit, selection, stratum, probability, weight) in enumerate(chosen, start=1):
        start, end = int(frame.starts[unit]), int(ends[unit])
        rows = _take(
            plan.take if plan.unit == "incident" else "all", frame.rows[start:end], cols, take_keys[start:end]
        )
        items.append(
            Item(
                unit,
                str(frame.unit_ids[unit]),
                selection,
                stratum,
                probability,
                weight,
                order,
                rows,
                end - start,
            )
        )
    return items


def _sample(layout: Layout, keys: np.ndarray) -> list[tuple[int, str, str | None, float, float]]:
    import numpy as np

    strata = layout.strata
    assert layout.unit_stratum is not None
    units = np.flatnonzero(layout.unit_stratum >= 0)
    stratum_of = layout.unit_stratum[units]
    # By stratum, then key, then unit: two stable sorts, the key's first (equal keys keep ascending units), then
    # the stratum's on codes narrow enough for numpy's radix sort (two thirds of the time of one lexsort of all three).
    order = np.argsort(keys[units], kind="stable")
    narrow = stratum_of.astype(np.int16) if len(strata) <= np.iinfo(np.int16).max else stratum_of
    order = order[np.argsort(narrow[order], kind="stable")]
    units, stratum_of = units[order], stratum_of[order]
    rank = np.arange(units.shape[0]) - np.searchsorted(stratum_of, stratum_of, side="left")
    allocated = np.array([s.allocated for s in strata], dtype=np.int64)
    take = rank < allocated[stratum_of]
    picked, picked_strata = units[take], stratum_of[take]
    by_key = np.lexsort((picked, keys[picked]))
    out = []
    for unit, s in zip(picked[by_key].tolist(), picked_strata[by_key].tolist(), strict=True):
        stratum = strata[s]
        out.append(
            (
                unit,
                "sample",
                stratum.key,
                stratum.allocated / stratum.population,
                stratum.population / stratum.allocated,
            )
        )
    return out


def _take(rule: str, rows: np.ndarray, cols: Columns, keys: np.ndarray) -> tuple[int, ...]:
    """The clips of one unit that the draw takes: all, the longest (ties: lowest clip id), or one at random."""
    import numpy as np

    if rule == "longest":
        return (int(rows[int(np.argmax(cols.duration_s[rows]))]),)
    if rule == "random":
        return (int(rows[int(np.argmin(keys))]),)
    return tuple(int(r) for r in rows.tolist())
