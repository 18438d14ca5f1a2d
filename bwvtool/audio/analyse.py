"""One pass over a media file's audio: decode once, feed the loudness meter, the voice detector and the waveform.

``bwvtool media analyse`` and the import's ``--analyse`` call :func:`analyse_clip`, which stores the result in the
workspace; nothing here is redone while the clip's media file keeps its SHA-256.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bwvtool.audio import loudness, pcm, voice
from bwvtool.audio.tracks import WAVE_STEP_MS, AudioTracks
from bwvtool.errors import MediaError

ANALYSER_VERSION = 1
# 8 s: a whole number of loudness steps, VAD windows and waveform bins at the usual rates.
BLOCK_S = 8
Progress = Callable[[float], None]  # seconds of audio done


class Cancelled(MediaError):
    """The analysis was asked to stop (another clip was opened, the desk closed)."""


def analyser_name() -> str:
    return f"bwvtool-audio {ANALYSER_VERSION}; ebur128 momentary (numpy); {voice.model_version()}"


def analyse_file(
    path: str | Path,
    *,
    progress: Progress | None = None,
    timeout_s: float | None = None,
    cancel: threading.Event | None = None,
) -> AudioTracks:
    """Loudness, voice activity and waveform of the first audio stream of ``path``.

    :param progress: called after each 8 s block with the seconds decoded so far.
    :param cancel: when set, the analysis stops at the next block (ffmpeg too) with :class:`Cancelled`.
    :param timeout_s: limit for the decode (default: 60 s plus 1 s per MB of file).
    :raises MediaError: missing or unreadable file, no audio track, timeout.
    """
    path = Path(path)
    if timeout_s is None:
        timeout_s = 60.0 + (path.stat().st_size / 1e6 if path.is_file() else 0)
    meter = detector = downsampler = None
    wave: list[np.ndarray] = []
    frames = rate = 0
    try:
        for fmt, block in pcm.blocks(path, block_s=BLOCK_S, timeout_s=timeout_s):
            if meter is None:
                rate = fmt.sample_rate
                bin_frames = max(rate * WAVE_STEP_MS // 1000, 1)
                meter = loudness.MomentaryMeter(fmt.sample_rate, fmt.channels)
                downsampler = voice.Downsampler(fmt.sample_rate)
                detector = voice.VoiceDetector()
            samples = block  # float32: scipy's single-precision filters are 3x faster, still within 0.01 LU
            mono = samples.mean(axis=1) if fmt.channels > 1 else samples[:, 0]
            assert downsampler is not None and detector is not None
            detector.feed(downsampler.feed(mono))
            meter.feed(samples)
            padded = np.concatenate([mono, np.zeros(-len(mono) % bin_frames, dtype=mono.dtype)])
            bins = padded.reshape(-1, bin_frames)
            wave.append(np.stack([bins.min(axis=1), bins.max(axis=1)], axis=1))
            frames += len(block)
            if progress is not None:
                progress(frames / fmt.sample_rate)
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"{path.name}: analysis cancelled")
    finally:
        probs = detector.finish() if detector is not None else None
    if meter is None or probs is None:
        raise MediaError(f"{path.name}: the audio track is empty")
    waveform = np.clip(np.round(np.concatenate(wave) * 127), -127, 127).astype(np.int8)
    return AudioTracks(
        duration_ms=round(frames * 1000 / rate),
        loudness=meter.values(),
        vad=probs,
        waveform=waveform,
        analyser=analyser_name(),
    )
