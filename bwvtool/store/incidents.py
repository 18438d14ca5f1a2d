"""SQL for multi-camera incidents: the incident's clips, each clip's alignment, and events coded on incident time."""

from __future__ import annotations

import sqlite3
from typing import Any

from bwvtool.store.workspace import Transaction

_CLIP_COLUMNS = ("clip_id", "recorded_at", "duration_s", "officer_ref", "camera_id", "media_path")
_ALIGNMENT_COLUMNS = (
    "clip_id", "incident_id", "offset_ms", "drift_ppm", "method", "catalogue_offset_ms", "confidence",
    "matched_to", "windows", "residual_ms", "note", "frame_ms", "nudge_frames", "aligned_at", "aligned_by",
)  # fmt: skip


def exists(conn: sqlite3.Connection, incident_id: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM incidents WHERE incident_id = ?", (incident_id,)).fetchone() is not None
    )


def aligned(conn: sqlite3.Connection) -> list[str]:
    """Incidents with a stored alignment, newest recording first."""
    rows = conn.execute(
        "SELECT a.incident_id FROM clip_alignments a JOIN clips c ON c.clip_id = a.clip_id"
        " GROUP BY a.incident_id ORDER BY MAX(c.recorded_at) DESC, a.incident_id"
    ).fetchall()
    return [row[0] for row in rows]


def clips(conn: sqlite3.Connection, incident_id: str) -> list[dict[str, Any]]:
    """The incident's clips in recording order: id, recorded_at, duration, officer, camera and media path."""
    rows = conn.execute(
        f"SELECT {', '.join(_CLIP_COLUMNS)} FROM clips WHERE incident_id = ? ORDER BY recorded_at, clip_id",
        (incident_id,),
    ).fetchall()
    return [dict(zip(_CLIP_COLUMNS, row, strict=True)) for row in rows]


def incident_of(conn: sqlite3.Connection, clip_id: str) -> str | None:
    row = conn.execute("SELECT incident_id FROM clips WHERE clip_id = ?", (clip_id,)).fetchone()
    return row[0] if row else None


def of_sample(conn: sqlite3.Connection, sample_id: int) -> list[str]:
    """Incidents with two or more catalogued clips among those of the sample's clips, in draw order."""
    rows = conn.execute(
        "SELECT c.incident_id, MIN(i.draw_order) FROM sample_items i JOIN clips c ON c.clip_id = i.clip_id"
        " WHERE i.sample_id = ? GROUP BY c.incident_id"
        " HAVING (SELECT COUNT(*) FROM clips o WHERE o.incident_id = c.incident_id) >= 2"
        " ORDER BY MIN(i.draw_order), c.incident_id",
        (sample_id,),
    ).fetchall()
    return [row[0] for row in rows]


def save(tx: Transaction, incident_id: str, rows: list[dict[str, Any]]) -> None:
    """Replace the incident's alignment with ``rows`` (one dict per clip, keys as the table's columns less the
    incident and the stamp), with one audit row listing each clip's offset, drift and method."""
    tx.execute("DELETE FROM clip_alignments WHERE incident_id = ?", (incident_id,))
    columns = ", ".join(_ALIGNMENT_COLUMNS)
    marks = ", ".join("?" for _ in _ALIGNMENT_COLUMNS)
    for row in rows:
        values = row | {"incident_id": incident_id, "aligned_at": tx.at, "aligned_by": tx.actor}
        tx.execute(
            f"INSERT INTO clip_alignments ({columns}) VALUES ({marks})",
            tuple(values.get(c, 0 if c in ("windows", "nudge_frames") else None) for c in _ALIGNMENT_COLUMNS),
        )
    tx.audit(
        "incident.align",
        "incident",
        incident_id,
        {
            "clips": {
                r["clip_id"]: {
                    "offset_ms": round(r["offset_ms"], 3),
                    "drift_ppm": round(r["drift_ppm"], 2),
                    "method": r["method"],
                }
                for r in rows
            }
        },
    )


def alignments(conn: sqlite3.Connection, incident_id: str) -> list[dict[str, Any]]:
    """The incident's stored alignment, one dict per clip, by offset."""
    rows = conn.execute(
        f"SELECT {', '.join(_ALIGNMENT_COLUMNS)} FROM clip_alignments WHERE incident_id = ?"
        " ORDER BY offset_ms, clip_id",
        (incident_id,),
    ).fetchall()
    return [dict(zip(_ALIGNMENT_COLUMNS, row, strict=True)) for row in rows]


def nudge(tx: Transaction, clip_id: str, offset_ms: float, frames: int, before_ms: float) -> None:
    """Store a reviewer's nudge of ``frames`` frames (new offset ``offset_ms``), audited with the old offset."""
    tx.execute(
        "UPDATE clip_alignments SET offset_ms = ?, nudge_frames = nudge_frames + ? WHERE clip_id = ?",
        (offset_ms, frames, clip_id),
    )
    tx.audit(
        "incident.nudge",
        "clip",
        clip_id,
        {"frames": frames, "offset_ms_before": round(before_ms, 3), "offset_ms_after": round(offset_ms, 3)},
    )


def link_event(
    tx: Transaction, event_id: int, incident_id: str, onset_ms: float, offset_ms: float | None
) -> None:
    """Record that event ``event_id`` was coded on incident time (its own row keeps the camera's time)."""
    tx.execute(
        "INSERT INTO incident_events (event_id, incident_id, onset_incident_ms, offset_incident_ms)"
        " VALUES (?, ?, ?, ?)",
        (event_id, incident_id, onset_ms, offset_ms),
    )
    tx.audit(
        "incident.event", "event", str(event_id), {"incident_id": incident_id, "onset_incident_ms": onset_ms}
    )


