"""SQL for the clip catalogue: clips, incidents and catalogue imports (with their undo journal).

Writers take the :class:`~bwvtool.store.workspace.Transaction` of the user action they belong to; readers take a
connection. Column names only ever come from the constant tuples below, never from input.

An import writes in short steps; what makes it all-or-nothing lives here: its ``state`` in ``catalogue_imports``
(applying → done, or rolled_back), ``import_undo`` (every clip it changed, as it was) and the ``import_id`` its
inserted clips and created incidents carry. The undo helpers each do one bounded step, so a rollback also holds the
write lock only briefly, and each can be repeated after a crash.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bwvtool.catalogue.rows import NORMALISED_FIELDS
from bwvtool.store import dialect
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


_IN_BATCH = 500  # ids per IN (...) list: well under every engine's limit on parameters


@contextmanager
def bulk_load(conn: sqlite3.Connection, cache_mib: int = 32) -> Iterator[None]:
    """Connection settings for an import, restored afterwards.

    A bigger page cache keeps the clip indexes' hot pages in memory while a million rows go in; temp tables stay
    in memory. Bounded, so an import's memory does not grow with the catalogue (see :func:`relaxed_steps` for how
    its steps commit).
    """
    with dialect.bulk_settings(conn, cache_mib):
        yield


@contextmanager
def relaxed_steps(conn: sqlite3.Connection) -> Iterator[None]:
    """While an import applies its steps: commit without waiting for the disk each time, and checkpoint the WAL
    less often (SQLite; a server keeps its own settings).

    Safe for all or nothing: WAL keeps commits in order, so a power cut can only lose the newest steps, whole —
    the import is then still ``applying`` and is rolled back like a killed one. Its last step (``done`` and the
    audit row) commits outside this, with ``synchronous=FULL``, so an import is never reported finished before
    that is on disk.
    """
    if dialect.is_postgres(conn):
        yield
        return
    old_sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    old_checkpoint = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA wal_autocheckpoint = 8192")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA synchronous = {int(old_sync):d}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(old_checkpoint):d}")


# -- imports ---------------------------------------------------------------------------------------------------
def begin_import(
    tx: Transaction,
    *,
    source_path: str,
    source_sha256: str,
    fmt: str,
    rejects_path: str | None,
    lease_id: int | None = None,
) -> int:
    """Record an import that starts applying (state ``applying``); its id."""
    cursor = tx.execute(
        "INSERT INTO catalogue_imports (source_path, source_sha256, format, imported_at, imported_by, rejects_path,"
        " state, lease_id) VALUES (?, ?, ?, ?, ?, ?, 'applying', ?)",
        (source_path, source_sha256, fmt, tx.at, tx.actor, rejects_path, lease_id),
    )
    return int(cursor.lastrowid)


def finish_import(tx: Transaction, import_id: int, counts: dict[str, int], rejects_path: str | None) -> None:
    """The import's last step: its counts, and ``done``."""
    tx.execute(
        "UPDATE catalogue_imports SET rows_read = ?, rows_inserted = ?, rows_updated = ?, rows_unchanged = ?,"
        " rows_rejected = ?, rejects_path = ?, state = 'done' WHERE id = ?",
        (*(counts[k] for k in _IMPORT_COUNTS), rejects_path, import_id),
    )


def set_import_state(tx: Transaction, import_id: int, state: str) -> None:
    tx.execute("UPDATE catalogue_imports SET state = ? WHERE id = ?", (state, import_id))


