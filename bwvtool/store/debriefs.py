"""SQL for supervisor debrief notes: the reviews a note can be built from, and the note's saved versions.

Versions are append-only (migration 0004 refuses UPDATE and DELETE); saving an edit inserts the next version.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from bwvtool.store import dialect
from bwvtool.store.workspace import Transaction

Queryable = sqlite3.Connection | Transaction


@dataclass(frozen=True)
class ReviewRef:
    """One coder's review of one clip, with the catalogue facts a list of reviews shows."""

    clip_id: str
    coder_id: int
    coder: str
    codebook_id: int
    status: str
    updated_at: str
    answers: dict[str, Any]
    recorded_at: str
    borough: str
    officer_ref: str
    events: int
    has_video: bool


@dataclass(frozen=True)
class StoredNote:
    """One saved version of a debrief note's narrative."""

    clip_id: str
    coder_id: int
    version: int
    narrative: dict[str, str]
    sha256: str
    review_updated_at: str
    saved_at: str
    saved_by: str


_REVIEW_SELECT = (
    "SELECT r.clip_id, r.coder_id, k.name, r.codebook_id, r.status, r.updated_at, r.answers,"
    " c.recorded_at, c.borough, c.officer_ref,"
    " (SELECT count(*) FROM events e WHERE e.clip_id = r.clip_id AND e.coder_id = r.coder_id"
    "  AND e.codebook_id = r.codebook_id),"
    " (c.media_path IS NOT NULL AND c.media_path <> '')"
    " FROM clip_reviews r JOIN coders k ON k.id = r.coder_id JOIN clips c ON c.clip_id = r.clip_id"
)
_NOTE_SELECT = "SELECT clip_id, coder_id, version, narrative, sha256, review_updated_at, saved_at, saved_by FROM debrief_notes"


def _review(row: tuple) -> ReviewRef:
    values = list(row)
    values[6] = json.loads(values[6])
    values[11] = bool(values[11])
    return ReviewRef(*values)


def _note(row: tuple) -> StoredNote:
    values = list(row)
    values[3] = json.loads(values[3])
    return StoredNote(*values)


def reviews_of_clip(conn: Queryable, clip_id: str) -> list[ReviewRef]:
    """Every coder's review of ``clip_id`` (any status), by coder name."""
    rows = conn.execute(f"{_REVIEW_SELECT} WHERE r.clip_id = ? ORDER BY k.name", (clip_id,)).fetchall()
    return [_review(row) for row in rows]


def completed_reviews(conn: Queryable, *, search: str = "", limit: int = 500) -> list[ReviewRef]:
    """Completed reviews, most recently recorded clip first; ``search`` matches clip, officer, borough or coder."""
    sql = f"{_REVIEW_SELECT} WHERE r.status = 'complete'"
    params: list[Any] = []
    if search.strip():
        pattern = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        like = dialect.like(conn)
        sql += (
            f" AND (r.clip_id {like} ? ESCAPE '\\' OR c.officer_ref {like} ? ESCAPE '\\'"
            f" OR c.borough {like} ? ESCAPE '\\' OR k.name {like} ? ESCAPE '\\')"
        )
        params += [pattern] * 4
    sql += " ORDER BY c.recorded_ts DESC, r.clip_id, k.name LIMIT ?"
    params.append(limit)
    return [_review(row) for row in conn.execute(sql, params).fetchall()]


def coder_name(conn: Queryable, coder_id: int) -> str | None:
    row = conn.execute("SELECT name FROM coders WHERE id = ?", (coder_id,)).fetchone()
    return row[0] if row else None


def versions(conn: Queryable, clip_id: str, coder_id: int) -> list[StoredNote]:
    """The note's saved versions, oldest first."""
    rows = conn.execute(
        f"{_NOTE_SELECT} WHERE clip_id = ? AND coder_id = ? ORDER BY version", (clip_id, coder_id)
    ).fetchall()
    return [_note(row) for row in rows]


def get_version(
    conn: Queryable, clip_id: str, coder_id: int, version: int | None = None
) -> StoredNote | None:
    """Version ``version`` of the note (default: the latest), or None."""
    if version is None:
        row = conn.execute(
            f"{_NOTE_SELECT} WHERE clip_id = ? AND coder_id = ? ORDER BY version DESC LIMIT 1",
            (clip_id, coder_id),
        ).fetchone()
    else:
        row = conn.execute(
            f"{_NOTE_SELECT} WHERE clip_id = ? AND coder_id = ? AND version = ?", (clip_id, coder_id, version)
        ).fetchone()
    return _note(row) if row else None


def insert_version(
    tx: Transaction,
    *,
    clip_id: str,
    coder_id: int,
    narrative_json: str,
    sha256: str,
    review_updated_at: str,
) -> int:
    """Store the next version of the note (inside the caller's audited transaction); its number."""
    row = tx.execute(
        "SELECT coalesce(max(version), 0) FROM debrief_notes WHERE clip_id = ? AND coder_id = ?",
        (clip_id, coder_id),
    ).fetchone()
    version = int(row[0]) + 1
    tx.execute(
        "INSERT INTO debrief_notes (clip_id, coder_id, version, narrative, sha256, review_updated_at, saved_at,"
        " saved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (clip_id, coder_id, version, narrative_json, sha256, review_updated_at, tx.at, tx.actor),
    )
    return version


def get_draft(conn: Queryable, clip_id: str, coder_id: int) -> tuple[str, str, str] | None:
    """The unsaved draft of a note: (narrative JSON, saved_at, saved_by), or None."""
    row = conn.execute(
        "SELECT narrative, saved_at, saved_by FROM debrief_drafts WHERE clip_id = ? AND coder_id = ?",
        (clip_id, coder_id),
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def put_draft(tx: Transaction, *, clip_id: str, coder_id: int, narrative_json: str) -> None:
    """Keep (or replace) the note's draft, inside the caller's audited transaction."""
    tx.execute(
        "INSERT INTO debrief_drafts (clip_id, coder_id, narrative, saved_at, saved_by) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (clip_id, coder_id) DO UPDATE SET narrative = excluded.narrative,"
        " saved_at = excluded.saved_at, saved_by = excluded.saved_by",
        (clip_id, coder_id, narrative_json, tx.at, tx.actor),
    )


def drop_draft(tx: Transaction, clip_id: str, coder_id: int) -> None:
    tx.execute("DELETE FROM debrief_drafts WHERE clip_id = ? AND coder_id = ?", (clip_id, coder_id))
