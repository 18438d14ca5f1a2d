"""Opening a workspace file, its connection settings, and the transaction every user action runs in."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bwvtool import identity
from bwvtool.errors import ConnectionLost, NotSaved, StoreError, WorkspaceBusy
from bwvtool.store import audit, migrations, steps
from bwvtool.store import postgres as server
from bwvtool.store.filesystems import check_local_filesystem
from bwvtool.timeutil import utc_now

BUSY_TIMEOUT_MS = 15_000


class Transaction:
    """One user action: its writes and its audit rows commit together or not at all."""

    def __init__(self, conn: sqlite3.Connection, actor: str, at: str) -> None:
        self.conn = conn
        self.actor = actor
        self.at = at
        self.memo: dict[Any, Any] = {}  # facts this transaction has read that cannot change before it ends

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def audit(
        self, action: str, entity: str, entity_id: str | None = None, detail: dict | None = None
    ) -> None:
        """Append the audit row of this action (on a server it travels with the next statement or the COMMIT)."""
        self._append(action, entity, entity_id, detail, need_id=False)

    def audit_returning_id(
        self, action: str, entity: str, entity_id: str | None = None, detail: dict | None = None
    ) -> int:
        """:meth:`audit`, for a caller that needs the row's id (sent at once)."""
        row_id = self._append(action, entity, entity_id, detail, need_id=True)
        assert row_id is not None
        return row_id

    def _append(
        self, action: str, entity: str, entity_id: str | None, detail: dict | None, *, need_id: bool
    ) -> int | None:
        return audit.append(
            self.conn, at=self.at, actor=self.actor, action=action, entity=entity, entity_id=entity_id,
            detail=detail, need_id=need_id,
        )  # fmt: skip


