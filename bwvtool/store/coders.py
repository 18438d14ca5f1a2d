"""SQL for the people who code: who exists in the workspace, and in which role."""

from __future__ import annotations

import sqlite3

from bwvtool.store.workspace import Transaction

Queryable = sqlite3.Connection | Transaction

ROLES = ("reviewer", "researcher", "supervisor", "admin")


def listed(conn: Queryable) -> list[dict[str, str]]:
    """Every coder: name, role and since when, by name."""
    rows = conn.execute("SELECT name, role, created_at FROM coders ORDER BY name").fetchall()
    return [{"name": name, "role": role, "since": created_at} for name, role, created_at in rows]


def role_of(conn: Queryable, name: str) -> str | None:
    row = conn.execute("SELECT role FROM coders WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def set_role(tx: Transaction, name: str, role: str) -> bool:
    """Give an existing coder ``role``; False when there is no such coder."""
    return tx.execute("UPDATE coders SET role = ? WHERE name = ?", (role, name)).rowcount == 1


def named(conn: Queryable, coder_ids: list[int]) -> list[dict[str, object]]:
    """id and name of the given coders."""
    if not coder_ids:
        return []
    marks = ", ".join("?" * len(coder_ids))  # one '?' per id, no user text in the SQL
    rows = conn.execute(f"SELECT id, name FROM coders WHERE id IN ({marks})", coder_ids).fetchall()
    return [{"id": int(i), "name": name} for i, name in rows]
