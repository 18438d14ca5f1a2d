"""SQL for clip reviews: one per coder per clip, answers as JSON, draft until complete."""

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


_SELECT = "SELECT id, clip_id, coder_id, codebook_id, answers, status, updated_at FROM clip_reviews"


def _from_row(row: tuple) -> StoredReview:
    return StoredReview(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6])


def get(conn: sqlite3.Connection, clip_id: str, coder_id: int) -> StoredReview | None:
    row = conn.execute(f"{_SELECT} WHERE clip_id = ? AND coder_id = ?", (clip_id, coder_id)).fetchone()
    return _from_row(row) if row else None


def save(
    tx: Transaction, *, clip_id: str, coder_id: int, codebook_id: int, answers: dict[str, Any], status: str
) -> None:
    """Insert or replace the coder's review of the clip."""
    text = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    tx.execute(
        "INSERT INTO clip_reviews (clip_id, coder_id, codebook_id, answers, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (clip_id, coder_id) DO UPDATE SET codebook_id = excluded.codebook_id,"
        " answers = excluded.answers, status = excluded.status, updated_at = excluded.updated_at",
        (clip_id, coder_id, codebook_id, text, status, tx.at, tx.at),
    )


def for_clips(conn: sqlite3.Connection, clip_ids: list[str]) -> list[StoredReview]:
    found: list[StoredReview] = []
    for start in range(0, len(clip_ids), 500):
        chunk = clip_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        found += [_from_row(r) for r in conn.execute(f"{_SELECT} WHERE clip_id IN ({marks})", chunk)]
    return found
