"""SQL for clip reviews: one per coder per clip and assignment (None: clip-level), answers as JSON, draft until
complete."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from bwvtool.store.versions import changed_elsewhere
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
    version: int = 1  # raised by every save (bwvtool.store.versions)
    updated_by: str | None = None


_SELECT = (
    "SELECT id, clip_id, coder_id, codebook_id, answers, status, updated_at, assignment_id, version, updated_by"
    " FROM clip_reviews"
)
_ONE = " WHERE clip_id = ? AND coder_id = ? AND assignment_id IS NOT DISTINCT FROM ?"


def _from_row(row: tuple) -> StoredReview:
    return StoredReview(
        row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7], int(row[8]), row[9]
    )


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
    version: int | None = None,
) -> int:
    """Insert or replace the coder's review of the clip for ``assignment_id``; its new version. With ``version``
    (the one read; 0: none was stored), nothing is written when the stored review is another version.

    :raises ChangedElsewhere: ``version`` is not the stored one.
    """
    text = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = (clip_id, coder_id, assignment_id)
    if version != 0:
        sql = (
            "UPDATE clip_reviews SET codebook_id = ?, answers = ?, status = ?, updated_at = ?, updated_by = ?,"
            " version = version + 1" + _ONE
        )
        params: list[Any] = [codebook_id, text, status, tx.at, tx.actor, *key]
        if version is not None:
            sql += " AND version = ?"
            params.append(version)
        row = tx.execute(sql + " RETURNING version", params).fetchone()
        if row is not None:
            return int(row[0])
    if version is None or (version == 0 and get(tx, *key) is None):
        tx.execute(
            "INSERT INTO clip_reviews (clip_id, coder_id, assignment_id, codebook_id, answers, status, created_at,"
            " updated_at, version, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (*key, codebook_id, text, status, tx.at, tx.at, tx.actor),
        )
        return 1
    # saved by someone else since it was read (as absent, or as another version)
    raise changed_elsewhere(tx, f"the review of {clip_id}", "clip_reviews", _ONE.removeprefix(" WHERE "), key)


def for_clips(conn: sqlite3.Connection, clip_ids: list[str]) -> list[StoredReview]:
    found: list[StoredReview] = []
    for start in range(0, len(clip_ids), 500):
        chunk = clip_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        found += [_from_row(r) for r in conn.execute(f"{_SELECT} WHERE clip_id IN ({marks})", chunk)]
    return found
