"""SQL for the clip catalogue: clips, incidents and catalogue imports.

Writers take the :class:`~bwvtool.store.workspace.Transaction` of the user action they belong to; readers take a
connection. Column names only ever come from the constant tuples below, never from input.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from bwvtool.catalogue.rows import NORMALISED_FIELDS
from bwvtool.store.workspace import Transaction

# Every column of ``clips``, in the order :func:`insert_clips` expects its tuples.
CLIP_COLUMNS: tuple[str, ...] = (
    *NORMALISED_FIELDS,  # the catalogue row as the importer normalises it, then the store's bookkeeping
    "import_id",
    "media_status",
    "media_probe",
    "media_checked_at",
    "created_at",
    "updated_at",
)
# Columns an import may rewrite on an existing clip (its catalogue content and bookkeeping).
UPDATABLE: frozenset[str] = frozenset(CLIP_COLUMNS) - {"clip_id", "created_at"}
LIST_COLUMNS: tuple[str, ...] = (
    "clip_id",
    "incident_id",
    "recorded_at",
    "duration_s",
    "officer_ref",
    "borough",
)

INSERT_CLIP_SQL = (
    f"INSERT INTO clips ({', '.join(CLIP_COLUMNS)}) VALUES ({', '.join('?' * len(CLIP_COLUMNS))})"
)
_IMPORT_COUNTS = ("rows_read", "rows_inserted", "rows_updated", "rows_unchanged", "rows_rejected")


@contextmanager
def bulk_load(conn: sqlite3.Connection, cache_mib: int = 256) -> Iterator[None]:
    """Connection settings for one big import transaction, restored afterwards.

    A large page cache keeps the clip indexes' pages in memory while a million rows go in; temp tables stay in
    memory. Durability is unchanged: the import still commits with ``synchronous=FULL`` in one transaction.
    """
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    old_temp = conn.execute("PRAGMA temp_store").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-int(cache_mib) * 1024:d}")
    conn.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(old_cache):d}")
        conn.execute(f"PRAGMA temp_store = {int(old_temp):d}")


# -- imports ---------------------------------------------------------------------------------------------------
def begin_import(
    tx: Transaction, *, source_path: str, source_sha256: str, fmt: str, rejects_path: str | None
) -> int:
    cursor = tx.execute(
        "INSERT INTO catalogue_imports (source_path, source_sha256, format, imported_at, imported_by, rejects_path)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (source_path, source_sha256, fmt, tx.at, tx.actor, rejects_path),
    )
    return int(cursor.lastrowid)


def finish_import(tx: Transaction, import_id: int, counts: dict[str, int], rejects_path: str | None) -> None:
    tx.execute(
        "UPDATE catalogue_imports SET rows_read = ?, rows_inserted = ?, rows_updated = ?, rows_unchanged = ?,"
        " rows_rejected = ?, rejects_path = ? WHERE id = ?",
        (*(counts[k] for k in _IMPORT_COUNTS), rejects_path, import_id),
    )


def imports(conn: sqlite3.Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The newest catalogue imports first."""
    cursor = conn.execute("SELECT * FROM catalogue_imports ORDER BY id DESC LIMIT ?", (limit,))
    return _dicts(cursor)


# -- clips and incidents -----------------------------------------------------------------------------------------
def clip_hashes(conn: sqlite3.Connection) -> dict[str, str]:
    """clip_id → row_hash of every clip (what an import compares against)."""
    return dict(conn.execute("SELECT clip_id, row_hash FROM clips"))


def incident_ids(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT incident_id FROM incidents")}


def insert_incidents(tx: Transaction, ids: Iterable[str]) -> int:
    """Add incidents that are not there yet; returns how many were new."""
    before = tx.conn.total_changes
    tx.executemany(
        "INSERT OR IGNORE INTO incidents (incident_id, created_at) VALUES (?, ?)", ((i, tx.at) for i in ids)
    )
    return tx.conn.total_changes - before


def insert_clips(tx: Transaction, rows: Iterable[tuple]) -> None:
    """Insert full clip tuples (:data:`CLIP_COLUMNS` order)."""
    tx.executemany(INSERT_CLIP_SQL, rows)


def update_clip(tx: Transaction, clip_id: str, changes: dict[str, Any]) -> None:
    """Set some columns of one clip; the names must be in :data:`UPDATABLE`."""
    columns = sorted(changes)
    unknown = [c for c in columns if c not in UPDATABLE]
    if unknown:
        raise ValueError(f"not updatable clip columns: {unknown}")
    assignments = ", ".join(f"{c} = ?" for c in columns)
    tx.execute(f"UPDATE clips SET {assignments} WHERE clip_id = ?", (*(changes[c] for c in columns), clip_id))


def set_media(
    tx: Transaction, clip_id: str, *, status: str, sha256: str | None, probe: str | None, checked_at: str
) -> None:
    """Record a media check on an existing clip (fills in sha256 when the catalogue gave none)."""
    tx.execute(
        "UPDATE clips SET media_status = ?, sha256 = COALESCE(sha256, ?), media_probe = COALESCE(?, media_probe),"
        " media_checked_at = ? WHERE clip_id = ?",
        (status, sha256, probe, checked_at, clip_id),
    )


def get_clip(conn: sqlite3.Connection, clip_id: str) -> dict[str, Any] | None:
    rows = _dicts(conn.execute("SELECT * FROM clips WHERE clip_id = ?", (clip_id,)))
    return rows[0] if rows else None


def list_clips(conn: sqlite3.Connection, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """A page of clips in recording order, a few columns each."""
    cursor = conn.execute(
        f"SELECT {', '.join(LIST_COLUMNS)} FROM clips ORDER BY recorded_ts, clip_id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return _dicts(cursor)


def count_clips(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM clips").fetchone()[0])


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
