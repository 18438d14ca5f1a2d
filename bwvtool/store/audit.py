"""The append-only, hash-chained audit log.

Each row stores ``prev_hash`` (the previous row's hash) and ``hash = sha256(prev_hash + content)`` where the
content is the canonical JSON of ``[at, actor, action, entity, entity_id, detail]``. Changing, removing or
reordering any row breaks the chain at that row; triggers refuse UPDATE and DELETE outright.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from bwvtool.store import dialect

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(
    prev_hash: str, at: str, actor: str, action: str, entity: str, entity_id: str | None, detail: str
) -> str:
    content = canonical_json([at, actor, action, entity, entity_id, detail])
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def last_id(conn: sqlite3.Connection) -> int:
    """The newest audit row's id (0: none). Every user action appends one, in the transaction that does the
    work, so when this number moves someone's work has been committed: the app polls it to show other people's
    progress (one index lookup, the same on both engines and readable by every team role)."""
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0])


def changed_since(conn: sqlite3.Connection, after_id: int, *prefixes: str) -> bool:
    """Whether an audit row newer than ``after_id`` has an action starting with one of ``prefixes`` (e.g.
    ``"catalogue."``): reads only the rows after ``after_id``, so an app can poll it cheaply to follow one kind of
    work done elsewhere."""
    actions = " OR ".join("action LIKE ?" for _ in prefixes)
    row = conn.execute(
        f"SELECT 1 FROM audit_log WHERE id > ? AND ({actions}) LIMIT 1",  # noqa: S608 (placeholders only)
        (after_id, *(f"{prefix}%" for prefix in prefixes)),
    ).fetchone()
    return row is not None


def last_hash(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else GENESIS


def append(
    conn: sqlite3.Connection,
    *,
    at: str,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    detail: dict[str, Any] | None = None,
    need_id: bool = True,
) -> int | None:
    """Append one audit row; call inside the transaction that makes the change it records.

    On a server the database links the row itself (its trigger, under the chain's lock): the links are left to it,
    and unless its id is wanted (``need_id``) the row is sent with the transaction's next statement or its
    COMMIT, in one round trip, so the chain's lock is never held while this client works (None is returned).
    """
    detail_text = canonical_json(detail or {})
    if dialect.is_postgres(conn):
        prev = digest = None
    else:
        prev = last_hash(conn)
        digest = row_hash(prev, at, actor, action, entity, entity_id, detail_text)
    sql = (
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    params = (at, actor, action, entity, entity_id, detail_text, prev, digest)
    if not need_id and dialect.is_postgres(conn):
        dialect.defer(conn, sql, params)
        return None
    return int(conn.execute(sql, params).lastrowid)


# An append rehearsed (see bwvtool.store.events.ready_to_code): on a server a row with a negative id runs the chain's
# trigger as a real append does but takes no lock and no number, and is not inserted (migration 0017).
REHEARSAL = (
    "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, detail, prev_hash, hash)"
    " VALUES (-pg_backend_pid(), '', session_user, 'event.add', 'event', NULL, '{}', NULL, NULL)",
    (),
)


@dataclass(frozen=True)
class ChainReport:
    rows: int
    ok: bool
    first_broken_id: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "ok": self.ok,
            "first_broken_id": self.first_broken_id,
            "reason": self.reason,
        }


def verify(conn: sqlite3.Connection) -> ChainReport:
    """Walk the chain from the start; report the first row whose links or content do not match."""
    expected_prev = GENESIS
    count = 0
    cursor = conn.execute(
        "SELECT id, at, actor, action, entity, entity_id, detail, prev_hash, hash FROM audit_log ORDER BY id"
    )
    for row_id, at, actor, action, entity, entity_id, detail, prev, digest in cursor:
        count += 1
        if prev != expected_prev:
            return ChainReport(count, False, row_id, "prev_hash does not match the previous row's hash")
        if row_hash(prev, at, actor, action, entity, entity_id, detail) != digest:
            return ChainReport(count, False, row_id, "content does not match its hash")
        expected_prev = digest
    return ChainReport(count, True)


def recent(conn: sqlite3.Connection, limit: int = 50, entity: str | None = None) -> list[dict[str, Any]]:
    """The newest audit rows, newest first."""
    sql = "SELECT id, at, actor, action, entity, entity_id, detail FROM audit_log"
    params: list[Any] = []
    if entity:
        sql += " WHERE entity = ?"
        params.append(entity)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = conn.execute(sql, params).fetchall()
    keys = ("id", "at", "actor", "action", "entity", "entity_id", "detail")
    return [dict(zip(keys, row, strict=True)) | {"detail": json.loads(row[6])} for row in rows]
