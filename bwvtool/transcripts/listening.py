"""Everything the desk shows about a clip's sound and words, fetched in one call (one round trip to the app's
workspace worker): the cached audio tracks, the newest transcript and its suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bwvtool.audio.tracks import AudioTracks
from bwvtool.store import Workspace, catalogue
from bwvtool.store import audio as audio_rows
from bwvtool.store import transcripts as transcript_rows
from bwvtool.transcripts.library import ClipTranscript


@dataclass
class Listening:
    clip_id: str
    media_path: str | None
    media_sha256: str | None
    tracks: AudioTracks | None
    transcript: ClipTranscript | None
    suggestions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tracks_current(self) -> bool:
        """Stored tracks that belong to the clip's media file as catalogued (no re-analysis needed)."""
        return self.tracks is not None and (
            self.media_sha256 is None or self.tracks.media_sha256 == self.media_sha256
        )


def listening(ws: Workspace, clip_id: str) -> Listening:
    clip = catalogue.get_clip(ws.conn, clip_id) or {}
    stored = transcript_rows.latest(ws.conn, clip_id)
    transcript = ClipTranscript(stored, transcript_rows.utterances(ws.conn, stored.id)) if stored else None
    suggestions = [
        s for s in transcript_rows.suggestions(ws.conn, clip_id) if stored and s["transcript_id"] == stored.id
    ]
    return Listening(clip_id, clip.get("media_path"), clip.get("sha256"), audio_rows.get(ws.conn, clip_id),
                     transcript, suggestions)  # fmt: skip


def store_tracks(ws: Workspace, clip_id: str, tracks: AudioTracks, actor: str) -> None:
    """Keep tracks analysed elsewhere (the desk analyses in a background thread) for ``clip_id``."""
    with ws.transaction(actor) as tx:
        audio_rows.save(tx, clip_id, tracks)


def suggest_with_shipped_rules(ws: Workspace, clip_id: str, actor: str) -> list[dict[str, Any]]:
    """Run the shipped rules on the clip's newest transcript (new suggestions only); the clip's suggestions."""
    from bwvtool.transcripts import rules
    from bwvtool.transcripts.suggest import suggest_for_clip

    transcript, _, found = suggest_for_clip(ws, clip_id, rules.load(), actor=actor)
    return [s for s in found if s["transcript_id"] == transcript.id]
