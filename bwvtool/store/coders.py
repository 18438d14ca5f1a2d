"""SQL for the people who code: who exists in the workspace, and in which role."""

from __future__ import annotations

import json
import sqlite3

from bwvtool.store.workspace import Transaction

Queryable = sqlite3.Connection | Transaction

ROLES = ("reviewer", "researcher", "supervisor", "admin")


def listed(conn: Queryable, *, active_only: bool = False) -> list[dict[str, object]]:
    """Every coder (or only those not deactivated): name, role, since when, and whether active; by name."""
    where = " WHERE active = 1" if active_only else ""
    rows = conn.execute(f"SELECT name, role, created_at, active FROM coders{where} ORDER BY name").fetchall()
    return [
        {"name": name, "role": role, "since": created_at, "active": bool(active)}
        for name, role, created_at, active in rows
    ]


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


def exists(conn: Queryable, name: str) -> bool:
    return conn.execute("SELECT 1 FROM coders WHERE name = ?", (name,)).fetchone() is not None


def is_active(conn: Queryable, name: str) -> bool | None:
    """True or False for a coder of the workspace; None when there is no such coder."""
    row = conn.execute("SELECT active FROM coders WHERE name = ?", (name,)).fetchone()
    return None if row is None else bool(row[0])


def rename(tx: Transaction, old: str, new: str) -> None:
    """Give coder ``old`` the name ``new``: same coder (id), so their events, reviews and assignments follow."""
    tx.execute("UPDATE coders SET name = ? WHERE name = ?", (new, old))


def set_active(tx: Transaction, name: str, active: bool) -> None:
    tx.execute("UPDATE coders SET active = ? WHERE name = ?", (1 if active else 0, name))


def names_of(conn: Queryable, name: str) -> set[str]:
    """``name`` and every name the same coder had before (from the audited renames): what older records —
    a sample's ``drawn_by``, the audit log — call them."""
    renames = conn.execute(
        "SELECT entity_id, detail FROM audit_log WHERE action = 'coder.rename' ORDER BY id DESC"
    ).fetchall()
    names = {name}
    for _entity, detail in renames:
        change = json.loads(detail)
        if change.get("to") in names:
            names.add(change["from"])
    return names
