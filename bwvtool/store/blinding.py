"""SQL for blind double coding: which samples double-code a clip and are not yet opened, and opening one.

A clip is double-coded in a sample when a second, reliability coder is assigned to it there (as the team server's
row policies read it, bwv_double_coded). A sample stays blind until its study lead opens it (sample_unblinding).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bwvtool.store.workspace import Transaction

Queryable = sqlite3.Connection | Transaction

_STILL_BLIND = "NOT EXISTS (SELECT 1 FROM sample_unblinding u WHERE u.sample_id = s.id)"
# The assignment ``a``'s clip is double-coded in its sample ``s``.
_DOUBLE_CODED = (
    "EXISTS (SELECT 1 FROM assignments r WHERE r.sample_id = s.id AND r.clip_id = a.clip_id"
    " AND r.role = 'reliability')"
)


@dataclass(frozen=True)
class BlindSample:
    sample_id: int
    name: str
    drawn_by: str
    coders: frozenset[str]  # everyone assigned a clip of the sample


def blind_samples_of_clip(conn: Queryable, clip_id: str) -> list[BlindSample]:
    """Samples not yet opened in which ``clip_id`` is double-coded, each with all its coders."""
    rows = conn.execute(
        "SELECT s.id, s.name, s.drawn_by, k.name FROM samples s JOIN assignments a ON a.sample_id = s.id"
        " JOIN coders k ON k.id = a.coder_id"
        " WHERE s.id IN (SELECT d.sample_id FROM assignments d WHERE d.clip_id = ? AND d.role = 'reliability')"
        f" AND {_STILL_BLIND} ORDER BY s.id",
        (clip_id,),
    ).fetchall()
    return _grouped(rows)


def blind_sample(conn: Queryable, sample_id: int) -> BlindSample | None:
    """The sample with all its coders when it double-codes any clip and is not yet opened, else None."""
    rows = conn.execute(
        "SELECT s.id, s.name, s.drawn_by, k.name FROM samples s JOIN assignments a ON a.sample_id = s.id"
        " JOIN coders k ON k.id = a.coder_id"
        f" WHERE s.id = ? AND {_STILL_BLIND}"
        " AND EXISTS (SELECT 1 FROM assignments r WHERE r.sample_id = s.id AND r.role = 'reliability')",
        (sample_id,),
    ).fetchall()
    found = _grouped(rows)
    return found[0] if found else None


def _grouped(rows: list[tuple]) -> list[BlindSample]:
    by_id: dict[int, tuple[str, str, set[str]]] = {}
    for sample_id, name, drawn_by, coder in rows:
        by_id.setdefault(int(sample_id), (name, drawn_by, set()))[2].add(coder)
    return [BlindSample(i, n, d, frozenset(c)) for i, (n, d, c) in by_id.items()]


def unfinished_double_coding(conn: Queryable, sample_id: int) -> int:
    """Assignments of the sample's double-coded clips that are not complete yet."""
    row = conn.execute(
        "SELECT count(*) FROM assignments a JOIN samples s ON s.id = a.sample_id WHERE a.sample_id = ?"
        f" AND a.status <> 'complete' AND {_DOUBLE_CODED}",
        (sample_id,),
    ).fetchone()
    return int(row[0])


def opened(conn: Queryable, sample_id: int) -> tuple[str, str] | None:
    """(when, by whom) the sample was opened, or None while it is blind (or was never double-coded)."""
    row = conn.execute(
        "SELECT opened_at, opened_by FROM sample_unblinding WHERE sample_id = ?", (sample_id,)
    ).fetchone()
    return None if row is None else (row[0], row[1])


def open_sample(tx: Transaction, sample_id: int) -> None:
    tx.execute(
        "INSERT INTO sample_unblinding (sample_id, opened_at, opened_by) VALUES (?, ?, ?)",
        (sample_id, tx.at, tx.actor),
    )


def sample_coders(conn: Queryable, sample_id: int) -> list[str]:
    """Everyone assigned a clip of the sample, by name."""
    rows = conn.execute(
        "SELECT DISTINCT k.name FROM assignments a JOIN coders k ON k.id = a.coder_id WHERE a.sample_id = ?"
        " ORDER BY k.name",
        (sample_id,),
    ).fetchall()
    return [row[0] for row in rows]


def clips_blind_to(conn: Queryable, coder: str) -> set[str]:
    """Clips whose other coders' work ``coder`` may not see: double-coded in a sample not yet opened that has
    ``coder`` among its coders."""
    rows = conn.execute(
        "SELECT DISTINCT r.clip_id FROM assignments r JOIN samples s ON s.id = r.sample_id"
        f" WHERE r.role = 'reliability' AND {_STILL_BLIND}"
        " AND EXISTS (SELECT 1 FROM assignments m JOIN coders k ON k.id = m.coder_id"
        "             WHERE m.sample_id = s.id AND k.name = ?)",
        (coder,),
    ).fetchall()
    return {row[0] for row in rows}
