"""SQL for a coder's work queue: their assignments with the clip facts the queue shows, and status changes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bwvtool.store import dialect
from bwvtool.store.workspace import Transaction

STATUSES = ("not_started", "in_progress", "complete", "flagged")


@dataclass(frozen=True)
class QueueItem:
    assignment_id: int
    sample_id: int
    sample_name: str
    clip_id: str
    role: str
    status: str
    recorded_at: str
    duration_s: float
    borough: str
    officer_ref: str
    media_path: str | None
    sha256: str | None
    media_status: str
    codebook: str | None  # the sample's codebook key (None: an old sample that names none)


_SELECT = (
    "SELECT a.id, a.sample_id, s.name, a.clip_id, a.role, a.status, c.recorded_at, c.duration_s, c.borough,"
    " c.officer_ref, c.media_path, c.sha256, c.media_status, s.codebook"
    " FROM assignments a JOIN coders k ON k.id = a.coder_id JOIN samples s ON s.id = a.sample_id"
    " JOIN clips c ON c.clip_id = a.clip_id"
)


def for_coder(conn: sqlite3.Connection, coder: str, status: str | None = None) -> list[QueueItem]:
    """The coder's assignments, oldest sample first, then by recording time."""
    sql, params = _SELECT + " WHERE k.name = ?", [coder]
    if status:
        sql += " AND a.status = ?"
        params.append(status)
    sql += " ORDER BY a.sample_id, c.recorded_at, a.clip_id"
    return [QueueItem(*row) for row in conn.execute(sql, params)]


def coders_with_work(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    """(coder, assignments, complete) for everyone who has assignments; for the start-up identity choice."""
    rows = conn.execute(
        "SELECT k.name, count(*), sum(CASE WHEN a.status = 'complete' THEN 1 ELSE 0 END) FROM assignments a JOIN coders k ON k.id = a.coder_id"
        " GROUP BY k.name ORDER BY k.name"
    )
    return [(name, int(n), int(done or 0)) for name, n, done in rows]


def get(conn: sqlite3.Connection, assignment_id: int) -> QueueItem | None:
    row = conn.execute(_SELECT + " WHERE a.id = ?", (assignment_id,)).fetchone()
    return QueueItem(*row) if row else None


def _one_or_all(assignment_id: int | None) -> str:
    """Work for one assignment changes that assignment; clip-level work, all the coder's assignments of the clip."""
    return " AND id = ?" if assignment_id is not None else ""


def set_status(
    tx: Transaction, *, clip_id: str, coder_id: int, status: str, assignment_id: int | None = None
) -> int:
    """Set the status of the coder's assignment (all their assignments of ``clip_id`` when ``assignment_id`` is
    None); returns how many changed."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    params: list = [status, clip_id, coder_id, status]
    cursor = tx.execute(
        "UPDATE assignments SET status = ? WHERE clip_id = ? AND coder_id = ? AND status != ?"
        + _one_or_all(assignment_id),
        params + ([assignment_id] if assignment_id is not None else []),
    )
    return cursor.rowcount


def mark_started(tx: Transaction, *, clip_id: str, coder_id: int, assignment_id: int | None = None) -> None:
    """Move the coder's not-started assignment (all of them on ``clip_id`` when ``assignment_id`` is None) to in
    progress (first edit of the coding). Nothing waits for it: on a server it travels with the edit it comes with,
    so a clip's first key press is one round trip like every other."""
    dialect.defer(tx, *start_statement(clip_id, coder_id, assignment_id))


def start_statement(clip_id: str, coder_id: int, assignment_id: int | None) -> tuple[str, tuple]:
    """The statement of :func:`mark_started`, with its parameters."""
    return (
        "UPDATE assignments SET status = 'in_progress' WHERE clip_id = ? AND coder_id = ? AND status = 'not_started'"
        + _one_or_all(assignment_id),
        (clip_id, coder_id) + ((assignment_id,) if assignment_id is not None else ()),
    )


def for_clip(conn: sqlite3.Connection, clip_id: str, coder_id: int) -> list[QueueItem]:
    """The coder's assignments of one clip, oldest sample first."""
    rows = conn.execute(
        _SELECT + " WHERE a.clip_id = ? AND a.coder_id = ? ORDER BY a.sample_id", (clip_id, coder_id)
    )
    return [QueueItem(*row) for row in rows]
