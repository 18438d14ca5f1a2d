"""SQL for the unit's pool: a sample's clips given to the unit rather than to a named coder, claimed one at a time.

A claim takes the oldest unclaimed row and makes it the claimer's assignment, in the caller's transaction. Two
people claiming at once never get the same row: on PostgreSQL the row is read with ``FOR UPDATE SKIP LOCKED``
(:func:`bwvtool.store.dialect.claim_next`), on SQLite the transaction is immediate and so already the only writer.
A release deletes the claimer's assignment while it is untouched and puts the row back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bwvtool.store import dialect
from bwvtool.store.workspace import Transaction


@dataclass(frozen=True)
class PoolRow:
    id: int
    sample_id: int
    clip_id: str
    role: str
    claimed_by: str | None
    claimed_at: str | None
    assignment_id: int | None


_SELECT = (
    "SELECT p.id, p.sample_id, p.clip_id, p.role, k.name, p.claimed_at, p.assignment_id"
    " FROM queue_pool p LEFT JOIN coders k ON k.id = p.claimed_by"
)


def add_sample(tx: Transaction, sample_id: int) -> int:
    """Put the sample's clips that nobody is assigned yet into the pool, in draw order; returns how many."""
    cursor = tx.execute(
        "INSERT INTO queue_pool (sample_id, clip_id, role, pooled_at, pooled_by)"
        " SELECT i.sample_id, i.clip_id, 'primary', ?, ? FROM sample_items i"
        " WHERE i.sample_id = ?"
        "   AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.sample_id = i.sample_id AND a.clip_id = i.clip_id)"
        "   AND NOT EXISTS (SELECT 1 FROM queue_pool p WHERE p.sample_id = i.sample_id AND p.clip_id = i.clip_id)"
        " ORDER BY i.draw_order, i.clip_id",
        (tx.at, tx.actor, sample_id),
    )
    return cursor.rowcount


def claim_next(tx: Transaction, coder_id: int, sample_id: int | None = None) -> PoolRow | None:
    """Claim the oldest unclaimed row (of ``sample_id``, when given) for ``coder_id`` and make it their
    assignment; None when nothing is left."""
    sql = "SELECT id, sample_id, clip_id, role FROM queue_pool WHERE claimed_by IS NULL"
    params: list = []
    if sample_id is not None:
        sql += " AND sample_id = ?"
        params.append(sample_id)
    row = tx.execute(sql + " ORDER BY id LIMIT 1" + dialect.claim_next(tx), params).fetchone()
    if row is None:
        return None
    pool_id, sample, clip_id, role = int(row[0]), int(row[1]), row[2], row[3]
    tx.execute(
        "UPDATE queue_pool SET claimed_by = ?, claimed_at = ? WHERE id = ?", (coder_id, tx.at, pool_id)
    )
    assignment = tx.execute(
        "INSERT INTO assignments (sample_id, clip_id, coder_id, role, assigned_at) VALUES (?, ?, ?, ?, ?)",
        (sample, clip_id, coder_id, role, tx.at),
    ).lastrowid
    tx.execute("UPDATE queue_pool SET assignment_id = ? WHERE id = ?", (assignment, pool_id))
    return get(tx, pool_id)


def claimed_row(conn: sqlite3.Connection | Transaction, assignment_id: int) -> PoolRow | None:
    """The pool row an assignment was claimed from (None: it was given by the draw, not claimed)."""
    row = conn.execute(_SELECT + " WHERE p.assignment_id = ?", (assignment_id,)).fetchone()
    return PoolRow(*row) if row else None


def is_untouched(tx: Transaction, assignment_id: int) -> bool:
    """No status change, no event and no review on the assignment yet."""
    row = tx.execute(
        "SELECT a.status = 'not_started'"
        " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.assignment_id = a.id)"
        " AND NOT EXISTS (SELECT 1 FROM clip_reviews r WHERE r.assignment_id = a.id)"
        " FROM assignments a WHERE a.id = ?",
        (assignment_id,),
    ).fetchone()
    return bool(row and row[0])


def release(tx: Transaction, pool_id: int, assignment_id: int) -> None:
    """Delete the claimed assignment (the pool row's link goes with it) and put the row back in the pool."""
    tx.execute("DELETE FROM assignments WHERE id = ?", (assignment_id,))
    tx.execute(
        "UPDATE queue_pool SET claimed_by = NULL, claimed_at = NULL, assignment_id = NULL WHERE id = ?",
        (pool_id,),
    )


def get(conn: sqlite3.Connection | Transaction, pool_id: int) -> PoolRow | None:
    row = conn.execute(_SELECT + " WHERE p.id = ?", (pool_id,)).fetchone()
    return PoolRow(*row) if row else None


def rows(conn: sqlite3.Connection | Transaction, sample_id: int | None = None) -> list[PoolRow]:
    """The pool's rows (of one sample), oldest first."""
    sql, params = _SELECT, []
    if sample_id is not None:
        sql += " WHERE p.sample_id = ?"
        params.append(sample_id)
    return [PoolRow(*row) for row in conn.execute(sql + " ORDER BY p.id", params)]


def counts(conn: sqlite3.Connection | Transaction) -> tuple[int, int]:
    """(unclaimed, claimed) rows in the whole pool."""
    row = conn.execute(
        "SELECT coalesce(sum(CASE WHEN claimed_by IS NULL THEN 1 ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN claimed_by IS NULL THEN 0 ELSE 1 END), 0) FROM queue_pool"
    ).fetchone()
    return int(row[0]), int(row[1])
