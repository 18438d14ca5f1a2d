"""How many units each stratum gets: exact largest-remainder rounding, never more than a stratum holds.

All arithmetic is on integers, so ties are real ties and are broken the same way in every allocation mode
(proportional, equal, minimum, the oversample domains, and re-spreading what a full stratum cannot hold): **a
larger remainder first, then the larger stratum (more units in the frame), then the stratum listed first.**
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class AllocationError(ValueError):
    """The plan asks for an allocation the frame cannot give (e.g. minimums adding up to more than n)."""


@dataclass(frozen=True)
class Allocation:
    """Per stratum: what the allocation rule asked for, what it got, and what it could not hold."""

    target: list[int]
    allocated: list[int]
    shortfall: list[int]

    @property
    def total(self) -> int:
        return sum(self.allocated)


def largest_remainder(total: int, weights: Sequence[int], sizes: Sequence[int] | None = None) -> list[int]:
    """Split ``total`` in proportion to integer ``weights``: floors first, then one more to the largest remainders.

    ``sizes``: the strata's populations, for the tie rule (default: the weights, as under proportional).
    """
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    sizes = weights if sizes is None else sizes
    shares = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], -sizes[i], i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def fill(allocated: list[int], caps: Sequence[int], left: int, weights: Sequence[int]) -> list[int]:
    """Give ``left`` more units to strata with room, by ``weights``, re-spreading what a full stratum cannot hold.

    ``caps`` are the strata's populations (what each can hold), which also break ties.
    """
    allocated = list(allocated)
    while left > 0:
        open_weights = [w if a < c else 0 for w, a, c in zip(weights, allocated, caps, strict=True)]
        if sum(open_weights) == 0:
            break
        extra = largest_remainder(left, open_weights, caps)
        given = 0
        for i, more in enumerate(extra):
            take = min(more, caps[i] - allocated[i])
            allocated[i] += take
            given += take
        left -= given  # every open stratum offered a unit has room for one, so this always shrinks
    return allocated


def allocate(
    populations: Sequence[int],
    n: int,
    method: str,
    *,
    per_stratum: int | None = None,
    redistribute: bool = True,
) -> Allocation:
    """Sizes for strata of ``populations`` under ``method`` (proportional, equal, fixed or minimum).

    Empty strata get nothing under proportional and equal (they do not count as strata for ``equal``); under fixed
    and minimum they ask for ``per_stratum`` and report it as their shortfall.
    """
    pops = list(populations)
    if method == "fixed":
        per = int(per_stratum or 0)
        got = [min(per, size) for size in pops]
        return Allocation([per] * len(pops), got, [per - g for g in got])
    if method == "minimum":
        per = int(per_stratum or 0)
        base = [min(per, size) for size in pops]
        if sum(base) > n:
            raise AllocationError(
                f"minimum {per} per stratum needs {sum(base)} units over {sum(1 for p in pops if p)} "
                f"non-empty strata, more than n = {n}"
            )
        room = [size - b for size, b in zip(pops, base, strict=True)]
        got = fill(base, pops, n - sum(base), room)
        return Allocation([max(per, g) for g in got], got, [max(0, per - size) for size in pops])
    weights = pops if method == "proportional" else [1 if size else 0 for size in pops]
    target = largest_remainder(n, weights, pops)
    got = [min(t, size) for t, size in zip(target, pops, strict=True)]
    if redistribute:
        got = fill(got, pops, n - sum(got), weights)
    return Allocation(target, got, [max(0, t - size) for t, size in zip(target, pops, strict=True)])
