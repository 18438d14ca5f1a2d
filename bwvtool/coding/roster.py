"""The workspace's coders: added, renamed, deactivated and reactivated — each audited, none of it touching coding.

A coder is one row (one id) that their events, reviews and assignments point to, so a rename keeps all of it
with them; the audit log, append-only, keeps the name each action was taken under, and the rename's own audit row
links the two. A deactivated coder (left the unit, on long leave) keeps everything coded and every assignment,
but a draw hands them nothing new. The command line (``bwvtool coder``) and the app's Coders dialog call these.
"""

from __future__ import annotations

from typing import Any

from bwvtool.errors import UsageError
from bwvtool.store import Workspace
from bwvtool.store import coders as coder_rows


def roster(ws: Workspace) -> list[dict[str, Any]]:
    """Every coder: name, role, since when, and whether active."""
    return coder_rows.listed(ws.conn)


def add(ws: Workspace, names: list[str], role: str, actor: str | None = None) -> list[str]:
    """Add coders ``names`` (an existing one is given ``role``); the names as stored."""
    cleaned = [name.strip() for name in names]
    if not all(cleaned):
        raise UsageError("a coder's name cannot be empty")
    if role not in coder_rows.ROLES:
        raise UsageError(f"unknown role {role!r} (roles: {', '.join(coder_rows.ROLES)})")
    with ws.transaction(actor) as tx:
        for name in cleaned:
            ws.coder_id(tx, name, role)
            if coder_rows.role_of(tx, name) != role:
                coder_rows.set_role(tx, name, role)
                tx.audit("coder.role", "coder", name, {"role": role})
    return cleaned


def rename(ws: Workspace, old: str, new: str, actor: str | None = None) -> None:
    """Rename coder ``old`` to ``new``: their coding and assignments go with them.

    :raises UsageError: no coder ``old``, ``new`` is empty or already a coder.
    """
    new = new.strip()
    if not new:
        raise UsageError("a coder's new name cannot be empty")
    with ws.transaction(actor) as tx:
        if not coder_rows.exists(tx, old):
            raise UsageError(f"no coder {old!r} (see 'bwvtool coder list')")
        if new == old:
            return
        if coder_rows.exists(tx, new):
            raise UsageError(f"{new!r} is a coder already; choose another name")
        coder_rows.rename(tx, old, new)
        tx.audit("coder.rename", "coder", new, {"from": old, "to": new})


def set_active(ws: Workspace, name: str, active: bool, actor: str | None = None) -> bool:
    """Deactivate (``active=False``) or reactivate coder ``name``; False when they already were so (nothing done).

    :raises UsageError: no coder ``name``.
    """
    with ws.transaction(actor) as tx:
        now = coder_rows.is_active(tx, name)
        if now is None:
            raise UsageError(f"no coder {name!r} (see 'bwvtool coder list')")
        if now == active:
            return False
        coder_rows.set_active(tx, name, active)
        tx.audit("coder.reactivate" if active else "coder.deactivate", "coder", name, {})
    return True
