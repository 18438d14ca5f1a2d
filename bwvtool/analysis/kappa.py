"""Kappa coefficients computed from count tables, vectorised over any leading axes.

Every function takes counts (a confusion matrix, or Fleiss' per-category sums) whose last axes are the
table, so the same code computes a point estimate (no leading axis) and a whole bootstrap distribution
(a leading replicate axis). Undefined values are NaN; callers turn them into ``None`` with a reason.

Definitions (``n`` = total count, ``r_i``/``c_i`` = row/column totals of a confusion matrix ``x``):

* raw agreement ``p_o = sum_i x_ii / n``;
* Cohen's (1960) kappa ``(p_o - p_e) / (1 - p_e)`` with ``p_e = sum_i r_i c_i / n^2``. It is undefined when
  ``p_e = 1``: both coders used one and the same label for every unit (no variance). This is exactly when
  ``sklearn.metrics.cohen_kappa_score`` returns NaN. Two coders who each used one *different* label get 0;
* kappa_max ``(p_max - p_e) / (1 - p_e)`` with ``p_max = sum_i min(r_i, c_i) / n``: the largest kappa the
  marginal totals allow (Cohen 1960; reported by EasyDIAg and ELAN);
* Fleiss' (1971) kappa for ``N`` units each rated by ``m`` raters, ``n_ij`` raters putting unit ``i`` in
  category ``j``: ``P_i = (sum_j n_ij^2 - m) / (m (m - 1))``, ``P = mean_i P_i``, ``p_j = sum_i n_ij / (N m)``,
  ``P_e = sum_j p_j^2``, kappa ``(P - P_e) / (1 - P_e)``. Per code, Fleiss' kappa of the table collapsed to
  "code" versus "not code" (Fleiss' per-category kappa ``1 - sum_i n_ij (m - n_ij) / (N m (m - 1) p_j q_j)``
  is algebraically the same number).
"""

from __future__ import annotations

import numpy as np


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with NaN where den is 0 (no warnings)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def raw_agreement(confusion: np.ndarray) -> np.ndarray:
    """Share of units on the diagonal: ``sum_i x_ii / n`` (NaN for an empty table)."""
    x = np.asarray(confusion, dtype=float)
    return safe_ratio(np.trace(x, axis1=-2, axis2=-1), x.sum(axis=(-2, -1)))


def cohen_kappa(confusion: np.ndarray) -> np.ndarray:
    """Cohen's kappa of confusion matrices ``(..., L, L)`` (rows: first coder, columns: second)."""
    x = np.asarray(confusion, dtype=float)
    n = x.sum(axis=(-2, -1))
    chance = (x.sum(axis=-1) * x.sum(axis=-2)).sum(axis=-1)
    # Multiplied through by n^2, the terms stay whole numbers for count tables, so "p_e = 1" is exact.
    return safe_ratio(n * np.trace(x, axis1=-2, axis2=-1) - chance, n * n - chance)


def kappa_max(confusion: np.ndarray, chance_agreement: np.ndarray | None = None) -> np.ndarray:
    """The largest kappa the margins allow; ``chance_agreement`` overrides ``p_e`` (used with IPF)."""
    x = np.asarray(confusion, dtype=float)
    n = x.sum(axis=(-2, -1))
    rows, cols = x.sum(axis=-1), x.sum(axis=-2)
    p_max = safe_ratio(np.minimum(rows, cols).sum(axis=-1), n)
    p_e = safe_ratio((rows * cols).sum(axis=-1), n * n) if chance_agreement is None else chance_agreement
    return safe_ratio(p_max - p_e, 1.0 - p_e)


def binary_tables(confusion: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """Collapse ``(..., L, L)`` confusion matrices to one 2x2 table per code: ``(..., C, 2, 2)``.

    ``membership[l, c]`` says whether label ``l`` counts as code ``c`` (a compound label such as
    ``"a+b"`` counts for both). Cell ``[0, 0]`` = both coders present, ``[1, 1]`` = both absent.
    """
    x = np.asarray(confusion, dtype=float)
    m = np.asarray(membership, dtype=float)
    both = np.einsum("...lk,lc,kc->...c", x, m, m)
    first = np.einsum("...l,lc->...c", x.sum(axis=-1), m)
    second = np.einsum("...k,kc->...c", x.sum(axis=-2), m)
    n = x.sum(axis=(-2, -1))[..., None]
    table = np.stack([both, first - both, second - both, n - first - second + both], axis=-1)
    return table.reshape(*table.shape[:-1], 2, 2)


def fleiss_kappa(category_sums: np.ndarray, raters: int) -> np.ndarray:
    """Fleiss' kappa from ``(..., 2, L)`` sums: row 0 ``sum_i n_ij^2``, row 1 ``sum_i n_ij``, per category j.

    Every unit must have been rated by exactly ``raters`` raters.
    """
    s = np.asarray(category_sums, dtype=float)
    squares, totals = s[..., 0, :].sum(axis=-1), s[..., 1, :]
    ratings = totals.sum(axis=-1)  # N * m
    chance = (totals * totals).sum(axis=-1)
    # P = (sum n_ij^2 - N m) / (N m (m - 1)); kappa = (P A^2 - sum T^2) / (A^2 - sum T^2) with A = N m.
    observed = safe_ratio(squares - ratings, ratings * (raters - 1))
    return safe_ratio(observed * ratings * ratings - chance, ratings * ratings - chance)