def unlink_event(tx: Transaction, event_id: int) -> None:
    """Undo :func:`link_event` (the event itself is deleted by the command that added it)."""
    tx.execute("DELETE FROM incident_events WHERE event_id = ?", (event_id,))


def set_end(tx: Transaction, event_id: int, offset_ms: float | None) -> None:
    """A state coded on incident time ended (or, undone, running again) at incident time ``offset_ms``."""
    tx.execute("UPDATE incident_events SET offset_incident_ms = ? WHERE event_id = ?", (offset_ms, event_id))


_EVENT_COLUMNS = ("event_id", "onset_incident_ms", "offset_incident_ms", "clip_id", "onset_ms", "onset_frame",
                  "offset_ms", "offset_frame", "code", "track", "actor", "coder")  # fmt: skip


def events(conn: sqlite3.Connection, incident_id: str, coder: str | None = None) -> list[dict[str, Any]]:
    """Events coded on the incident's time (one coder's if given): incident times, the camera (clip) and frames
    they were coded on."""
    sql = (
        "SELECT e.id, x.onset_incident_ms, x.offset_incident_ms, e.clip_id, e.onset_ms, e.onset_frame,"
        " e.offset_ms, e.offset_frame, e.code, e.track, e.actor, k.name FROM incident_events x"
        " JOIN events e ON e.id = x.event_id JOIN coders k ON k.id = e.coder_id WHERE x.incident_id = ?"
    )
    params: list[Any] = [incident_id]
    if coder is not None:
        sql += " AND k.name = ?"
        params.append(coder)
    rows = conn.execute(sql + " ORDER BY x.onset_incident_ms, e.id", params).fetchall()
    return [dict(zip(_EVENT_COLUMNS, row, strict=True)) for row in rows]


def incident_times(
    conn: sqlite3.Connection, clip_ids: list[str]
) -> dict[int, tuple[str, float, float | None]]:
    """{event id: (incident, onset, offset in incident time)} for the events coded on incident time on these
    clips (what reliability, sequences and exports read besides the clip-level event)."""
    found: dict[int, tuple[str, float, float | None]] = {}
    for start in range(0, len(clip_ids), 500):
        chunk = clip_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for event_id, incident_id, onset, offset in conn.execute(
            "SELECT x.event_id, x.incident_id, x.onset_incident_ms, x.offset_incident_ms FROM incident_events x"
            f" JOIN events e ON e.id = x.event_id WHERE e.clip_id IN ({marks})",
            chunk,
        ):
            found[int(event_id)] = (incident_id, float(onset), None if offset is None else float(offset))
    return found


def incident_ends(conn: sqlite3.Connection, incident_ids: list[str]) -> dict[str, float]:
    """Each aligned incident's end on its own clock (ms): the latest moment any of its aligned clips films."""
    ends: dict[str, float] = {}
    for incident_id in incident_ids:
        for offset, drift, duration_s in conn.execute(
            "SELECT a.offset_ms, a.drift_ppm, c.duration_s FROM clip_alignments a"
            " JOIN clips c ON c.clip_id = a.clip_id WHERE a.incident_id = ?",
            (incident_id,),
        ):
            end = float(offset) + float(duration_s) * 1000 / (1 + float(drift) * 1e-6)
            ends[incident_id] = max(ends.get(incident_id, 0.0), end)
    return ends


def link_of(tx: Transaction, event_id: int) -> tuple[str, float, float | None] | None:
    """(incident, onset, offset in incident time) of an event coded on incident time; None for a clip-level one."""
    row = tx.execute(
        "SELECT incident_id, onset_incident_ms, offset_incident_ms FROM incident_events WHERE event_id = ?",
        (event_id,),
    ).fetchone()
    return None if row is None else (row[0], float(row[1]), None if row[2] is None else float(row[2]))


def restore_link(tx: Transaction, event_id: int, link: tuple[str, float, float | None]) -> None:
    """Put back the incident times of a deleted event that an undo restores (its restore is audited already)."""
    tx.execute(
        "INSERT INTO incident_events (event_id, incident_id, onset_incident_ms, offset_incident_ms)"
        " VALUES (?, ?, ?, ?)",
        (event_id, *link),
    )


def follow(tx: Transaction, event_id: int, changes: dict[str, Any]) -> None:
    """An event coded on incident time was moved or resized on its camera (on the desk, by an undo): the incident
    times of what changed follow, through the camera's alignment. Nothing for a clip-level event."""
    if "onset_ms" not in changes and "offset_ms" not in changes:
        return
    row = tx.execute(
        "SELECT e.onset_ms, e.offset_ms, a.offset_ms, a.drift_ppm FROM incident_events x"
        " JOIN events e ON e.id = x.event_id JOIN clip_alignments a ON a.clip_id = e.clip_id"
        " WHERE x.event_id = ?",
        (event_id,),
    ).fetchone()
    if row is None:
        return
    onset, offset, origin, drift = row
    rate = 1 + float(drift) * 1e-6
    if "onset_ms" in changes:
        tx.execute(
            "UPDATE incident_events SET onset_incident_ms = ? WHERE event_id = ?",
            (float(origin) + onset / rate, event_id),
        )
    if "offset_ms" in changes:
        end = None if offset is None else float(origin) + offset / rate
        tx.execute("UPDATE incident_events SET offset_incident_ms = ? WHERE event_id = ?", (end, event_id))
