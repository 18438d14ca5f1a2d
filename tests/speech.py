"""Speech the tests make themselves: espeak-ng reads known lines, placed at known times, written as WAV/M4A."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

RATE = 48_000


def say(text: str, *, voice: str = "en-gb", speed: int = 160, pitch: int = 50) -> np.ndarray:
    """espeak-ng reading ``text``, as float32 mono at 48 kHz, leading and trailing silence trimmed."""
    raw = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
        capture_output=True,
        check=True,
    ).stdout
    with wave.open(_BytesReader(raw)) as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    from scipy.signal import resample_poly

    out = resample_poly(samples, RATE // 50, rate // 50).astype(np.float32)
    loud = np.flatnonzero(np.abs(out) > 0.01)
    return out[loud[0] : loud[-1] + 1] if len(loud) else out


class _BytesReader:
    """wave.open wants a seekable file; espeak-ng's --stdout header has a bogus length, so trust the bytes."""

    def __init__(self, data: bytes) -> None:
        import io

        # Patch the RIFF and data sizes so the wave module reads every frame espeak wrote.
        data = bytearray(data)
        data[4:8] = (len(data) - 8).to_bytes(4, "little")
        index = data.find(b"data")
        data[index + 4 : index + 8] = (len(data) - index - 8).to_bytes(4, "little")
        self._io = io.BytesIO(bytes(data))

    def __getattr__(self, name):
        return getattr(self._io, name)


def place(lines: list[tuple[float, np.ndarray, float]], seconds: float) -> np.ndarray:
    """Mix (start_s, samples, gain) pieces into a silent track of ``seconds``."""
    track = np.zeros(int(seconds * RATE), dtype=np.float32)
    for start, samples, gain in lines:
        i = int(start * RATE)
        piece = samples[: len(track) - i] * gain
        track[i : i + len(piece)] += piece
    return track


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path
