"""Lag-1 sequential analysis: which code follows which, beyond what their frequencies predict.

Definitions (Bakeman & Quera 2011, *Sequential Analysis and Observational Methods*; Allison & Liker 1982):

* A **sequence** is one coder's events on one clip (per actor when ``by_actor``), ordered by onset (ties by
  offset, track, code, actor). Each consecutive pair is one transition *given -> target*; sequences never
  run across clips, coders or (with ``by_actor``) actors. Repeats (a code following itself) count.
* An event's label is its code, or ``actor:code`` with ``label_actor=True`` (to see, across actors, which
  officer moves precede which subject behaviour).
* ``x_ij`` = transitions from i to j, ``R_i`` row totals, ``C_j`` column totals, ``N`` all transitions.
* **Expected** ``e_ij = R_i C_j / N``.
* **Adjusted residual** ``z_ij = (x_ij - e_ij) / sqrt(e_ij (1 - R_i / N) (1 - C_j / N))``, approximately
  standard normal under independence (|z| > 1.96 at the 5% level).
* **Yule's Q** of the 2x2 table of "given i or not" by "target j or not", with ``a = x_ij``,
  ``b = R_i - x_ij``, ``c = C_j - x_ij``, ``d = N - R_i - C_j + x_ij``: ``Q = (ad - bc) / (ad + bc)``.

Undefined values (a zero denominator) are NaN in the arrays and None in :meth:`Transitions.rows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bwvtool.analysis.bootstrap import as_number
from bwvtool.analysis.events import CodedEvent
from bwvtool.analysis.kappa import safe_ratio


@dataclass(frozen=True)
class Transitions:
    """Lag-1 transition counts (rows: given, columns: target) and the statistics derived from them."""

    labels: tuple[str, ...]
    counts: np.ndarray
    # How a reader should see each label ("officer_1:command" -> "Officer 1 · Command"); ids where none is known.
    names: dict[str, str] = field(default_factory=dict, compare=False)

    def name(self, label: str) -> str:
        return self.names.get(label, label)

    def common(self, min_count: int) -> list[int]:
        """Indices of the codes in at least one transition seen ``min_count`` times or more (as given or next).

        Statistics stay those of the whole table: only what is shown is filtered.
        """
        seen = self.counts >= max(min_count, 1)
        return [k for k in range(len(self.labels)) if seen[k, :].any() or seen[:, k].any()]

    @property
    def total(self) -> float:
        return float(self.counts.sum())

    def _margins(self) -> tuple[np.ndarray, np.ndarray, float]:
        x = self.counts.astype(float)
        return x.sum(axis=1)[:, None], x.sum(axis=0)[None, :], float(x.sum())

    @property
    def expected(self) -> np.ndarray:
        rows, cols, n = self._margins()
        return safe_ratio(rows * cols, np.full_like(rows * cols, n))

    @property
    def adjusted_residuals(self) -> np.ndarray:
        rows, cols, n = self._margins()
        e = self.expected
        variance = e * (1.0 - safe_ratio(rows, n)) * (1.0 - safe_ratio(cols, n))
        return safe_ratio(self.counts - e, np.sqrt(np.where(variance > 0, variance, 0.0)))

    @property
    def yules_q(self) -> np.ndarray:
        rows, cols, n = self._margins()
        a = self.counts.astype(float)
        b, c = rows - a, cols - a
        d = n - rows - cols + a
        return safe_ratio(a * d - b * c, a * d + b * c)

    def rows(self) -> list[dict[str, Any]]:
        """One row per (given, target): count, expected, adjusted residual, Yule's Q (CSV/JSON ready)."""
        e, z, q = self.expected, self.adjusted_residuals, self.yules_q
        return [
            {
                "given": given,
                "target": target,
                "count": int(self.counts[i, j]),
                "expected": as_number(e[i, j]),
                "adjusted_residual": as_number(z[i, j]),
                "yules_q": as_number(q[i, j]),
            }
            for i, given in enumerate(self.labels)
            for j, target in enumerate(self.labels)
        ]


def transitions(
    events: Iterable[CodedEvent],
    *,
    by_actor: bool = False,
    label_actor: bool = False,
    tracks: Iterable[str] | None = None,
) -> Transitions:
    """Count lag-1 transitions (see the module's definitions); ``tracks`` limits which tracks take part."""
    wanted = None if tracks is None else set(tracks)
    sequences: dict[tuple[str, ...], list[CodedEvent]] = defaultdict(list)
    for event in events:
        if wanted is None or event.track in wanted:
            key = (event.clip_id, event.coder, event.actor) if by_actor else (event.clip_id, event.coder)
            sequences[key].append(event)

    def label(event: CodedEvent) -> str:
        return f"{event.actor}:{event.code}" if label_actor else event.code

    pairs: list[tuple[str, str]] = []
    for sequence in sequences.values():
        sequence.sort(key=lambda e: (e.onset_ms, e.end_ms, e.track, e.code, e.actor))
        names = [label(e) for e in sequence]
        pairs.extend(zip(names, names[1:], strict=False))
    labels = tuple(sorted({name for seq in sequences.values() for name in map(label, seq)}))
    index = {name: i for i, name in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for given, target in pairs:
        counts[index[given], index[target]] += 1
    return Transitions(labels, counts)
