"""How big a sample must be: to estimate a rate within a margin, and to see at least one case.

Estimating a proportion ``p`` within ``±e`` at confidence ``1 - a``: ``n0 = z² p (1 - p) / e²`` with ``z`` the
``1 - a/2`` normal quantile; from a population of ``N`` the finite population correction gives
``n = n0 / (1 + (n0 - 1) / N)``. Seeing at least one case with probability ``c`` when a share ``p`` are cases:
``n = ln(1 - c) / ln(1 - p)`` (infinite population), or with ``N`` the smallest ``n`` whose hypergeometric chance
of no case, with ``K = max(1, round(p N))`` cases, is at most ``1 - c``. Sizes are rounded up.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

from bwvtool.errors import UsageError


def sample_size(
    rate: float, margin: float, population: int | None = None, confidence: float = 0.95
) -> dict[str, Any]:
    """Sample sizes for estimating ``rate`` within ``margin`` and for detecting one case (see module docs)."""
    for name, value in (("rate", rate), ("margin", margin), ("confidence", confidence)):
        if not 0 < value < 1:
            raise UsageError(f"{name} must be between 0 and 1 (exclusive), not {value}")
    if population is not None and population < 1:
        raise UsageError(f"population must be at least 1, not {population}")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    n0 = z * z * rate * (1 - rate) / (margin * margin)
    n = n0 if population is None else n0 / (1 + (n0 - 1) / population)
    detect_inf = math.ceil(math.log(1 - confidence) / math.log(1 - rate) - 1e-9)
    return {
        "rate": rate,
        "margin": margin,
        "confidence": confidence,
        "population": population,
        "z": round(z, 6),
        "n_without_fpc": math.ceil(n0 - 1e-9),
        "n": min(math.ceil(n - 1e-9), population) if population else math.ceil(n - 1e-9),
        "detect_one": {
            "probability": confidence,
            "n_without_fpc": detect_inf,
            "n": _detect_finite(rate, population, confidence) if population else detect_inf,
        },
    }


def _detect_finite(rate: float, population: int, confidence: float) -> int:
    """Smallest n with P(no case among n drawn without replacement) <= 1 - confidence."""
    cases = max(1, round(rate * population))
    p_none = 1.0
    for n in range(1, population - cases + 2):
        p_none *= (population - cases - (n - 1)) / (population - (n - 1))
        if p_none <= 1 - confidence + 1e-12:
            return n
    return population
