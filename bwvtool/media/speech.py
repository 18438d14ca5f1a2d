"""Speech-like audio whose loudness changes over time, for synthetic body-worn video clips.

Not speech, but shaped like it where tools care: a voiced source (a harmonic wavetable whose pitch drifts like
intonation, with vowel-like spectral shapes) switched on and off in syllables at about 4–5 per second, grouped
into phrases with pauses, plus short noise bursts for consonants and a faint noise floor. The level follows a
**loudness plan**: passages of normal talk, quiet talk, shouting and silence (see :func:`loudness_plan`), so
waveform displays, loudness meters and "find the loud part" features have something real to show.

Deterministic for a given seed; rendered in chunks so hour-long tracks need little memory.
"""

from __future__ import annotations

import random
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 48_000
# Peak level of each passage kind in dBFS (None: no voice, only the noise floor).
LEVELS_DB: dict[str, float | None] = {"normal": -12.0, "quiet": -28.0, "loud": -2.0, "pause": None}
# The order passages follow, repeated: every 20-second stretch has talk at all three levels.
_CYCLE = ("normal", "quiet", "loud", "pause", "normal", "loud", "quiet", "pause")
_NOISE_FLOOR_DB = -54.0
_CHUNK_S = 30.0
_VOWEL_FORMANTS = ((730, 1090), (270, 2290), (530, 1840), (570, 840), (300, 870), (660, 1720))  # a i e o u æ


@dataclass(frozen=True)
class Passage:
    """A stretch of the track at one loudness."""

    start_s: float
    end_s: float
    kind: str  # normal, quiet, loud or pause
    peak_db: float | None  # None for a pause


@dataclass(frozen=True)
class _Syllable:
    start: float
    length: float
    gain: float  # linear peak amplitude
    vowel: int


def loudness_plan(seconds: float, seed: int = 0) -> list[Passage]:
    """Passages of 2.5–5 s cycling normal, quiet, loud, pause, normal, loud, quiet, pause (pauses 1–2 s)."""
    rng = random.Random(seed)
    passages, t, step = [], 0.0, 0
    while t < seconds:
        kind = _CYCLE[step % len(_CYCLE)]
        length = rng.uniform(1.0, 2.0) if kind == "pause" else rng.uniform(2.5, 5.0)
        end = min(t + length, seconds)
        passages.append(Passage(round(t, 3), round(end, 3), kind, LEVELS_DB[kind]))
        t, step = end, step + 1
    return passages


def _syllables(plan: list[Passage], rng: random.Random) -> list[_Syllable]:
    """Syllables of 120–260 ms at about 4.5 per second, in phrases of 3–9 with 150–400 ms between phrases."""
    out: list[_Syllable] = []
    for passage in plan:
        if passage.peak_db is None:
            continue
        peak = 10 ** (passage.peak_db / 20)
        t = passage.start_s + rng.uniform(0.05, 0.2)
        left_in_phrase = rng.randint(3, 9)
        while True:
            length = rng.uniform(0.12, 0.26)
            if t + length > passage.end_s:
                break
            out.append(
                _Syllable(t, length, peak * rng.uniform(0.55, 1.0), rng.randrange(len(_VOWEL_FORMANTS)))
            )
            t += length + rng.uniform(0.02, 0.08)
            left_in_phrase -= 1
            if left_in_phrase == 0:
                t += rng.uniform(0.15, 0.4)
                left_in_phrase = rng.randint(3, 9)
    return out


def _wavetables(size: int = 2048, f0: float = 140.0) -> np.ndarray:
    """One period per vowel: harmonics weighted by two formant resonances, normalised to peak 1."""
    import numpy as np

    phase = np.arange(size) * 2 * np.pi / size
    tables = np.zeros((len(_VOWEL_FORMANTS), size), dtype=np.float32)
    for v, (f1, f2) in enumerate(_VOWEL_FORMANTS):
        for k in range(1, int(4000 / f0)):
            f = k * f0
            weight = sum(1 / (1 + ((f - fc) / (0.12 * fc)) ** 2) for fc in (f1, f2)) + 0.15 / k
            tables[v] += weight * np.sin(k * phase + 0.3 * k)
        tables[v] /= np.abs(tables[v]).max()
    return tables


def render(seconds: float, seed: int = 0, sample_rate: int = SAMPLE_RATE, chunk_s: float = _CHUNK_S):
    """Yield the track as float32 chunks in ``[-1, 1]`` (mono), ``chunk_s`` seconds each."""
    import numpy as np

    rng = random.Random(seed)
    plan = loudness_plan(seconds, seed)
    syllables = _syllables(plan, rng)
    tables = _wavetables()
    noise = np.random.default_rng(seed)
    total = int(round(seconds * sample_rate))
    chunk = int(chunk_s * sample_rate)
    phase, first = 0.0, 0
    for begin in range(0, total, chunk):
        n = min(chunk, total - begin)
        t = (begin + np.arange(n)) / sample_rate
        # Intonation: pitch wanders 105–175 Hz over a few seconds, with a faster 5 Hz wobble.
        f0 = (
            140
            + 25 * np.sin(2 * np.pi * 0.23 * t)
            + 10 * np.sin(2 * np.pi * 0.71 * t + 1)
            + 3 * np.sin(31 * t)
        )
        cycles = phase + np.cumsum(f0) / sample_rate
        phase = float(cycles[-1] % 1.0)
        index = ((cycles % 1.0) * tables.shape[1]).astype(np.int64)
        envelope = np.zeros(n, dtype=np.float32)
        vowel = np.zeros(n, dtype=np.int64)
        burst = np.zeros(n, dtype=np.float32)
        end_t = (begin + n) / sample_rate
        while (
            first < len(syllables) and syllables[first].start + syllables[first].length < begin / sample_rate
        ):
            first += 1
        for syl in syllables[first:]:
            if syl.start >= end_t:
                break
            a = max(int(syl.start * sample_rate) - begin, 0)
            b = min(int((syl.start + syl.length) * sample_rate) - begin, n)
            if b <= a:
                continue
            local = (t[a:b] - syl.start) / syl.length  # 0..1 through the syllable
            shape = np.sin(np.pi * np.clip(local, 0, 1)) ** 1.5
            envelope[a:b] = np.maximum(envelope[a:b], syl.gain * shape)
            vowel[a:b] = syl.vowel
            onset = (local < 0.12).astype(np.float32)
            burst[a:b] = np.maximum(burst[a:b], 0.35 * syl.gain * onset)
        voiced = tables[vowel, index] * envelope
        hiss = noise.standard_normal(n).astype(np.float32)
        consonant = np.diff(hiss, prepend=0.0) * 0.5 * burst  # differenced noise: a bright "s"/"t"
        floor = hiss * 10 ** (_NOISE_FLOOR_DB / 20)
        yield np.tanh(voiced + consonant + floor).astype(np.float32)  # soft limit: shouting saturates


def write_wav(path: str | Path, seconds: float, seed: int = 0, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write the track as 16-bit mono PCM WAV and return its path."""
    import numpy as np

    path = Path(path)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        for block in render(seconds, seed, sample_rate):
            out.writeframes((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
    return path
