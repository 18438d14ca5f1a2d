"""Opening a workspace on a PostgreSQL server, and creating its database."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from bwvtool.errors import StoreError
from bwvtool.store import audit
from bwvtool.store.coders import ROLES
from bwvtool.store.postgres import display, migrations
from bwvtool.store.postgres.connection import PgConnection, PgOperationalError, translate_error
from bwvtool.store.workspace import BUSY_TIMEOUT_MS, Workspace


class ServerLocation(str):
    """A server workspace's location as the rest of bwvtool reads a workspace path (its ``name`` is printable)."""

    @property
    def name(self) -> str:
        return display(self)

    @property
    def parent(self) -> Path:
        """Where relative media paths are found: beside a file workspace, the current folder for a server."""
        return Path(".")

    # What the app asks of a workspace file's path, answered for a server (its title, tooltips, suggestions).
    @property
    def stem(self) -> str:
        """The database's name (names suggested files, as a file workspace's stem does)."""
        import psycopg

        try:
            return psycopg.conninfo.conninfo_to_dict(str(self)).get("dbname") or "server"
        except psycopg.ProgrammingError:
            return "server"

    def resolve(self) -> ServerLocation:
        return self

    def with_name(self, name: str) -> Path:
        """A file called ``name`` in the current folder (a server has no folder of its own)."""
        return Path.cwd() / name


class ServerWorkspace(Workspace):
    """A workspace whose connection is a :class:`PgConnection`; the store's functions take it unchanged."""

    engine = "postgresql"

    def __init__(self, location: str, conn: PgConnection) -> None:
        super().__init__(ServerLocation(location), conn)  # type: ignore[arg-type]
        self._login: str | None = None

    def login(self) -> str:
        """The PostgreSQL login of this connection (``session_user``): one login per person, the name the audit
        log and row security know them by. It cannot change while the workspace is open (a reconnect uses the
        same connection string), so it is asked once."""
        if self._login is None:
            self._login = str(self.conn.execute("SELECT session_user").fetchone()[0])
        return self._login

    def team_role(self) -> str | None:
        """The team role (``bwvtool_<role>`` group) this login is a member of; None for a login in none (the
        server's administrator). Asked of the membership table itself: ``pg_has_role`` says a superuser is a
        member of every role."""
        row = self.conn.execute(
            "SELECT g.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid"
            " JOIN pg_roles m ON m.oid = a.member WHERE m.rolname = session_user AND g.rolname IN ("
            + ", ".join("?" for _ in ROLES)
            + ") ORDER BY g.rolname LIMIT 1",
            [f"bwvtool_{name}" for name in ROLES],
        ).fetchone()
        return row[0].removeprefix("bwvtool_") if row else None

    def acts_for_others(self) -> bool:
        """The server's own rule (its audit trigger, ``bwv_audit_chain``): a superuser, or a login in none of the
        team roles (the administrator who sets the server up), may record actions in other people's names; a
        team member only in their own."""
        row = self.conn.execute(
            "SELECT rolsuper OR NOT (pg_has_role(session_user, 'bwvtool_reviewer', 'MEMBER')"
            " OR pg_has_role(session_user, 'bwvtool_researcher', 'MEMBER')"
            " OR pg_has_role(session_user, 'bwvtool_supervisor', 'MEMBER')"
            " OR pg_has_role(session_user, 'bwvtool_admin', 'MEMBER'))"
            " FROM pg_roles WHERE rolname = session_user"
        ).fetchone()
        return bool(row and row[0])

    @property
    def db(self):  # noqa: ANN201 - sqlite-utils has no PostgreSQL view
        raise StoreError("this is a server workspace; sqlite-utils can only read SQLite files")

    @property
    def schema_version(self) -> int:
        return migrations.current_version(self.conn)

    def set_busy_timeout(self, ms: int | None) -> None:
        """How long a statement waits for another session's row or table lock."""
        self.conn.set_session("lock_timeout", BUSY_TIMEOUT_MS if ms is None else ms)

    def data_version(self) -> int:
        """Changes whenever anything is committed on the server (its write-ahead log moved on)."""
        lsn = self.conn.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn").fetchone()[0]
        return int(lsn)

    def integrity_check(self) -> list[str]:
        """Constraints the server does not currently enforce (PostgreSQL checks pages and keys itself)."""
        rows = self.conn.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint"
            " WHERE NOT convalidated AND connamespace = current_schema()::regnamespace"
        ).fetchall()
        return [f"constraint not validated: {table}.{name}" for table, name in rows]

    def verify_audit(self) -> audit.ChainReport:
        return audit.verify(self.conn)

    def backup(self, dest: Path) -> None:
        """A consistent copy into a new SQLite workspace file (for pg_dump-style backups use pg_dump)."""
        from bwvtool.store.postgres.copy import copy_workspace

        copy_workspace(self, Path(dest))


def open_server_workspace(location: str, *, create: bool = False, migrate: bool = True) -> ServerWorkspace:
    """Connect, check the schema version and bring it up to date (``create``: an empty database is fine)."""
    try:
        conn = PgConnection.connect(location)
    except PgOperationalError as exc:
        raise StoreError(f"cannot connect to {display(location)}: {exc}") from exc
    try:
        version = migrations.current_version(conn)
        newest = len(migrations.available())
        if version > newest:
            raise StoreError(
                f"{display(location)} has schema {version}, newer than this bwvtool ({newest}); upgrade bwvtool"
            )
        if version == 0 and not create:
            raise StoreError(f"no bwvtool workspace in {display(location)} (run 'bwvtool server init')")
        if migrate and version < newest:
            try:
                migrations.apply_pending(conn)
            except PgOperationalError as exc:
                raise StoreError(
                    f"{display(location)} has schema {version}, older than this bwvtool ({newest}), and this"
                    f" login cannot upgrade it ({exc}); ask the server's administrator to run 'bwvtool server init'"
                ) from exc
    except BaseException:
        conn.close()
        raise
    return ServerWorkspace(location, conn)


def create_database(location: str) -> bool:
    """Create the database ``location`` names, if it does not exist (UTF-8, C collation: text sorts and
    compares as in SQLite); True when it was created. Connects to the server's ``postgres`` database to do so."""
    params = psycopg.conninfo.conninfo_to_dict(location)
    dbname = params.get("dbname")
    if not dbname:
        raise StoreError(f"{display(location)} names no database")
    maintenance = psycopg.conninfo.make_conninfo(location, dbname="postgres")
    try:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
                return False
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
                ).format(sql.Identifier(dbname))
            )
    except psycopg.Error as exc:
        raise StoreError(f"cannot create database {dbname!r}: {translate_error(exc)}") from exc
    return True