class Workspace:
    """An open workspace. Use :func:`open_workspace` to get one."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    @property
    def db(self):  # -> sqlite_utils.Database
        """sqlite-utils' view of the same connection, for introspection (imported lazily: it pulls in pandas)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return migrations.current_version(self.conn)

    # -- running work where the connection lives ---------------------------------------------------------------
    def call(self, fn: Callable[..., Any], *args: Any, busy_ms: int | None = None, **kwargs: Any) -> Any:
        """Run the module-level ``fn(self, *args, **kwargs)`` next to the connection and return its result.

        Here that is a plain call; for the app's workspace (:mod:`bwvtool.store.remote`) it is one round trip
        to the worker process, so a whole user action costs one message. ``busy_ms`` bounds how long this call
        waits for another program's write lock before raising :class:`~bwvtool.errors.WorkspaceBusy`.
        """
        if busy_ms is not None:
            self.set_busy_timeout(busy_ms)
        try:
            return fn(self, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            if isinstance(exc, ConnectionLost):  # the server rolled the change back: safe to try again
                # One plain clause says what broke (lost, cannot be reached): the caller says "not saved" and
                # whether it tries again; the driver's technical text travels as the detail, not in the line.
                reason = str(exc).split("; this change was not saved")[0]
                raise NotSaved(reason, detail=getattr(exc, "detail", "")) from exc
            if busy_ms is None or not _is_lock_wait(exc):
                raise
            holder = self.busy_holder()
            raise WorkspaceBusy(
                f"busy: {holder}" if holder else f"busy: another program is writing to {self.path.name}"
            ) from exc
        finally:
            if busy_ms is not None:
                self.set_busy_timeout(None)

    def call_ahead(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
        """Start ``fn(self, *args, **kwargs)`` and return a function that returns its result. Here it runs at once
        (one connection); the app's workspace runs it in its worker process on a connection of its own while the
        app goes on with other work (:meth:`bwvtool.store.remote.RemoteWorkspace.call_ahead`)."""
        result = self.call(fn, *args, **kwargs)
        return lambda: result

    def set_busy_timeout(self, ms: int | None) -> None:
        """How long a statement waits for another program's lock (``None``: the workspace default)."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS if ms is None else ms):d}")

    def data_version(self) -> int:
        """A number that changes whenever another connection commits (SQLite's ``data_version``)."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def busy_holder(self) -> str | None:
        """Who says they hold the workspace for a long job ("catalogue import by ana since 10:42"), if anyone."""
        try:
            from bwvtool.store import leases
        except ImportError:  # leases arrive with the staged import
            return None
        return leases.describe_holder(self.conn)

    # -- writing -----------------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, actor: str | None = None) -> Iterator[Transaction]:
        """BEGIN IMMEDIATE … COMMIT, so concurrent writers queue on the busy timeout instead of failing late."""
        if self.conn.in_transaction:
            raise StoreError("a transaction is already open on this workspace")
        # The outer try: an exception between BEGIN and the body (a Ctrl+C raised as BEGIN returns from waiting for
        # the lock) or from COMMIT itself must not leave the connection inside a transaction, where every later
        # one, a job's rollback of its committed steps included, would be refused.
        try:
            with steps.announced(self):  # a long job pacing its steps lets this writer in first
                self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self.conn, identity.current_user(actor), utc_now())
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def coder_id(self, tx: Transaction, name: str, role: str = "reviewer") -> int:
        """The id of coder ``name``, registering the coder (audited) on first use."""
        row = tx.execute("SELECT id FROM coders WHERE name = ?", (name,)).fetchone()
        if row:
            return int(row[0])
        cursor = tx.execute(
            "INSERT INTO coders (name, role, created_at) VALUES (?, ?, ?)", (name, role, tx.at)
        )
        tx.audit("coder.register", "coder", name, {"role": role})
        return int(cursor.lastrowid)

    def login(self) -> str | None:
        """Who the workspace itself signed this connection in as: None for a file, which anyone who can open it
        opens under whatever name they give (``--user``, or the app asks); a team server's login otherwise."""
        return None

    def team_role(self) -> str | None:
        """The team role this connection's login holds (reviewer, researcher, supervisor or admin): None on a file,
        where there are no roles; on a server, see :meth:`ServerWorkspace.team_role`."""
        return None

    def acts_for_others(self) -> bool:
        """Whether this connection may write audit rows in other people's names: never on a file (the name given
        is the only one); on a server, see :meth:`ServerWorkspace.acts_for_others`."""
        return False

    def find_coder(self, name: str) -> int | None:
        """The id of coder ``name``, or None if they have never acted here (reads only)."""
        row = self.conn.execute("SELECT id FROM coders WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    # -- reading and maintenance ---------------------------------------------------------------------------
    def integrity_check(self) -> list[str]:
        """SQLite's own integrity check plus foreign keys; empty when all is well."""
        problems = [row[0] for row in self.conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [f"foreign key: {row}" for row in self.conn.execute("PRAGMA foreign_key_check")]
        return problems

    def verify_audit(self) -> audit.ChainReport:
        return audit.verify(self.conn)

    def backup(self, dest: Path) -> None:
        """A consistent copy through SQLite's online backup API, safe while others write."""
        dest = Path(dest)
        if dest.exists():
            raise StoreError(f"{dest} already exists; choose a new backup file")
        dest.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(dest)
        try:
            self.conn.backup(target)
        finally:
            target.close()

    def counts(self) -> dict[str, int]:
        tables = (
            "clips",
            "incidents",
            "samples",
            "assignments",
            "coders",
            "codebooks",
            "events",
            "audit_log",
        )
        return {t: self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the workspace's settings. Autocommit mode: transactions are explicit."""
    conn = sqlite3.connect(
        path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _is_lock_wait(exc: sqlite3.OperationalError) -> bool:
    """SQLite's "database is locked", or PostgreSQL's lock timeout (SQLSTATE 55P03)."""
    return "locked" in str(exc) or getattr(exc, "sqlstate", None) == "55P03"


_through_worker = False


def use_worker_process(enabled: bool = True) -> None:
    """From now on, :func:`open_workspace` in this process hands the file to a worker process.

    The app calls this before it opens anything: its own libraries may open and close the workspace's files,
    which on POSIX silently drops every SQLite lock this process holds (see :mod:`bwvtool.store.worker`).
    """
    global _through_worker
    _through_worker = enabled


def open_workspace(path: str | Path, *, create: bool = False, migrate: bool = True) -> Workspace:
    """Open (or, with ``create``, make) the workspace at ``path`` and bring its schema up to date."""
    if server.is_server_location(path):  # a PostgreSQL URL or service: no file, no worker process needed
        return server.open_workspace(str(path), create=create, migrate=migrate)
    if _through_worker:
        from bwvtool.store.remote import open_remote

        _check_path(Path(path), create)
        return open_remote(Path(path), create=create, migrate=migrate)
    return open_workspace_here(path, create=create, migrate=migrate)


def _check_path(path: Path, create: bool) -> None:
    if not path.exists() and not create:
        raise StoreError(f"no workspace at {path} (run 'bwvtool init' or pass --db)")
    if path.exists() and path.is_dir():
        raise StoreError(f"{path} is a folder, not a workspace file")
    check_local_filesystem(path)  # SQLite's WAL is not safe on NFS/SMB: a team shares through the server


def open_workspace_here(path: str | Path, *, create: bool = False, migrate: bool = True) -> Workspace:
    """Open the workspace with a SQLite connection in this process (the CLI and the worker do)."""
    path = Path(path)
    _check_path(path, create)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = connect(path)
        version = migrations.current_version(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a bwvtool workspace ({exc})") from exc
    newest = len(migrations.available())
    if version > newest:
        conn.close()
        raise StoreError(f"{path} has schema {version}, newer than this bwvtool ({newest}); upgrade bwvtool")
    if migrate and version < newest:
        migrations.apply_pending(conn)
    return Workspace(path, conn)