def applying_imports(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Imports that started applying and have not finished (running now, or killed mid-way)."""
    cursor = conn.execute(
        "SELECT id, source_path, imported_at, imported_by, lease_id FROM catalogue_imports"
        " WHERE state = 'applying' ORDER BY id"
    )
    return _dicts(cursor)


def unfinished_import(conn: sqlite3.Connection) -> str | None:
    """Why the catalogue cannot be drawn from now, in one line: an import is applying (its clips are only partly
    there), or a killed one waits to be rolled back. None when neither."""
    from bwvtool.store import leases

    rows = applying_imports(conn)
    if not rows:
        return None
    for row in rows:
        if leases.is_alive(conn, row["lease_id"]):
            holder = leases.current_holder(conn)
            return holder.message() if holder else leases.UNKNOWN_WRITER
    return (
        f"busy: catalogue import #{rows[0]['id']} was interrupted and is not rolled back yet"
        " — run 'bwvtool catalogue recover'"
    )


def refuse_while_importing(conn: sqlite3.Connection) -> None:
    """:raises WorkspaceBusy: while :func:`unfinished_import` has a reason."""
    from bwvtool.errors import WorkspaceBusy

    reason = unfinished_import(conn)
    if reason:
        raise WorkspaceBusy(reason)


def set_tracking(tx: Transaction, on: bool) -> None:
    """Switch the column snapshot's change log on or off for the rest of this transaction (see migration 0007)."""
    tx.execute("UPDATE catalogue_state SET tracking = ? WHERE id = 1", (int(on),))


# -- the undo journal ------------------------------------------------------------------------------------------
def journal_clips(tx: Transaction, import_id: int, old_rows: Iterable[dict[str, Any]]) -> None:
    """Keep clips as they are before the import changes them (first change only: that is the state to restore)."""
    tx.executemany(
        "INSERT INTO import_undo (import_id, clip_id, old_row) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        ((import_id, row["clip_id"], json.dumps(row, ensure_ascii=False)) for row in old_rows),
    )


def restore_clips_step(tx: Transaction, import_id: int, limit: int) -> int:
    """Put up to ``limit`` journaled clips back as they were; how many."""
    cursor = tx.execute(
        "SELECT clip_id, old_row FROM import_undo WHERE import_id = ? ORDER BY clip_id LIMIT ?",
        (import_id, limit),
    )
    rows = cursor.fetchall()
    columns = [c for c in CLIP_COLUMNS if c != "clip_id"]
    sql = f"UPDATE clips SET {', '.join(f'{c} = ?' for c in columns)} WHERE clip_id = ?"
    for clip_id, old_row in rows:
        old = json.loads(old_row)
        tx.execute(sql, (*(old[c] for c in columns), clip_id))
    tx.executemany(
        "DELETE FROM import_undo WHERE import_id = ? AND clip_id = ?", ((import_id, r[0]) for r in rows)
    )
    return len(rows)


def delete_inserted_step(tx: Transaction, import_id: int, after: int, limit: int) -> tuple[int, int]:
    """Delete up to ``limit`` clips the import inserted, scanning forward from row number ``after`` (restored
    clips carry their old import id again); (how many, where to go on from). A scan in row-number order (SQLite's
    rowid, the server's ``clip_rowids``) visits each row once over the whole rollback and needs no index on
    ``import_id``."""
    rowid = dialect.clip_rowid(tx)
    found = tx.execute(
        f"SELECT {rowid}, clip_id FROM {dialect.clips_with_rowid(tx)}"
        f" WHERE {rowid} > ? AND import_id = ? ORDER BY {rowid} LIMIT ?",
        (after, import_id, limit),
    ).fetchall()
    _delete_where_in(tx, "DELETE FROM clips WHERE clip_id IN ({})", [r[1] for r in found])
    return len(found), (found[-1][0] if found else after)


def delete_created_incidents_step(tx: Transaction, import_id: int, after: str, limit: int) -> tuple[int, str]:
    """Delete up to ``limit`` incidents the import created that no clip refers to any more, scanning forward from
    incident id ``after`` (start with ``""``) in key order; (how many, where to go on from)."""
    found = [
        r[0]
        for r in tx.execute(
            "SELECT incident_id FROM incidents WHERE incident_id > ? AND import_id = ?"
            " ORDER BY incident_id LIMIT ?",
            (after, import_id, limit),
        )
    ]
    deleted = _delete_where_in(
        tx,
        "DELETE FROM incidents WHERE incident_id IN ({})"
        " AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.incident_id = incidents.incident_id)",
        found,
    )
    return deleted, (found[-1] if found else after)


def _delete_where_in(tx: Transaction, sql: str, keys: Sequence[Any]) -> int:
    """Run ``sql`` (a DELETE with one ``IN ({})``) over ``keys`` in batches; how many rows it deleted (each
    statement's own count: engine-neutral, unlike a connection's running total)."""
    deleted = 0
    for start in range(0, len(keys), _IN_BATCH):
        batch = keys[start : start + _IN_BATCH]
        deleted += tx.execute(sql.format(", ".join("?" * len(batch))), batch).rowcount
    return deleted


def clear_journal_step(tx: Transaction, import_id: int, limit: int) -> int:
    """Forget up to ``limit`` journal rows of a finished import; how many."""
    cursor = tx.execute(
        "DELETE FROM import_undo WHERE import_id = ? AND clip_id IN"
        " (SELECT clip_id FROM import_undo WHERE import_id = ? LIMIT ?)",
        (import_id, import_id, limit),
    )
    return cursor.rowcount


def imports(conn: sqlite3.Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The newest catalogue imports first."""
    cursor = conn.execute("SELECT * FROM catalogue_imports ORDER BY id DESC LIMIT ?", (limit,))
    return _dicts(cursor)


# -- clips and incidents -----------------------------------------------------------------------------------------
def clip_hashes(conn: sqlite3.Connection) -> dict[str, str]:
    """clip_id → row_hash of every clip (what an import compares against)."""
    return dict(conn.execute("SELECT clip_id, row_hash FROM clips"))


def existing_clips(conn: sqlite3.Connection, clip_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """clip_id → every stored column, for those of ``clip_ids`` that are in the catalogue."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(clip_ids), _IN_BATCH):
        batch = clip_ids[start : start + _IN_BATCH]
        cursor = conn.execute(f"SELECT * FROM clips WHERE clip_id IN ({', '.join('?' * len(batch))})", batch)
        found.update((row["clip_id"], row) for row in _dicts(cursor))
    return found


def insert_incidents(tx: Transaction, ids: Iterable[str], import_id: int | None = None) -> int:
    """Add incidents that are not there yet (stamped with the import that creates them); how many were new."""
    cursor = tx.executemany(
        "INSERT INTO incidents (incident_id, created_at, import_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [(i, tx.at, import_id) for i in ids],
    )
    return max(cursor.rowcount, 0)


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


def media_of(
    conn: sqlite3.Connection, *, clip_ids: Sequence[str] | None = None, sample_id: int | None = None
) -> list[tuple[str, str | None, str | None]]:
    """(clip_id, media_path, sha256) of the named clips, of a sample's clips, or (neither given) of every clip."""
    columns = "SELECT c.clip_id, c.media_path, c.sha256 FROM clips c"
    if sample_id is not None:
        return conn.execute(
            f"{columns} JOIN sample_items s ON s.clip_id = c.clip_id WHERE s.sample_id = ? ORDER BY c.clip_id",
            (sample_id,),
        ).fetchall()
    if clip_ids is None:
        return conn.execute(f"{columns} ORDER BY c.clip_id").fetchall()
    found: list[tuple[str, str | None, str | None]] = []
    for start in range(0, len(clip_ids), 500):
        chunk = list(clip_ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        found += conn.execute(f"{columns} WHERE c.clip_id IN ({marks}) ORDER BY c.clip_id", chunk).fetchall()
    return found
