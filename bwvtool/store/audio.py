"""SQL for a clip's cached audio tracks (arrays packed little-endian into BLOBs, bytea on PostgreSQL)."""

from __future__ import annotations

import sqlite3

import numpy as np

from bwvtool.audio.tracks import AudioTracks
from bwvtool.store.workspace import Transaction

_COLUMNS = (
    "clip_id, media_sha256, analyser, duration_ms, loudness_step_ms, loudness, vad_step_ms, vad, wave_step_ms,"
    " waveform, speech_level_lufs, analysed_at, analysed_by"
)


def save(tx: Transaction, clip_id: str, tracks: AudioTracks) -> None:
    """Store (or replace) the tracks of ``clip_id``, with an audit row naming the analyser and the file's hash."""
    level = tracks.speech_level_lufs
    tx.execute("DELETE FROM audio_tracks WHERE clip_id = ?", (clip_id,))
    tx.execute(
        f"INSERT INTO audio_tracks ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            clip_id, tracks.media_sha256, tracks.analyser, tracks.duration_ms,
            tracks.loudness_step_ms, tracks.loudness.astype("<f4").tobytes(),
            tracks.vad_step_ms, tracks.vad.astype(np.uint8).tobytes(),
            tracks.wave_step_ms, tracks.waveform.astype(np.int8).tobytes(),
            level, tx.at, tx.actor,
        ),
    )  # fmt: skip
    tx.audit(
        "audio.analyse",
        "clip",
        clip_id,
        {"analyser": tracks.analyser, "media_sha256": tracks.media_sha256, "duration_ms": tracks.duration_ms},
    )


def get(conn: sqlite3.Connection, clip_id: str) -> AudioTracks | None:
    row = conn.execute(
        "SELECT media_sha256, analyser, duration_ms, loudness_step_ms, loudness, vad_step_ms, vad,"
        " wave_step_ms, waveform FROM audio_tracks WHERE clip_id = ?",
        (clip_id,),
    ).fetchone()
    if row is None:
        return None
    sha, analyser, duration_ms, loud_step, loud, vad_step, vad, wave_step, wave = row
    return AudioTracks(
        duration_ms=duration_ms,
        loudness=np.frombuffer(loud, dtype="<f4").astype(np.float32),
        vad=np.frombuffer(vad, dtype=np.uint8).copy(),
        waveform=np.frombuffer(wave, dtype=np.int8).reshape(-1, 2).copy(),
        analyser=analyser,
        media_sha256=sha,
        loudness_step_ms=loud_step,
        vad_step_ms=vad_step,
        wave_step_ms=wave_step,
    )


def analysed_with(conn: sqlite3.Connection, clip_id: str) -> tuple[str | None, str] | None:
    """(media SHA-256, analyser) of the stored tracks, without reading the arrays; None if not analysed."""
    row = conn.execute(
        "SELECT media_sha256, analyser FROM audio_tracks WHERE clip_id = ?", (clip_id,)
    ).fetchone()
    return (row[0], row[1]) if row else None


def clips_with_media(conn: sqlite3.Connection) -> list[dict]:
    """clip_id, media_path, sha256 and sources of every clip that names a media file, by clip id."""
    cursor = conn.execute(
        "SELECT clip_id, media_path, sha256, sources FROM clips WHERE media_path IS NOT NULL ORDER BY clip_id"
    )
    return [dict(zip(("clip_id", "media_path", "sha256", "sources"), row, strict=True)) for row in cursor]


def clips_needing_analysis(conn: sqlite3.Connection) -> list[str]:
    """Clips with a media file whose tracks are missing or were made from a file with another SHA-256."""
    rows = conn.execute(
        "SELECT c.clip_id FROM clips c LEFT JOIN audio_tracks a ON a.clip_id = c.clip_id"
        " WHERE c.media_path IS NOT NULL AND (a.clip_id IS NULL OR (c.sha256 IS NOT NULL"
        " AND (a.media_sha256 IS NULL OR a.media_sha256 <> c.sha256))) ORDER BY c.clip_id"
    )
    return [row[0] for row in rows]
