"""Offline speech recognition: real-time factor and word error rate on speech made here, beside bare faster-whisper.

The scene: espeak-ng reads a known stop-and-search script, the wearer loud (en-gb) and a second, quieter voice
(en-us, higher pitch) over street-like noise, repeated to ``--seconds``. Interleaved runs on the same 16 kHz PCM:

* bwvtool: :func:`bwvtool.transcripts.asr.transcribe` (model load, beam 5, word timestamps, speaker guess);
* baseline: faster-whisper alone with the same model and decoding settings, without word timestamps.

Printed: wall seconds of each, the real-time factor (seconds per second of audio), the word error rate against
the script, and how many words the speaker guess gave the right voice.

    python bench/bench_asr.py [--seconds 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from figures import Figure, emit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/speech.py makes the speech

WEARER = (
    "Good evening, I am Police Constable Smith from Brixton police station.",
    "I stopped you because you match the description of a man seen running from the shop.",
    "I am going to search you for stolen phones. It will not take long.",
)
OTHER = ("What is this about?", "I have not done anything wrong.", "Fine, go on then.")


def scene(seconds: float) -> tuple[np.ndarray, str, list[tuple[float, float, str]]]:
    from scipy.signal import resample_poly

    from tests.speech import RATE, place, say

    pieces, script, spans, t = [], [], [], 0.5
    turn = 0
    while t < seconds - 8:
        loud = turn % 2 == 0
        text = WEARER[(turn // 2) % len(WEARER)] if loud else OTHER[(turn // 2) % len(OTHER)]
        samples = (
            say(text, voice="en-gb", pitch=45) if loud else say(text, voice="en-us", pitch=75, speed=170)
        )
        pieces.append((t, samples, 0.45 if loud else 0.09))
        script.append(text)
        spans.append((t, t + len(samples) / RATE, "wearer" if loud else "other 1"))
        t += len(samples) / RATE + 0.8
        turn += 1
    track = place(pieces, seconds)
    track += 0.006 * np.random.default_rng(5).standard_normal(len(track)).astype(np.float32)
    return resample_poly(track, 1, 3).astype(np.float32), " ".join(script), spans


def bare(audio: np.ndarray, folder: Path) -> float:
    from faster_whisper import WhisperModel

    started = time.perf_counter()
    model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True)
    segments, _ = model.transcribe(audio, language="en", beam_size=5, temperature=0.0,
                                   condition_on_previous_text=False, vad_filter=False)  # fmt: skip
    list(segments)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from bwvtool.transcripts.asr import find_model, transcribe
    from bwvtool.transcripts.wer import word_error_rate

    model = find_model()
    audio, script, spans = scene(args.seconds)
    seconds = len(audio) / 16_000
    ours, baseline = [], []
    for _ in range(args.repeat):
        baseline.append(bare(audio, model.folder))
        started = time.perf_counter()
        utterances, _ = transcribe(audio, model)
        ours.append(time.perf_counter() - started)
    wer = word_error_rate(script, " ".join(u.text for u in utterances))
    words = [(w, u.speaker) for u in utterances for w in u.words or ()]
    right = sum(1 for (a, b, _), who in words
                if any(s * 1000 - 300 <= (a + b) / 2 <= e * 1000 + 300 and v == who for s, e, v in spans))  # fmt: skip
    print(f"speech recognition, {model.name} ({model.sha256[:12]}), {seconds:.0f} s of espeak-ng speech, two voices "
          f"and noise, {args.repeat} runs, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    emit(Figure("asr", f"transcribe {seconds:.0f} s (words + speaker guess)", "s", ours,
                "faster-whisper alone, same model and settings, no word times", baseline,
                target="real-time factor < 1"))  # fmt: skip
    rtf = sorted(ours)[len(ours) // 2] / seconds
    print(f"  real-time factor {rtf:.2f}; word error rate {wer:.2f}; speaker guess right for "
          f"{right / max(len(words), 1):.0%} of {len(words)} words")  # fmt: skip


if __name__ == "__main__":
    main()
