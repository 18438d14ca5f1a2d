"""Moving a workspace between engines: SQLite file → PostgreSQL database and back, every row as it was.

The copy keeps every id, hash and timestamp. It refuses a destination that already holds anything, checks the
source's audit chain before it starts, writes the destination in one transaction, and afterwards compares row
counts table by table and the audit chain's length and last hash on both sides. On a server the audit trigger
recomputes each row's chain links as it arrives: equal links are the proof that nothing changed on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool.errors import StoreError
from bwvtool.store import audit, dialect
from bwvtool.store.workspace import Workspace

_BATCH = 5_000
# Bookkeeping that each engine keeps its own way, and the column snapshot (a cache keyed by each engine's own
# row numbers, rebuilt on the first draw): never copied as rows.
_SKIP = {"bwvtool_migrations", "catalogue_state", "clip_rowids", "column_snapshot", "snapshot_changes"}


@dataclass
class CopyReport:
    source: str
    dest: str
    tables: dict[str, int] = field(default_factory=dict)
    audit_rows: int = 0
    last_hash: str = audit.GENESIS

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dest": self.dest,
            "tables": self.tables,
            "audit_rows": self.audit_rows,
            "last_hash": self.last_hash,
        }


def tables(conn: Any) -> list[str]:
    """The workspace's tables, each after the tables its foreign keys point to."""
    if dialect.is_postgres(conn):
        names = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )]  # fmt: skip
        links = conn.execute(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
            " WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"
        ).fetchall()
    else:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        ).fetchall()
        # Search indexes (virtual tables and their shadow tables) are rebuilt from their content, not copied.
        virtual = [name for name, text in rows if text.upper().startswith("CREATE VIRTUAL TABLE")]
        names = [name for name, _ in rows if not any(name.startswith(v) for v in virtual)]
        links = [(t, r[2]) for t in names for r in conn.execute(f"PRAGMA foreign_key_list({_quoted(t)})")]
    needs = {name: {parent for child, parent in links if child == name and parent != name} for name in names}
    ordered: list[str] = []
    while needs:
        ready = sorted(name for name, parents in needs.items() if not parents - set(ordered))
        if not ready:
            raise StoreError(f"tables refer to each other in a circle: {sorted(needs)}")
        ordered += ready
        for name in ready:
            del needs[name]
    return [name for name in ordered if name not in _SKIP]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn: Any, table: str) -> list[str]:
    cursor = conn.execute(f"SELECT * FROM {_quoted(table)} LIMIT 0")  # names come from the schema itself
    return [d[0] for d in cursor.description]


def _order(conn: Any, table: str, columns: list[str]) -> str:
    """A total order for reading ``table``: its id, else its primary key, else every column."""
    if "id" in columns:
        return "id"
    if dialect.is_postgres(conn):
        keys = [r[0] for r in conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY a.attnum",
            (table,),
        )]  # fmt: skip
    else:
        info = conn.execute(f"PRAGMA table_info({_quoted(table)})").fetchall()
        keys = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
    return ", ".join(_quoted(k) for k in (keys or columns))


def _is_empty(ws: Workspace) -> bool:
    return all(
        ws.conn.execute(f"SELECT count(*) FROM {_quoted(t)}").fetchone()[0] == 0 for t in tables(ws.conn)
    )


def copy_into(source: Workspace, dest: Workspace) -> CopyReport:
    """Copy every row of ``source`` into the empty workspace ``dest`` (both at the same schema version)."""
    if source.schema_version != dest.schema_version:
        raise StoreError(
            f"schema versions differ ({source.schema_version} and {dest.schema_version}); open both with this bwvtool"
        )
    if not _is_empty(dest):
        raise StoreError(f"{dest.path} already holds a workspace; copy into a new, empty one")
    chain = source.verify_audit()
    if not chain.ok:
        raise StoreError(f"the source's audit chain is broken at row {chain.first_broken_id}; nothing copied")
    src, dst = source.conn, dest.conn
    names = tables(src)
    if set(names) != set(tables(dst)):
        raise StoreError(f"the two workspaces have different tables: {sorted(set(names) ^ set(tables(dst)))}")
    report = CopyReport(str(source.path), str(dest.path))
    src.execute("BEGIN DEFERRED")  # one consistent read of the source
    try:
        dst.execute("BEGIN IMMEDIATE")
        try:
            state = _catalogue_state(src)
            if "tracking" in state:  # the copied clips are not changes to log for a snapshot
                dst.execute("UPDATE catalogue_state SET tracking = 0 WHERE id = 1")
            for table in names:
                report.tables[table] = _copy_table(src, dst, table)
            settings = ", ".join(f"{_quoted(c)} = ?" for c in state)
            dst.execute(f"UPDATE catalogue_state SET {settings} WHERE id = 1", tuple(state.values()))
            if dialect.is_postgres(dst):
                _advance_sequences(dst, names)
            else:
                _rebuild_search(dst)
            dst.execute("COMMIT")
        except BaseException:
            if dst.in_transaction:
                dst.execute("ROLLBACK")
            raise
    finally:
        src.execute("COMMIT")
    _check(source, dest, report)
    return report


