"""The server's numbered migrations (``schemas/migrations/postgresql``), tracked in ``bwvtool_migrations``.

They carry the same numbers and names as the SQLite ones, so a workspace has one schema version on either engine.
Each runs in its own transaction (PostgreSQL's DDL is transactional) under an advisory lock, so two programs
opening an old workspace at once apply each migration once.
"""

from __future__ import annotations

from bwvtool.store import migrations as sqlite_migrations
from bwvtool.store.migrations import Migration
from bwvtool.store.postgres.connection import PgConnection
from bwvtool.timeutil import utc_now

FOLDER = "migrations/postgresql"
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('bwvtool.migrate'))"


def available() -> list[Migration]:
    """The server migrations; each must match a SQLite migration's number and name."""
    found = sqlite_migrations.available(FOLDER)
    expected = [m.name for m in sqlite_migrations.available()]
    if [m.name for m in found] != expected:
        raise RuntimeError(f"server migrations {[m.name for m in found]} do not match {expected}")
    return found


def current_version(conn: PgConnection) -> int:
    if conn.execute("SELECT to_regclass('bwvtool_migrations')").fetchone()[0] is None:
        return 0
    return int(conn.execute("SELECT coalesce(max(number), 0) FROM bwvtool_migrations").fetchone()[0])


def pending(conn: PgConnection) -> list[Migration]:
    version = current_version(conn)
    return [m for m in available() if m.number > version]


def apply_pending(conn: PgConnection) -> list[Migration]:
    """Apply each pending migration in its own transaction, recording it inside that transaction."""
    applied = []
    for migration in pending(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_LOCK)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS bwvtool_migrations"
                " (number BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            conn.execute("GRANT SELECT ON bwvtool_migrations TO PUBLIC")
            if current_version(conn) < migration.number:  # not applied by another program meanwhile
                conn.raw.execute(migration.sql)  # a whole script: psycopg sends it unparsed
                conn.execute(
                    "INSERT INTO bwvtool_migrations (number, name, applied_at) VALUES (?, ?, ?)",
                    (migration.number, migration.name, utc_now()),
                )
                applied.append(migration)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.forget_schema()
    return applied
