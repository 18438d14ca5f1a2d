"""Analysing catalogue clips: find each clip's media, analyse it once, keep the tracks in the workspace.

A clip is analysed again only when its media file's SHA-256 or the analyser changes (or when asked to).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bwvtool.audio.analyse import analyse_file, analyser_name
from bwvtool.audio.tracks import AudioTracks
from bwvtool.errors import BwvError, UsageError
from bwvtool.store import Workspace, catalogue, samples
from bwvtool.store import audio as audio_rows


@dataclass
class ClipResult:
    clip_id: str
    status: str  # analysed, cached, failed
    tracks: AudioTracks | None = None
    error: str | None = None


def media_of(ws: Workspace, clip_id: str) -> tuple[Path, str | None]:
    """The clip's media file and its catalogued SHA-256. :raises UsageError: unknown clip or no media path."""
    clip = catalogue.get_clip(ws.conn, clip_id)
    if clip is None:
        raise UsageError(f"no clip {clip_id} in the catalogue")
    if not clip.get("media_path"):
        raise UsageError(f"{clip_id} has no media file in the catalogue")
    return Path(clip["media_path"]), clip.get("sha256")


def analyse_clip(
    ws: Workspace,
    clip_id: str,
    *,
    actor: str | None = None,
    force: bool = False,
    progress: Callable[[float], None] | None = None,
) -> ClipResult:
    """Tracks of ``clip_id``: from the workspace when current, else analysed now and stored (audited).

    :raises UsageError: unknown clip or no media path. :raises MediaError: the file cannot be decoded.
    """
    path, sha = media_of(ws, clip_id)
    if sha is None and path.is_file():
        from bwvtool.media.hashing import sha256_file

        sha = sha256_file(path)
    if not force and audio_rows.analysed_with(ws.conn, clip_id) == (sha, analyser_name()):
        return ClipResult(clip_id, "cached", audio_rows.get(ws.conn, clip_id))
    tracks = analyse_file(path, progress=progress)
    tracks.media_sha256 = sha
    with ws.transaction(actor) as tx:
        audio_rows.save(tx, clip_id, tracks)
    return ClipResult(clip_id, "analysed", tracks)


def analyse_many(
    ws: Workspace,
    clip_ids: list[str],
    *,
    actor: str | None = None,
    force: bool = False,
    progress: Callable[[str, float], None] | None = None,
) -> list[ClipResult]:
    """Analyse each clip in turn; a clip that fails is reported and the rest go on."""
    results = []
    for clip_id in clip_ids:
        tick = (lambda seconds, c=clip_id: progress(c, seconds)) if progress else None
        try:
            results.append(analyse_clip(ws, clip_id, actor=actor, force=force, progress=tick))
        except BwvError as exc:
            results.append(ClipResult(clip_id, "failed", error=str(exc)))
    return results


def sample_clips(ws: Workspace, sample_id: int) -> list[str]:
    """The clips of a sample that have a media file, in draw order. :raises UsageError: no such sample."""
    if samples.get_sample(ws.conn, sample_id) is None:
        raise UsageError(f"no sample {sample_id}")
    ids = [item["clip_id"] for item in samples.get_items(ws.conn, sample_id)]
    return [c for c in ids if (catalogue.get_clip(ws.conn, c) or {}).get("media_path")]


def stored(ws: Workspace, clip_id: str) -> AudioTracks | None:
    return audio_rows.get(ws.conn, clip_id)
