"""The few places where SQLite and PostgreSQL need different SQL, chosen by the connection's engine.

Everything else in the store is written once and runs on both (``?`` placeholders, ``ON CONFLICT``, standard
aggregates). A connection is PostgreSQL when it carries ``engine == "postgresql"`` (the adapter in
:mod:`bwvtool.store.postgres.connection`); a :class:`~bwvtool.store.workspace.Transaction` is judged by its
connection. Nothing here imports the PostgreSQL driver, so SQLite users never load it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

POSTGRESQL = "postgresql"
_BLOB_PIECE = 1 << 20  # bytes written at a time by insert_blob


def is_postgres(conn: Any) -> bool:
    """Is ``conn`` (a connection or a store Transaction) a PostgreSQL connection?"""
    return getattr(getattr(conn, "conn", conn), "engine", None) == POSTGRESQL


def insert_blob(conn: Any, table: str, values: dict[str, Any], column: str, blob: bytes | memoryview) -> None:
    """INSERT a row of ``table`` (constant names): ``values``, and the bytes ``blob`` in ``column``. On a SQLite
    connection of this process the row reserves the space (``zeroblob``) and the bytes are written into it a piece
    at a time, so they are never copied whole: bound, the driver would copy them, SQLite copy them again into the
    record, and the driver's cached statement keep its copy until it is next run (a snapshot field of a million
    clips is 10 MB or more). Elsewhere (a server, a connection in a worker process) they are bound as bytes."""
    names = ", ".join([*values, column])
    marks = ", ".join("?" * len(values))
    view = memoryview(blob).cast("B")
    if not isinstance(conn, sqlite3.Connection) or not len(view):
        conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks}, ?)", [*values.values(), bytes(view)])
        return
    cursor = conn.execute(
        f"INSERT INTO {table} ({names}) VALUES ({marks}, zeroblob(?))", [*values.values(), len(view)]
    )
    with conn.blobopen(table, column, cursor.lastrowid) as handle:
        for start in range(0, len(view), _BLOB_PIECE):
            handle.write(view[start : start + _BLOB_PIECE])


def json_text(conn: Any, column: str, *keys: str) -> str:
    """SQL for the value at ``column``'s JSON path ``keys`` (text or number; NULL when missing or null)."""
    if is_postgres(conn):
        return f"({column}::jsonb #>> '{{{','.join(keys)}}}')"
    return f"json_extract({column}, '$.{'.'.join(keys)}')"


def json_quoted(conn: Any, column: str, key: str) -> str:
    """SQL for the value at ``column``'s top-level ``key`` as JSON text (NULL when missing)."""
    if is_postgres(conn):
        return f"(({column}::jsonb) -> '{key}')::text"
    return f"json_quote(json_extract({column}, '$.{key}'))"


def joined(conn: Any, expression: str, separator: str) -> str:
    """SQL aggregating ``expression`` into one text, values separated by ``separator`` (a constant)."""
    if is_postgres(conn):
        return f"string_agg({expression}, '{separator}')"
    return f"group_concat({expression}, '{separator}')"


def clip_tiebreak(conn: Any) -> str:
    """The column that makes an order of ``clips`` total: SQLite's rowid (its indexes carry it), else clip_id."""
    return "clip_id" if is_postgres(conn) else "rowid"


def clip_rowid(conn: Any) -> str:
    """SQL for a clip's fixed row number: SQLite's rowid; on PostgreSQL the number ``clip_rowids`` gave it
    (server migration 0007). Use with :func:`clips_with_rowid` as the FROM item."""
    return "clip_rowids.rowid" if is_postgres(conn) else "rowid"


def clips_with_rowid(conn: Any) -> str:
    """The FROM item for reading ``clips`` together with :func:`clip_rowid`."""
    return "clips JOIN clip_rowids USING (clip_id)" if is_postgres(conn) else "clips"


def unix_seconds(conn: Any, expression: str) -> str:
    """SQL for a date text as unix seconds (NULL when it is not a date), as SQLite's strftime('%s') reads it."""
    if is_postgres(conn):
        return f"bwv_unix_seconds({expression})"
    return f"CAST(strftime('%s', {expression}) AS INTEGER)"


