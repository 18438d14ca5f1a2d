"""The workspace store: the only place in bwvtool that holds SQL.

One SQLite file in WAL mode with foreign keys, numbered migrations and an append-only, hash-chained audit log.
Every user action runs in :meth:`Workspace.transaction`, which writes its audit rows in the same transaction.
"""

from bwvtool.store.workspace import Transaction, Workspace, open_workspace

__all__ = ["Transaction", "Workspace", "open_workspace"]
