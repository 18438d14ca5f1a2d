"""SQL for clip reviews: one per coder per clip and assignment (None: clip-level), answers as JSON, draft until
complete."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from bwvtool.store.workspace import Transaction


@dataclass(frozen=True)
class StoredReview:
    id: int
    clip_id: str
    coder_id: int
    codebook_id: int
    answers: dict[str, Any]
    status: str
    updated_at: str
    assignment_id: int | None = None


_SELECT = (
    "SELECT id, clip_id, coder_id, codebook_id, answers, status, updated_at, assignment_id FROM clip_reviews"
)
_ONE = " WHERE clip_id = ? AND coder_id = ? AND assignment_id IS NOT DISTINCT FROM ?"


def _from_row(row: tuple) -> StoredReview:
    return StoredReview(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7])


def get(
    conn: sqlite3.Connection, clip_id: str, coder_id: int, assignment_id: int | None = None
) -> StoredReview | None:
    row = conn.execute(_SELECT + _ONE, (clip_id, coder_id, assignment_id)).fetchone()
    return _from_row(row) if row else None


def save(
    tx: Transaction,
    *,
    clip_id: str,
    coder_id: int,
    codebook_id: int,
    answers: dict[str, Any],
    status: str,
    assignment_id: int | None = None,
) -> None:
    """Insert or replace the coder's review of the clip for ``assignment_id``."""
    text = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = (clip_id, coder_id, assignment_id)
    changed = tx.execute(
        "UPDATE clip_reviews SET codebook_id = ?, answers = ?, status = ?, updated_at = ?" + _ONE,
        (codebook_id, text, status, tx.at, *key),
    )
    if changed.rowcount == 0:
        tx.execute(
            "INSERT INTO clip_reviews (clip_id, coder_id, assignment_id, codebook_id, answers, status, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*key, codebook_id, text, status, tx.at, tx.at),
        )


def for_clips(conn: sqlite3.Connection, clip_ids: list[str]) -> list[StoredReview]:
    found: list[StoredReview] = []
    for start in range(0, len(clip_ids), 500):
        chunk = clip_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        found += [_from_row(r) for r in conn.execute(f"{_SELECT} WHERE clip_id IN ({marks})", chunk)]
    return found
