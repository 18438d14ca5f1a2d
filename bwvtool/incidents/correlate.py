"""Finding one clip's sound in another's: band-limited, whitened cross-correlation, then drift from many windows.

Two cameras at one incident hear the same voices at different levels, under different noise, each with its
wearer's own voice on top. Cross-correlating them over the speech band (300–3000 Hz) with the spectrum whitened
(GCC-PHAT with a softened weight, so loud low passages do not drown the rest and the peak is a few samples wide)
gives a sharp peak at the lag where their sound lines up. The peak-to-sidelobe ratio (PSR: how many standard
deviations the peak stands above the rest of the correlation) says how sure that is: noise alone reaches about
5 over a minute of lags, a real match 15 to several hundred.

:func:`match_pair` first finds the lag coarsely (a few long windows searched widely around the catalogue's
guess), then measures it in short windows across the whole overlap and fits a line through them: its value is
the offset and its slope the clocks' drift. Windows with no sound (a pre-event buffer) or no clear peak are left
out; windows that disagree with the line are dropped before the final fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

BAND_HZ = (300.0, 3000.0)
PHAT_POWER = 0.8  # 1 is full PHAT (all bins equal); a little less keeps weight on where the speech is
SILENT_RMS = 3e-4  # about −70 dBFS: quieter than any microphone's own noise, i.e. no sound was recorded
COARSE_WINDOW_S = 15.0
COARSE_WINDOWS = 3
COARSE_MIN_PSR = 12.0
FINE_WINDOW_S = 4.0
FINE_MAX_WINDOWS = 24
FINE_MIN_PSR = 8.0
MIN_AGREEING = 0.3  # share of the fine windows that must agree on one line
MIN_COMMON_S = 3.0  # less sound in common than this is not a match
DRIFT_MIN_SPAN_S = 20.0  # windows must span this much before a slope means anything
_EXCLUDE_S = 0.01  # the peak's own neighbourhood, left out of the sidelobe statistics
_OUTLIER_MS = 2.0


@dataclass(frozen=True)
class Peak:
    """``lag_s``: time in the first signal = time in the second + lag, measured by a window whose middle is
    ``at_s`` into the second."""

    at_s: float
    lag_s: float
    psr: float


@dataclass(frozen=True)
class PairMatch:
    """How the second clip's media time maps onto the first's: ``t1 = lag_s + (1 + slope) · t2``."""

    lag_s: float
    slope: float
    psr: float  # median PSR of the windows used
    windows: int  # windows in the final fit
    tried: int  # windows measured
    residual_ms: float  # RMS distance of the used windows from the line


@dataclass(frozen=True)
class NoMatch:
    """Why no match was found (``reason`` reads as a sentence ending, e.g. "no sound in common")."""

    reason: str


def rms_blocks(signal: np.ndarray, rate: int, block_s: float = 0.5) -> np.ndarray:
    """RMS of consecutive ``block_s`` blocks (the last partial block dropped)."""
    size = max(int(block_s * rate), 1)
    whole = len(signal) // size * size
    if whole == 0:
        return np.zeros(0, dtype=np.float32)
    blocks = signal[:whole].reshape(-1, size)
    return np.sqrt(np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64) / size)


def audible_spans(signal: np.ndarray, rate: int, block_s: float = 0.5) -> list[tuple[float, float]]:
    """Stretches (start_s, end_s) where something was recorded (above :data:`SILENT_RMS`)."""
    loud = rms_blocks(signal, rate, block_s) > SILENT_RMS
    spans, start = [], None
    for i, on in enumerate(np.append(loud, False)):
        if on and start is None:
            start = i
        elif not on and start is not None:
            spans.append((start * block_s, i * block_s))
            start = None
    return spans


def _intersect(spans: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    return [(max(a, lo), min(b, hi)) for a, b in spans if min(b, hi) > max(a, lo)]


def _shift(spans: list[tuple[float, float]], by: float) -> list[tuple[float, float]]:
    return [(a + by, b + by) for a, b in spans]


def _common(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for lo, hi in b:
        out += _intersect(a, lo, hi)
    return sorted(out)


def find(
    first: np.ndarray,
    second: np.ndarray,
    rate: int,
    *,
    at_s: float,
    window_s: float,
    lag_s: float,
    search_s: float,
) -> Peak | None:
    """Where ``second[at_s : at_s + window_s]`` appears in ``first``, within ``lag_s ± search_s``; None when either
    side is silent there or the window does not fit."""
    a, w = round(at_s * rate), round(window_s * rate)
    piece = second[a : a + w]
    lo = max(a + round((lag_s - search_s) * rate), 0)
    hi = min(a + round((lag_s + search_s) * rate) + len(piece), len(first))
    region = first[lo:hi]
    if len(piece) < w // 2 or len(region) <= len(piece):
        return None
    if _rms(piece) < SILENT_RMS or _rms(region) < SILENT_RMS:
        return None
    n = _fast_length(len(region) + len(piece))
    low, high = (round(f * n / rate) for f in (BAND_HZ[0], min(BAND_HZ[1], 0.45 * rate)))
    # Only the band's bins are worked on (in single precision): the rest stay zero.
    cross = np.fft.rfft(region, n)[low:high] * np.conj(np.fft.rfft(piece, n)[low:high])
    cross /= np.maximum(np.abs(cross), 1e-20) ** PHAT_POWER
    full = np.zeros(n // 2 + 1, dtype=cross.dtype)
    full[low:high] = cross
    corr = np.fft.irfft(full, n)[: len(region) - len(piece) + 1]  # corr[j]: piece against region[j:]
    j = int(np.argmax(corr))
    exclude = max(int(_EXCLUDE_S * rate), 1)
    side = np.concatenate([corr[: max(j - exclude, 0)], corr[j + exclude + 1 :]])
    if len(side) < 10:
        return None
    spread = float(side.std())
    psr = float((corr[j] - side.mean()) / spread) if spread > 0 else 0.0
    delta = 0.0
    if 0 < j < len(corr) - 1:  # the peak between samples: a parabola through it and its neighbours
        left, mid, right = corr[j - 1], corr[j], corr[j + 1]
        curve = left - 2 * mid + right
        delta = float(0.5 * (left - right) / curve) if curve < 0 else 0.0
    return Peak(at_s + len(piece) / rate / 2, (lo + j + delta - a) / rate, psr)


def _fast_length(at_least: int) -> int:
    """The smallest 2·3·5-smooth even length ≥ ``at_least``: FFTs of those lengths are fast."""
    best = 1 << (at_least - 1).bit_length()
    threes = 1
    while threes < best:
        fives = threes
        while fives < best:
            n = fives
            while n < at_least:
                n *= 2
            if n % 2 == 0:
                best = min(best, n)
            fives *= 5
        threes *= 3
    return best


def _quarter_rate(signal: np.ndarray) -> np.ndarray:
    """Means of four samples: a crude low-pass, good enough below a quarter of the new rate."""
    whole = len(signal) // 4 * 4
    return signal[:whole].reshape(-1, 4).mean(axis=1, dtype=np.float32)


def _rms(signal: np.ndarray) -> float:
    return float(np.sqrt(np.mean(signal.astype(np.float64) ** 2))) if len(signal) else 0.0


def _spread_windows(spans: list[tuple[float, float]], window_s: float, count: int) -> list[float]:
    """Up to ``count`` window starts spread evenly over ``spans`` (each window wholly inside one span)."""
    usable = [(a, b - window_s) for a, b in spans if b - a >= window_s]
    total = sum(b - a for a, b in usable)
    if not usable:
        return []
    starts = []
    for k in range(count):
        target = total * (k + 0.5) / count
        for a, b in usable:
            if target <= b - a:
                starts.append(a + target)
                break
            target -= b - a
    return sorted(set(round(s, 3) for s in starts))


def fit_line(peaks: list[Peak]) -> tuple[float, float, list[Peak]]:
    """(lag at t=0, slope, peaks kept): a line through the peaks' lags, refitted without the ones far off it.
    A slope needs peaks spanning :data:`DRIFT_MIN_SPAN_S`; otherwise it is 0 and the lag their median."""
    kept = list(peaks)
    for _ in range(3):
        t = np.array([p.at_s for p in kept])
        lags = np.array([p.lag_s for p in kept])
        if len(kept) >= 3 and t.max() - t.min() >= DRIFT_MIN_SPAN_S:
            slope, lag0 = np.polyfit(t, lags, 1, w=np.sqrt([p.psr for p in kept]))
        else:
            slope, lag0 = 0.0, float(np.median(lags))
        errors = np.abs(lags - (lag0 + slope * t)) * 1000
        limit = max(_OUTLIER_MS, 4 * float(np.median(errors)))
        still = [p for p, e in zip(kept, errors, strict=True) if e <= limit]
        if len(still) == len(kept) or len(still) < 2:
            break
        kept = still
    return float(lag0), float(slope), kept


class Track:
    """One clip's sound with what every match of it needs, worked out once: where it is audible, and the
    quarter-rate copy the wide search runs on."""

    def __init__(self, samples: np.ndarray, rate: int) -> None:
        self.samples, self.rate = samples, rate

    @cached_property
    def heard(self) -> list[tuple[float, float]]:
        return audible_spans(self.samples, self.rate)

    @cached_property
    def quarter(self) -> np.ndarray:
        return _quarter_rate(self.samples)

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def match_pair(
    first: np.ndarray | Track,
    second: np.ndarray | Track,
    rate: int,
    *,
    expected_lag_s: float,
    search_s: float = 30.0,
) -> PairMatch | NoMatch:
    """Where ``second``'s sound lies in ``first``'s: see the module docstring.

    :param expected_lag_s: the catalogue's guess of ``t1 − t2`` (first's media time when second starts).
    :param search_s: how far the catalogue's guess may be wrong.
    """
    one = first if isinstance(first, Track) else Track(first, rate)
    two = second if isinstance(second, Track) else Track(second, rate)
    first, second = one.samples, two.samples
    if len(first) == 0 or len(second) == 0:
        return NoMatch("no audio track")
    len1, len2 = one.seconds, two.seconds
    heard1, heard2 = one.heard, two.heard
    if not heard1 or not heard2:
        return NoMatch("no sound recorded")
    # On second's clock: where the clips may overlap, allowing for the catalogue's error.
    lo, hi = max(0.0, -expected_lag_s - search_s), min(len2, len1 - expected_lag_s + search_s)
    if hi - lo < MIN_COMMON_S:
        return NoMatch("no overlap with another clip")
    reach = _intersect(heard2, lo, hi)
    candidates = _common(_shift(heard1, -expected_lag_s), reach) or reach
    if not candidates or max(b - a for a, b in candidates) < MIN_COMMON_S:
        return NoMatch("no sound in common")
    coarse_len = min(COARSE_WINDOW_S, max(b - a for a, b in candidates))
    # The wide search runs on the sound at a quarter of the rate (16× less work); the fine windows then
    # measure the lag at the full rate.
    first4, second4 = one.quarter, two.quarter
    coarse = [
        find(first4, second4, rate // 4, at_s=s, window_s=coarse_len, lag_s=expected_lag_s, search_s=search_s)
        for s in _spread_windows(candidates, coarse_len, COARSE_WINDOWS)
    ]
    best = max((p for p in coarse if p is not None), key=lambda p: p.psr, default=None)
    if best is None or best.psr < COARSE_MIN_PSR:
        return NoMatch("no clear match in the common sound")
    lag = best.lag_s
    common = _common(_shift(heard1, -lag), _intersect(heard2, max(0.0, -lag), min(len2, len1 - lag)))
    span = sum(b - a for a, b in common)
    fine_search = 0.1 + 500e-6 * span  # room for drift up to 500 ppm across the overlap
    count = min(FINE_MAX_WINDOWS, max(int(span // FINE_WINDOW_S), 1))
    measured = [
        find(first, second, rate, at_s=s, window_s=FINE_WINDOW_S, lag_s=lag, search_s=fine_search)
        for s in _spread_windows(common, FINE_WINDOW_S, count)
    ]
    good = [p for p in measured if p is not None and p.psr >= FINE_MIN_PSR]
    if not good:
        return NoMatch("no clear match in the common sound")
    lag0, slope, kept = fit_line(good)
    # Real common sound lines up in most windows; a chance peak in the wide search does not.
    if len(kept) < min(len(measured), max(3, round(MIN_AGREEING * len(measured)))):
        return NoMatch("no clear match in the common sound")
    residual = np.array([p.lag_s - (lag0 + slope * p.at_s) for p in kept])
    return PairMatch(
        lag_s=lag0,
        slope=slope,
        psr=float(np.median([p.psr for p in kept])),
        windows=len(kept),
        tried=len(measured),
        residual_ms=float(np.sqrt(np.mean(residual**2)) * 1000),
    )
