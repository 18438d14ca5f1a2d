"""Row versions of events and reviews: an edit names the version it read, and a stale one writes nothing.

Every change of an event or review row raises its ``version`` by one and records ``updated_by``/``updated_at``
(migration 0014). The UPDATE or DELETE carries ``AND version = ?``; when it touches no row, the row changed since
it was read (on PostgreSQL a concurrent change waits for the first to commit, then fails the same condition), and
:func:`changed_elsewhere` says by whom and when. Never a silent overwrite.
"""

from __future__ import annotations

import sqlite3

from bwvtool.errors import ChangedElsewhere
from bwvtool.store.workspace import Transaction

Queryable = sqlite3.Connection | Transaction


def changed_elsewhere(conn: Queryable, what: str, table: str, where: str, params: tuple) -> ChangedElsewhere:
    """The error for ``what`` (e.g. "event 12"), its row in ``table`` found by ``where``: who last changed it
    and when, or that it is gone. ``table``/``where`` are constants of the store, never user text."""
    row = conn.execute(f"SELECT updated_by, updated_at FROM {table} WHERE {where}", params).fetchone()
    if row is None:
        return ChangedElsewhere(f"{what} was deleted by someone else meanwhile")
    who, at = row
    when = f" at {at[11:16]} UTC" if at and len(at) >= 16 else ""
    return ChangedElsewhere(f"{what} was changed by {who or 'someone else'}{when}")
