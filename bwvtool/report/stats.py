"""Small statistics the weekly picture needs."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (None when ``n`` is 0).

    Unlike the normal ("Wald") interval it stays inside [0, 1] and keeps its coverage for small ``n`` and for
    shares near 0 — a week with 3 support offers in 40 reviews is exactly that case (Wilson 1927; Brown, Cai &
    DasGupta 2001).
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes out of {n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
