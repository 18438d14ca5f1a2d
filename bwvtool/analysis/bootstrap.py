"""Bootstrap intervals over clips and the reliable / tentative / unreliable flags.

Every statistic in the report is a function of count tables that *add up over clips* (confusion matrices,
coincidence matrices, match counts). A bootstrap replicate draws as many clips as there are, with
replacement (seeded ``numpy.random.default_rng(seed)``), and adds their tables; the statistic of each
replicate is computed in one vectorised call. The interval is the percentile interval (2.5th and 97.5th
percentiles of the replicates, numpy's linear interpolation). Replicates in which the statistic is
undefined (e.g. a resample with no variance) are left out and counted in the figure's note.

Clip counts: fewer than :data:`MIN_CLIPS_FOR_INTERVAL` (2) clips gives no interval; fewer than
:data:`MIN_CLIPS_FOR_STABLE_INTERVAL` (10) gives an interval with a warning that it is unstable.

Flags follow Krippendorff (2004): ``reliable`` at 0.80 or above, ``tentative`` from 0.667 up to 0.80,
``unreliable`` below 0.667; the flag is for the point estimate (read the interval too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

RELIABLE = 0.80
TENTATIVE = 0.667
MIN_CLIPS_FOR_INTERVAL = 2
MIN_CLIPS_FOR_STABLE_INTERVAL = 10

Statistic = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class Bootstrap:
    """How intervals are drawn: replicates, seed and coverage."""

    n_boot: int = 1000
    seed: int = 0
    level: float = 0.95

    def weights(self, n_clips: int) -> np.ndarray:
        """``(n_boot, n_clips)``: how often each clip is drawn in each replicate."""
        rng = np.random.default_rng(self.seed)
        draws = rng.integers(0, n_clips, size=(self.n_boot, n_clips))
        draws += np.arange(self.n_boot)[:, None] * n_clips
        return np.bincount(draws.ravel(), minlength=self.n_boot * n_clips).reshape(self.n_boot, n_clips)


def flag(value: float | None) -> str | None:
    """``reliable`` (>= 0.80), ``tentative`` (>= 0.667) or ``unreliable``; None for an undefined value."""
    if value is None:
        return None
    if value >= RELIABLE:
        return "reliable"
    return "tentative" if value >= TENTATIVE else "unreliable"


def as_number(value: Any) -> float | None:
    """A finite float, or None for NaN/inf (JSON has no NaN)."""
    value = float(value)
    return value if np.isfinite(value) else None


def figure(
    per_clip: np.ndarray,
    statistic: Statistic,
    bootstrap: Bootstrap,
    *,
    undefined: str | Callable[[np.ndarray], str],
    flagged: bool = True,
) -> dict[str, Any]:
    """A statistic with its bootstrap interval, flag, clip count and a note.

    ``per_clip`` is ``(clips, ...)`` count tables; ``statistic`` maps summed tables ``(..., ...)`` to values
    ``(...)``. ``undefined`` explains a NaN point estimate (a string, or a function of the summed tables).
    """
    per_clip = np.asarray(per_clip, dtype=float)
    n_clips = per_clip.shape[0]
    total = per_clip.sum(axis=0)
    value = as_number(statistic(total)) if n_clips else None
    notes: list[str] = []
    if value is None:
        notes.append(undefined(total) if callable(undefined) else undefined)
    low = high = None
    if n_clips < MIN_CLIPS_FOR_INTERVAL:
        notes.append(f"no interval: {n_clips} clip(s); a bootstrap needs at least {MIN_CLIPS_FOR_INTERVAL}")
    elif value is not None:
        sums = bootstrap.weights(n_clips).astype(float) @ per_clip.reshape(n_clips, -1)
        replicates = statistic(sums.reshape(bootstrap.n_boot, *per_clip.shape[1:]))
        finite = replicates[np.isfinite(replicates)]
        if finite.size:
            tail = (1.0 - bootstrap.level) / 2.0 * 100.0
            low, high = (float(q) for q in np.percentile(finite, [tail, 100.0 - tail]))
        if finite.size < bootstrap.n_boot:
            notes.append(
                f"{bootstrap.n_boot - finite.size} of {bootstrap.n_boot} bootstrap replicates undefined, left out"
            )
        if n_clips < MIN_CLIPS_FOR_STABLE_INTERVAL:
            notes.append(
                f"only {n_clips} clips: the interval is unstable (aim for {MIN_CLIPS_FOR_STABLE_INTERVAL} or more)"
            )
    return {
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "flag": flag(value) if flagged else None,
        "n_clips": n_clips,
        "note": "; ".join(notes) or None,
    }