def _catalogue_state(conn: Any) -> dict[str, Any]:
    """The catalogue state to give the copy: the source's, with no column snapshot stamped or stored."""
    cursor = conn.execute("SELECT * FROM catalogue_state WHERE id = 1")
    state = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
    state.pop("id")
    state["stamped"] = 0
    if "snapshot_seq" in state:
        state["snapshot_seq"] = None
    return state


def _copy_table(src: Any, dst: Any, table: str) -> int:
    columns = _columns(src, table)
    if columns != _columns(dst, table):
        raise StoreError(f"table {table} has different columns on the two sides")
    names = ", ".join(_quoted(c) for c in columns)
    # A row may point at a later row of its own table (events.caused_by): links are set after all rows exist.
    self_links = [c for c in columns if table == "events" and c == "caused_by"]
    insert_columns = [c for c in columns if c not in self_links]
    insert = (
        f"INSERT INTO {_quoted(table)} ({', '.join(_quoted(c) for c in insert_columns)})"
        f" VALUES ({', '.join('?' * len(insert_columns))})"
    )
    keep = [i for i, c in enumerate(columns) if c not in self_links]
    cursor = src.execute(f"SELECT {names} FROM {_quoted(table)} ORDER BY {_order(src, table, columns)}")
    copied, links = 0, []
    while batch := cursor.fetchmany(_BATCH):
        dst.executemany(insert, [tuple(row[i] for i in keep) for row in batch])
        if self_links:
            links += [
                (row[columns.index("caused_by")], row[0]) for row in batch if row[columns.index("caused_by")]
            ]
        copied += len(batch)
    if links:
        dst.executemany("UPDATE events SET caused_by = ? WHERE id = ?", links)
    return copied


def _rebuild_search(conn: Any) -> None:
    """Full-text indexes over external content are rebuilt from the copied rows (FTS5's 'rebuild' command)."""
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
    ).fetchall():
        conn.execute(f"INSERT INTO {_quoted(name)} ({_quoted(name)}) VALUES ('rebuild')")


def _advance_sequences(conn: Any, names: list[str]) -> None:
    """Identity columns continue after the copied ids (explicit ids do not move a sequence)."""
    for table in names:
        if "id" not in _columns(conn, table):
            continue
        sequence = conn.execute("SELECT pg_get_serial_sequence(?, 'id')", (table,)).fetchone()[0]
        if sequence and table != "audit_log":
            conn.execute(
                f"SELECT setval(?, (SELECT coalesce(max(id), 0) + 1 FROM {_quoted(table)}), false)",
                (sequence,),
            )


def _check(source: Workspace, dest: Workspace, report: CopyReport) -> None:
    for table, expected in report.tables.items():
        found = dest.conn.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchone()[0]
        if found != expected:
            raise StoreError(f"{table}: copied {expected} rows but {dest.path} holds {found}")
    before, after = source.verify_audit(), dest.verify_audit()
    if not after.ok or after.rows != before.rows:
        raise StoreError(f"the audit chain of {dest.path} does not match the source's ({after.reason})")
    last = audit.last_hash(dest.conn)
    if last != audit.last_hash(source.conn):
        raise StoreError(f"the audit chain of {dest.path} ends on another hash than the source's")
    report.audit_rows, report.last_hash = after.rows, last


def copy_workspace(source: Workspace, dest: str | Path) -> CopyReport:
    """Copy ``source`` into a new workspace at ``dest`` (a SQLite file that must not exist, or a server
    database that holds no workspace yet)."""
    from bwvtool.store.postgres import is_server_location
    from bwvtool.store.postgres import open_workspace as open_server
    from bwvtool.store.workspace import open_workspace_here

    if is_server_location(dest):
        from bwvtool.store.postgres.workspace import create_database

        create_database(str(dest))
        target = open_server(str(dest), create=True)
    else:
        dest = Path(dest)
        if dest.exists():
            raise StoreError(f"{dest} already exists; choose a new file")
        target = open_workspace_here(dest, create=True)
    try:
        report = copy_into(source, target)
    except BaseException:
        target.close()
        if isinstance(dest, Path):
            for leftover in (dest, Path(f"{dest}-wal"), Path(f"{dest}-shm")):
                leftover.unlink(missing_ok=True)
        raise
    target.close()
    return report
