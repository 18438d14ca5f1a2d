"""Transcripts in a workspace: import a caption file for a clip, read a clip's newest transcript, search them all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bwvtool.errors import UsageError
from bwvtool.store import Workspace, catalogue
from bwvtool.store import transcripts as rows
from bwvtool.transcripts import word
from bwvtool.transcripts.captions import TranscriptError, Utterance, parse

_LATE_MS = 1_000  # a cue may end this far after the catalogue's duration (rounding, trailing frames)


@dataclass
class ClipTranscript:
    """A transcript with its utterances, as the desk and ``transcript show`` present it."""

    transcript: rows.StoredTranscript
    utterances: list[rows.StoredUtterance]

    @property
    def automatic(self) -> bool:
        return self.transcript.origin == "automatic"

    def label(self) -> str:
        t = self.transcript
        made = f"automatic ({t.engine}, {t.model})" if self.automatic else f"imported from {t.format.upper()}"
        return f"{t.clip_id} transcript v{t.version}, {made}, {len(self.utterances)} utterances"

    def at(self, ms: int) -> int | None:
        """Index of the utterance playing at ``ms`` (the last one started at or before it), or None."""
        import bisect

        i = bisect.bisect_right([u.start_ms for u in self.utterances], ms) - 1
        return i if i >= 0 and ms <= self.utterances[i].end_ms else None

    def as_dict(self) -> dict[str, Any]:
        return self.transcript.as_dict() | {"utterances": [u.as_dict() for u in self.utterances]}


def _check_clip(ws: Workspace, clip_id: str) -> dict[str, Any]:
    clip = catalogue.get_clip(ws.conn, clip_id)
    if clip is None:
        raise UsageError(f"no clip {clip_id} in the catalogue")
    return clip


def check_times(name: str, utterances: list[Utterance], duration_s: float | None) -> None:
    """:raises TranscriptError: an utterance that runs past the end of the clip."""
    if not duration_s:
        return
    limit = round(duration_s * 1000) + _LATE_MS
    for u in utterances:
        if u.end_ms > limit:
            raise TranscriptError(
                f"{name}: the cue at {u.start_ms / 1000:.3f} s ends at {u.end_ms / 1000:.3f} s, after the clip's "
                f"end ({duration_s:g} s): is this the right clip?"
            )


def import_file(ws: Workspace, clip_id: str, path: str | Path, *, actor: str | None = None) -> ClipTranscript:
    """Read a WebVTT, SRT or Word (.docx) transcript and store it as the clip's next transcript version.

    :raises UsageError: unknown clip. :raises TranscriptError: unreadable or malformed file (file and line named).
    """
    from bwvtool.media.hashing import sha256_file

    path = Path(path)
    clip = _check_clip(ws, clip_id)
    duration_s = clip.get("duration_s")
    if path.is_file() and word.is_word_file(path):
        fmt = "docx"
        utterances = word.parse(path, duration_ms=None if duration_s is None else int(duration_s * 1000))
    else:
        utterances = parse(path)
        fmt = "vtt" if path.read_bytes()[:10].lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT") else "srt"
    check_times(path.name, utterances, duration_s)
    with ws.transaction(actor) as tx:
        stored = rows.insert(
            tx, clip_id, utterances, origin="imported", format=fmt, source_path=str(path.resolve()),
            source_sha256=sha256_file(path),
        )  # fmt: skip
    return ClipTranscript(stored, rows.utterances(ws.conn, stored.id))


def store_utterances(
    ws: Workspace, clip_id: str, utterances: list[Utterance], *, actor: str | None = None, **meta: Any
) -> ClipTranscript:
    """Store utterances made elsewhere (EAF import, speech recognition) as the clip's next version."""
    _check_clip(ws, clip_id)
    with ws.transaction(actor) as tx:
        stored = rows.insert(tx, clip_id, utterances, **meta)
    return ClipTranscript(stored, rows.utterances(ws.conn, stored.id))


def transcript_of(ws: Workspace, clip_id: str, version: int | None = None) -> ClipTranscript | None:
    """The clip's newest transcript (or ``version``), None when it has none. :raises UsageError: unknown clip."""
    _check_clip(ws, clip_id)
    stored = rows.latest(ws.conn, clip_id, version)
    if stored is None:
        if version is not None:
            raise UsageError(f"{clip_id} has no transcript version {version}")
        return None
    return ClipTranscript(stored, rows.utterances(ws.conn, stored.id))


def search(ws: Workspace, phrase: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """Utterances that contain ``phrase`` across every clip's newest transcript. :raises UsageError: no words."""
    if not any(ch.isalnum() for ch in phrase):
        raise UsageError("search for at least one word")
    return rows.search(ws.conn, phrase, limit=limit)