def unix_seconds_of(conn: Any, values: list[str]) -> Iterator[tuple[int, int | None]]:
    """(position, unix seconds or None) of each date text in ``values``, converted by the database."""
    if is_postgres(conn):
        sql = "SELECT n - 1, bwv_unix_seconds(v) FROM unnest(?::text[]) WITH ORDINALITY AS t(v, n)"
        return iter(conn.execute(sql, (values,)))
    sql = "SELECT key, CAST(strftime('%s', value) AS INTEGER) FROM json_each(?)"
    return iter(conn.execute(sql, (json.dumps(values),)))


def session_memo(conn: Any) -> dict[Any, Any] | None:
    """A server session's memory of facts that can never change again (a locked codebook's content), forgotten
    when the session is replaced; None on SQLite, where asking again costs no round trip."""
    conn = getattr(conn, "conn", conn)
    return conn.memo if is_postgres(conn) else None


def defer(conn: Any, sql: str, params: Any) -> None:
    """Run a statement whose result is not read: on a server, with the transaction's next round trip (see
    :meth:`bwvtool.store.postgres.connection.PgConnection.defer`); on SQLite (no round trips), now."""
    conn = getattr(conn, "conn", conn)
    if is_postgres(conn):
        conn.defer(sql, params)
    else:
        conn.execute(sql, params)


def reserve_id(conn: Any, table: str) -> int | None:
    """On a server, an id for a new row of ``table`` reserved ahead by the session (see
    :meth:`bwvtool.store.postgres.connection.PgConnection.reserve_id`); None on SQLite, which picks it at insert."""
    conn = getattr(conn, "conn", conn)
    return conn.reserve_id(table) if is_postgres(conn) else None


def reserve_ids(conn: Any, table: str) -> None:
    """On a server, have the session's reserve of ids for ``table`` taken now rather than at its first insert."""
    conn = getattr(conn, "conn", conn)
    if is_postgres(conn):
        conn.reserve_ids(table)


def rehearse(conn: Any, statements: list[tuple[str, Any]]) -> None:
    """On a server, run ``statements`` once in a transaction that is rolled back, to have the session ready for them (see
    :meth:`bwvtool.store.postgres.connection.PgConnection.rehearse`); nothing on SQLite, which has nothing to warm."""
    conn = getattr(conn, "conn", conn)
    if is_postgres(conn):
        conn.rehearse(statements)


def commit_witness(conn: Any, sql: str, params: Any) -> None:
    """Name a query that finds a row the open transaction writes, so that on a server the whole transaction can
    travel with its COMMIT in one round trip (see
    :meth:`bwvtool.store.postgres.connection.PgConnection.commit_witness`); nothing on SQLite."""
    conn = getattr(conn, "conn", conn)
    if is_postgres(conn):
        conn.commit_witness(sql, params)


def serialise(conn: Any, name: str, number: int) -> None:
    """Make writers that check-then-write the same thing (``name``, ``number``) take turns until commit. SQLite's
    BEGIN IMMEDIATE already lets one writer at a time in; a server's READ COMMITTED transactions run side by side,
    so there a transaction-long advisory lock on the pair does it (two-key locks never meet the audit chain's
    one-key lock)."""
    if is_postgres(conn):
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(?), ?)", (name, int(number)))


def drop_trigger(conn: Any, name: str, table: str) -> None:
    """Drop trigger ``name`` of ``table`` (constants): SQLite names the trigger alone, PostgreSQL with its table.
    What a tamperer with raw access does; the tests that show verification catching it use this."""
    conn.execute(f"DROP TRIGGER {name} ON {table}" if is_postgres(conn) else f"DROP TRIGGER {name}")


def like(conn: Any) -> str:
    """SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does the same (its workspaces use the C locale)."""
    return "ILIKE" if is_postgres(conn) else "LIKE"


def unindexed(conn: Any, expression: str) -> str:
    """``expression`` marked so that SQLite's planner does not walk its index (PostgreSQL plans by statistics)."""
    return expression if is_postgres(conn) else "+" + expression


