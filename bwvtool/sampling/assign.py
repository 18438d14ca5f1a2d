"""Giving the drawn units to coders: balanced workloads and a blind double-coded share for reliability.

Units are handed out longest first, each to the coder with the least work so far (ties: the coder listed first) —
the "longest processing time" rule, which keeps every coder within one unit of the mean. A share of units, chosen
at random, also goes to a second, different coder with role ``reliability``; neither coder is told who else has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bwvtool.sampling.select import ASSIGN_STREAM, Item, generator

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class Assignment:
    order: int  # the unit's draw order
    coder: str
    role: str  # 'primary' or 'reliability'


def double_coded_count(units: int, share: float) -> int:
    """How many of ``units`` are double-coded for ``share`` (rounded half up)."""
    return int(units * share + 0.5)


def assign(
    items: Sequence[Item], workloads: Sequence[float], spec: dict[str, Any] | None, seed: int
) -> list[Assignment]:
    """Assignments for ``items`` (``workloads``: each unit's clip seconds), by the plan's ``assignment`` section."""
    coders = list((spec or {}).get("coders") or [])
    if not coders or not items:  # coders are named at the draw when the plan names none (binding.with_coders)
        return []
    by_count = spec.get("balance", "duration") == "count"
    work = [1.0 if by_count else float(w) for w in workloads]
    doubled = _double_coded(len(items), spec.get("double_code", 0.0), seed)
    load = dict.fromkeys(coders, 0.0)
    out: list[Assignment] = []
    for position in sorted(range(len(items)), key=lambda i: (-work[i], items[i].order)):
        primary = min(coders, key=lambda c: (load[c], coders.index(c)))
        load[primary] += work[position]
        out.append(Assignment(items[position].order, primary, "primary"))
        if position in doubled:
            second = min((c for c in coders if c != primary), key=lambda c: (load[c], coders.index(c)))
            load[second] += work[position]
            out.append(Assignment(items[position].order, second, "reliability"))
    out.sort(key=lambda a: (a.order, a.role != "primary"))
    return out


def _double_coded(units: int, share: float, seed: int) -> set[int]:
    import numpy as np

    count = double_coded_count(units, share)
    if count == 0:
        return set()
    keys = generator(seed, ASSIGN_STREAM).random(units)
    return set(np.argsort(keys, kind="stable")[:count].tolist())


def workload_summary(assignments: Sequence[Assignment], workloads: dict[int, float]) -> list[dict[str, Any]]:
    """Per coder: units as primary and as reliability coder, and total clip seconds."""
    summary: dict[str, dict[str, Any]] = {}
    for a in assignments:
        entry = summary.setdefault(
            a.coder, {"coder": a.coder, "primary": 0, "reliability": 0, "seconds": 0.0}
        )
        entry[a.role] += 1
        entry["seconds"] = round(entry["seconds"] + workloads.get(a.order, 0.0), 3)
    return list(summary.values())
