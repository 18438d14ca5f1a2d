"""Numbered SQL migrations shipped in ``schemas/migrations``, applied in order and tracked by ``user_version``."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from bwvtool import resources

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


def available(folder: str = "migrations") -> list[Migration]:
    """All shipped migrations in ``folder`` (``migrations/postgresql`` holds the server's), in order; numbers
    must run 1, 2, 3 … without gaps."""
    found = []
    for name in resources.list_dir(folder):
        match = _NAME.match(name)
        if match:
            found.append(Migration(int(match.group(1)), name, resources.read_text(f"{folder}/{name}")))
    for expected, migration in enumerate(found, start=1):
        if migration.number != expected:
            raise RuntimeError(f"migration numbering has a gap at {migration.name}")
    return found


def current_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def pending(conn: sqlite3.Connection) -> list[Migration]:
    """Migrations not yet applied to this database (read-only)."""
    version = current_version(conn)
    return [m for m in available() if m.number > version]


def apply_pending(conn: sqlite3.Connection) -> list[Migration]:
    """Apply each pending migration in its own transaction, bumping ``user_version`` inside it."""
    applied = []
    for migration in pending(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # executescript would commit the open transaction first; run statement by statement instead.
            for statement in _statements(migration.sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.number:d}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration)
    return applied


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements (triggers contain inner semicolons)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