def may_read(conn: Any, table: str) -> bool:
    """May this connection's login read ``table``? On a file, yes; on a server, as its grants say (asked with
    ``has_table_privilege``), so code can leave out what a role may not read instead of sending a query the server
    refuses (each refusal is an ERROR in the server's log, and a swallowed error hides real ones)."""
    return _may(conn, table, "SELECT")


def may_write(conn: Any, table: str) -> bool:
    """May this connection's login add rows to ``table`` (as :func:`may_read` asks)?"""
    return _may(conn, table, "INSERT")


def _may(conn: Any, table: str, privilege: str) -> bool:
    if not is_postgres(conn):
        return True
    return bool(conn.execute("SELECT has_table_privilege(?, ?)", (table, privilege)).fetchone()[0])


def columns_or_null(conn: Any, table: str, alias: str, columns: Sequence[str]) -> dict[str, str]:
    """Each of ``columns`` of ``table`` -> the SQL that reads it as ``alias`` + column (``"c."``, or ``""``), or a
    text NULL when this
    login may not read it: a researcher reads the catalogue's research fields and, unless granted, none of its
    identified ones (officer, camera, media, notes); a query naming one of those is refused outright, so what they
    may not see reads as empty instead. One question for all the columns; on a file every column is readable."""
    if not is_postgres(conn) or not columns:
        return {column: f"{alias}{column}" for column in columns}
    asks = ", ".join("has_column_privilege(?, ?, 'SELECT')" for _ in columns)
    allowed = conn.execute(f"SELECT {asks}", [x for column in columns for x in (table, column)]).fetchone()
    return {
        column: f"{alias}{column}" if ok else "NULL::text"
        for column, ok in zip(columns, allowed, strict=True)
    }


def claim_next(conn: Any) -> str:
    """What ends a SELECT that takes one row of shared work for this transaction: on PostgreSQL the row is locked
    and rows other sessions hold are skipped (FOR UPDATE SKIP LOCKED), so two claims never take the same row and
    neither waits; SQLite's immediate transaction already holds the only write lock, so nothing is added."""
    return " FOR UPDATE SKIP LOCKED" if is_postgres(conn) else ""


def change_marker(conn: Any) -> tuple[Any, ...]:
    """A value that changes whenever anything is written to the workspace, by this connection or another."""
    if is_postgres(conn):
        return (conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0],)
    return conn.total_changes, int(conn.execute("PRAGMA data_version").fetchone()[0])


@contextmanager
def bulk_settings(conn: Any, cache_mib: int) -> Iterator[None]:
    """Connection settings for one big import transaction, restored afterwards (SQLite: a large page cache and
    in-memory temp tables; the server's settings are the server administrator's)."""
    if is_postgres(conn):
        yield
        return
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    old_temp = conn.execute("PRAGMA temp_store").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-int(cache_mib) * 1024:d}")
    conn.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(old_cache):d}")
        conn.execute(f"PRAGMA temp_store = {int(old_temp):d}")


@contextmanager
def lock_wait(conn: Any, wait_ms: int) -> Iterator[None]:
    """Wait at most ``wait_ms`` for another writer's locks inside the block (never longer than already set)."""
    if is_postgres(conn):
        conn.execute(f"SET lock_timeout = {int(wait_ms):d}")
        try:
            yield
        finally:
            conn.execute("RESET lock_timeout")
        return
    previous = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    conn.execute(f"PRAGMA busy_timeout = {min(previous, wait_ms):d}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout = {previous:d}")


_SQLITE_CANNOT_WRITE = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY)
# lock_not_available, insufficient_privilege (a role that only reads), read_only_sql_transaction (a standby)
_PG_CANNOT_WRITE = ("55P03", "42501", "25006")


def cannot_write(exc: sqlite3.Error) -> bool:
    """Was the write refused only because the workspace cannot be written now (locked, read-only, no right)?"""
    state = getattr(exc, "sqlstate", None)
    if state is not None:
        return state in _PG_CANNOT_WRITE
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_CANNOT_WRITE
