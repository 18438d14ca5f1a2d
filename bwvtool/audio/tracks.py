"""A clip's audio tracks as arrays, and what the desk and the CLI derive from them: speech regions and onsets,
the clip's own speech level, and raised-voice candidates (loudness well above that level)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bwvtool.audio import loudness, voice

DEFAULT_RAISED_LU = 8.0  # LU above the clip's speech level; a setting (CLI --raised-lu, the desk's lane menu)
WAVE_STEP_MS = 10
_MERGE_MS = 1_000  # raised passages closer than this are one candidate


@dataclass(frozen=True)
class Candidate:
    """A raised-voice candidate: where loudness stays at least the threshold above the clip's speech level."""

    start_ms: int
    end_ms: int
    peak_lufs: float
    above_lu: float  # peak minus the speech level

    def as_dict(self) -> dict:
        return {"start_ms": self.start_ms, "end_ms": self.end_ms, "peak_lufs": round(self.peak_lufs, 1),
                "above_lu": round(self.above_lu, 1)}  # fmt: skip


@dataclass
class AudioTracks:
    """Momentary loudness (float32 LUFS per 100 ms), speech probability (uint8 per 32 ms), waveform (int8 min/max
    pairs per 10 ms bin). See :mod:`bwvtool.audio.loudness` for how loudness steps are aligned."""

    duration_ms: int
    loudness: np.ndarray
    vad: np.ndarray
    waveform: np.ndarray  # shape (bins, 2)
    analyser: str = ""
    media_sha256: str | None = None
    loudness_step_ms: int = loudness.STEP_MS
    vad_step_ms: int = voice.STEP_MS
    wave_step_ms: int = WAVE_STEP_MS
    _regions: list[voice.Region] | None = field(default=None, repr=False)

    @property
    def regions(self) -> list[voice.Region]:
        if self._regions is None:
            self._regions = voice.speech_regions(self.vad)
        return self._regions

    def onsets_ms(self) -> list[int]:
        return [r.start_ms for r in self.regions]

    def speech_mask(self) -> np.ndarray:
        """True for each loudness step whose 400 ms window lies mostly inside speech."""
        centres = (np.arange(len(self.loudness)) + 1) * self.loudness_step_ms - 200
        mask = np.zeros(len(self.loudness), dtype=bool)
        for region in self.regions:
            mask |= (centres >= region.start_ms) & (centres < region.end_ms)
        return mask

    @property
    def speech_level_lufs(self) -> float | None:
        """Median momentary loudness while someone speaks: the clip's own talking level."""
        voiced = self.loudness[self.speech_mask()]
        voiced = voiced[voiced > loudness.SILENCE_LUFS]
        return float(np.median(voiced)) if len(voiced) else None

    def raised(self, threshold_lu: float = DEFAULT_RAISED_LU) -> list[Candidate]:
        """Passages at least ``threshold_lu`` above the speech level, merged when under a second apart."""
        level = self.speech_level_lufs
        if level is None:
            return []
        loud = self.loudness >= level + threshold_lu
        step = self.loudness_step_ms
        spans: list[list[int]] = []
        for k in np.flatnonzero(loud):
            start, end = (int(k) + 1) * step - 400, (int(k) + 1) * step  # the window this value covers
            if spans and start - spans[-1][1] < _MERGE_MS:
                spans[-1][1] = end
            else:
                spans.append([max(start, 0), end])
        found = []
        for start, end in spans:
            peak = float(self.loudness[start // step : end // step].max())
            found.append(Candidate(start, end, peak, peak - level))
        return found

    def summary(self, threshold_lu: float = DEFAULT_RAISED_LU) -> dict:
        level = self.speech_level_lufs
        return {
            "duration_ms": self.duration_ms,
            "analyser": self.analyser,
            "speech_regions": len(self.regions),
            "speech_ms": sum(r.end_ms - r.start_ms for r in self.regions),
            "speech_level_lufs": None if level is None else round(level, 1),
            "raised_threshold_lu": threshold_lu,
            "raised": [c.as_dict() for c in self.raised(threshold_lu)],
            "onsets_ms": self.onsets_ms(),
        }


def next_after(times_ms: list[int], now_ms: int) -> int | None:
    """The first time strictly after ``now_ms`` (a jump key), or None."""
    import bisect

    i = bisect.bisect_right(times_ms, now_ms)
    return times_ms[i] if i < len(times_ms) else None


def previous_before(times_ms: list[int], now_ms: int) -> int | None:
    """The last time strictly before ``now_ms``, or None."""
    import bisect

    i = bisect.bisect_left(times_ms, now_ms)
    return times_ms[i - 1] if i > 0 else None


def columns(
    values: np.ndarray, step_ms: int, start_ms: float, ms_per_px: float, width: int, how: str
) -> np.ndarray:
    """Reduce a per-step track to one value per pixel column of a view (``how``: min, max or mean); NaN where
    a column lies outside the track. A column narrower than a step shows that step's value."""
    edges = start_ms + np.arange(width + 1) * ms_per_px
    lo = np.clip(np.floor(edges[:-1] / step_ms).astype(np.int64), 0, len(values))
    hi = np.clip(np.maximum(np.floor(edges[1:] / step_ms).astype(np.int64), lo + 1), 0, len(values))
    out = np.full(width, np.nan)
    inside = (lo < hi) & (edges[1:] > 0)  # columns left of the track's start stay empty
    if not inside.any():
        return out
    starts = lo[inside]  # non-decreasing, so reduceat's runs are [start_i, start_i+1), the last up to the end
    data = values[: hi[inside][-1]].astype(np.float64)
    if how == "mean":
        lengths = np.diff(np.append(starts, len(data)))
        out[inside] = np.add.reduceat(data, starts) / np.maximum(lengths, 1)
    else:
        out[inside] = (np.minimum if how == "min" else np.maximum).reduceat(data, starts)
    return out
