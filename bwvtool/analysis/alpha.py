"""Krippendorff's alpha from coincidence matrices, for any number of coders and missing data.

Definitions (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"). A *unit* (a clip for a
review item, a time bin for a track) receives values from ``m_u`` coders; units with ``m_u < 2`` are not
pairable and drop out. The coincidence matrix counts every ordered pair of values from different coders in
the same unit, weighted by ``1 / (m_u - 1)``::

    o_ck = sum_u (number of ordered coder pairs in u with values c, k) / (m_u - 1)

With ``n_c = sum_k o_ck`` and ``n = sum_c n_c`` (the pairable values)::

    alpha = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck

where ``d_ck`` is the squared difference for the level of measurement:

* nominal: 0 if ``c == k`` else 1;
* ordinal: ``(sum_{g between c and k} n_g - (n_c + n_k) / 2)^2`` over values in ascending order;
* interval: ``(c - k)^2``;
* ratio: ``((c - k) / (c + k))^2`` (0 when ``c + k = 0``).

Alpha is undefined (NaN) when there are no pairable values, or when every pairable value is the same
(no variation: the expected disagreement is 0). The ``krippendorff`` package refuses those cases.
Coincidence matrices add over units, so bootstrap replicates are sums of per-clip matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations
from typing import Any

import numpy as np

from bwvtool.errors import UsageError

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def grouped_coincidences(codes: np.ndarray, groups: np.ndarray, n_groups: int, n_values: int) -> np.ndarray:
    """Coincidence matrices summed per group of units: ``(n_groups, V, V)``.

    ``codes`` is ``(coders, units)`` of value indices, -1 where a coder gave no value; ``groups[u]`` is the
    group (e.g. the clip) of unit ``u``.
    """
    codes = np.asarray(codes)
    groups = np.asarray(groups, dtype=np.int64)
    present = codes >= 0
    pairable = present.sum(axis=0)
    weight = np.zeros(codes.shape[1])
    np.divide(1.0, pairable - 1, out=weight, where=pairable >= 2)
    size = n_values * n_values
    out = np.zeros(n_groups * size)
    for a, b in permutations(range(codes.shape[0]), 2):
        both = present[a] & present[b]
        cell = groups[both] * size + codes[a, both] * n_values + codes[b, both]
        out += np.bincount(cell, weights=weight[both], minlength=n_groups * size)
    return out.reshape(n_groups, n_values, n_values)


def distance_matrix(level: str, coincidences: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    """Squared differences ``d_ck`` for ``level``; ``(..., V, V)`` because ordinal depends on the margins.

    ``values`` (ascending numbers) is needed for interval and ratio; ordinal uses only the order of the
    matrix's rows, which must be ascending.
    """
    o = np.asarray(coincidences, dtype=float)
    size = o.shape[-1]
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level == "ordinal":
        n_c = o.sum(axis=-1)
        cum = np.cumsum(n_c, axis=-1)
        idx = np.arange(size)
        lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
        between = cum[..., hi] - cum[..., lo] + n_c[..., lo]
        return (between - (n_c[..., lo] + n_c[..., hi]) / 2.0) ** 2
    if values is None:
        raise UsageError(f"{level} alpha needs numeric values")
    v = np.asarray(values, dtype=float)
    diff = np.subtract.outer(v, v)
    if level == "interval":
        return diff**2
    if level == "ratio":
        total = np.add.outer(v, v)
        ratio = np.zeros_like(diff)
        np.divide(diff, total, out=ratio, where=total != 0)
        return ratio**2
    raise UsageError(f"unknown level of measurement {level!r} (choose from {', '.join(LEVELS)})")


def alpha_from_coincidences(
    coincidences: np.ndarray, level: str, values: np.ndarray | None = None
) -> np.ndarray:
    """Krippendorff's alpha of ``(..., V, V)`` coincidence matrices (NaN where undefined)."""
    o = np.asarray(coincidences, dtype=float)
    d = distance_matrix(level, o, values)
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    observed = (o * d).sum(axis=(-2, -1))
    expected = np.einsum("...c,...k,...ck->...", n_c, n_c, np.broadcast_to(d, o.shape))
    out = np.full(np.shape(n), np.nan)
    ok = (expected > 0) & (n > 1)
    np.divide((n - 1) * observed, expected, out=out, where=ok)
    return np.where(ok, 1.0 - out, np.nan)


def encode_values(data: Sequence[Sequence[Any]], level: str) -> tuple[np.ndarray, list[Any]]:
    """Turn ``(coders, units)`` raw values (None or NaN = missing) into value indices and the sorted domain.

    Nominal values may be any hashable (strings, booleans, numbers); other levels need real numbers.
    """
    if level not in LEVELS:
        raise UsageError(f"unknown level of measurement {level!r} (choose from {', '.join(LEVELS)})")

    def missing(value: Any) -> bool:
        return value is None or (isinstance(value, float) and np.isnan(value))

    if level == "nominal":
        # Key by type too (True is not 1 here) and sort by type then value, so mixed answers keep a stable order.
        def key(value: Any) -> Any:
            return (type(value).__name__, value)
    else:
        bad = [
            v
            for row in data
            for v in row
            if not missing(v) and (isinstance(v, bool) or not isinstance(v, int | float))
        ]
        if bad:
            raise UsageError(f"{level} alpha needs numbers; got {bad[0]!r}")

        def key(value: Any) -> Any:
            return float(value)

    domain = sorted({key(v) for row in data for v in row if not missing(v)})
    index = {k: i for i, k in enumerate(domain)}
    codes = np.array([[-1 if missing(v) else index[key(v)] for v in row] for row in data], dtype=np.int64)
    codes = codes.reshape(len(data), -1)
    if level == "nominal":
        domain = [value for _, value in domain]
    return codes, domain


def krippendorff_alpha(data: Sequence[Sequence[Any]], level: str = "nominal") -> float:
    """Krippendorff's alpha of ``(coders, units)`` values with None/NaN for missing; NaN when undefined."""
    codes, domain = encode_values(data, level)
    if not domain:
        return float("nan")
    o = grouped_coincidences(codes, np.zeros(codes.shape[1], dtype=np.int64), 1, len(domain))[0]
    values = None if level in ("nominal", "ordinal") else np.asarray(domain, dtype=float)
    return float(alpha_from_coincidences(o, level, values))
