"""SQL behind the audit anchors: the workspace's identity, the chain's head, and acknowledged losses.

The anchor files themselves (outside the workspace) are :mod:`bwvtool.anchors`' business; this module only
reads and writes the workspace.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from bwvtool.errors import StoreError
from bwvtool.store.audit import GENESIS
from bwvtool.store.workspace import Transaction

Queryable = sqlite3.Connection | Transaction

# The audit action that records a loss the user has looked at and accepted (a backup restored on purpose).
LOSS_ACKNOWLEDGED = "audit.loss_acknowledged"


def workspace_id(conn: Queryable) -> str | None:
    """The workspace's UUID, or None while no anchor has ever been recorded for it."""
    try:
        row = conn.execute("SELECT uuid FROM workspace_identity WHERE id = 1").fetchone()
    except sqlite3.OperationalError as exc:
        # Only a workspace made by a development build that ran 0006 while it was an empty placeholder.
        raise StoreError(f"this workspace has no identity table ({exc}); make a new workspace") from None
    return row[0] if row else None


def ensure_workspace_id(tx: Transaction) -> str:
    """The workspace's UUID, created (once, audited) if it has none yet."""
    found = workspace_id(tx)
    if found is not None:
        return found
    made = uuid.uuid4().hex
    tx.execute(
        "INSERT INTO workspace_identity (id, uuid, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
        (made, tx.at),
    )
    tx.audit("workspace.identity", "workspace", made, {})
    return made


def head(conn: Queryable) -> tuple[int, str]:
    """(id, hash) of the newest audit row; (0, the genesis hash) for an empty log."""
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return (int(row[0]), row[1]) if row else (0, GENESIS)


def hash_at(conn: Queryable, row_id: int) -> str | None:
    """The hash of audit row ``row_id``, or None if the log has no such row."""
    if row_id == 0:
        return GENESIS
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", (row_id,)).fetchone()
    return row[0] if row else None


def acknowledged(conn: Queryable) -> set[tuple[int, str]]:
    """(row id, hash) of every anchor whose loss was acknowledged in this workspace."""
    rows = conn.execute("SELECT detail FROM audit_log WHERE action = ?", (LOSS_ACKNOWLEDGED,))
    found: set[tuple[int, str]] = set()
    for (detail,) in rows:
        for anchor in json.loads(detail).get("anchors", []):
            found.add((int(anchor["row_id"]), str(anchor["hash"])))
    return found


def acknowledge(tx: Transaction, anchors: list[dict[str, Any]], reason: str) -> int:
    """Record that the losses these anchors show were accepted; the audit row's id."""
    return tx.audit_returning_id(LOSS_ACKNOWLEDGED, "workspace", None, {"reason": reason, "anchors": anchors})
