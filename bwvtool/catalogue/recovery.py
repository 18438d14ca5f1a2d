"""Undoing an import that did not finish, in short steps, from its journal.

An import applies its rows in many short transactions (see :mod:`bwvtool.catalogue.importer`). If it fails it
rolls itself back here; if its process is killed, the import stays ``applying`` with a lease whose process is
gone, and :func:`recover_interrupted` rolls it back the next time anyone imports, runs a ``bwvtool`` command or
opens the workspace. Every step is one short transaction and can be repeated, so a rollback that is itself killed
simply goes on the next time. The audit log keeps what happened: the import's own clip updates stay in the chain
and a ``catalogue.import.rollback`` row records the undoing.
"""

from __future__ import annotations

from typing import Any

from bwvtool import identity
from bwvtool.store import catalogue as store
from bwvtool.store import dialect, leases
from bwvtool.store.steps import Pacer
from bwvtool.store.workspace import Workspace

IMPORT_JOB = "catalogue import"  # the lease an import (or its rollback) holds: one at a time per workspace
_STEP_ROWS = 5_000


def interrupted_imports(ws: Workspace) -> list[dict[str, Any]]:
    """Imports left ``applying`` by a process that is gone; none for a login that may not read the import journal
    (a reviewer on a team server: it could not roll one back either, and is not sent a query it would be refused)."""
    if not dialect.may_read(ws.conn, "catalogue_imports"):
        return []
    return [row for row in store.applying_imports(ws.conn) if not leases.is_alive(ws.conn, row["lease_id"])]


def recover_interrupted(
    ws: Workspace, actor: str | None = None, *, leased: bool = False
) -> list[dict[str, Any]]:
    """Roll back every import that a dead process left half-applied; what was rolled back (usually nothing:
    one cheap query). Takes the import lease for the rollback (an import that runs already holds it: ``leased``),
    so two processes never undo the same import at once.

    :raises WorkspaceBusy: another import is running.
    """
    if not interrupted_imports(ws):
        return []
    lease_id = None if leased else leases.acquire(ws.conn, IMPORT_JOB, identity.current_user(actor))
    try:
        return [
            {"import_id": row["id"], "source_path": row["source_path"], **roll_back(ws, row["id"], actor)}
            for row in interrupted_imports(ws)
        ]
    finally:
        if lease_id is not None:
            leases.release(ws.conn, lease_id)


def roll_back(ws: Workspace, import_id: int, actor: str | None = None) -> dict[str, int]:
    """Undo import ``import_id`` from its journal in short steps: journaled clips restored, inserted clips and
    created incidents deleted, then marked ``rolled_back`` with an audit row. The snapshot's change log is off
    inside these steps: they put back exactly what the stored snapshot was built from."""
    pacer = Pacer()
    counts = {"restored": 0, "deleted": 0, "incidents_deleted": 0}
    restoring = True
    while restoring:  # one short transaction per step, until a step finds nothing left to restore
        restoring = _step(
            ws,
            pacer,
            actor,
            lambda tx: store.restore_clips_step(tx, import_id, _STEP_ROWS),
            counts,
            "restored",
        )
    for (
        key,
        delete,
        after,
    ) in (  # each scan's start: before the first row number, before the first incident id
        ("deleted", store.delete_inserted_step, 0),
        ("incidents_deleted", store.delete_created_incidents_step, ""),
    ):
        while True:
            with pacer.step(ws, actor) as tx:
                store.set_tracking(tx, False)
                found, after_next = delete(tx, import_id, after, _STEP_ROWS)
                store.set_tracking(tx, True)
            counts[key] += found
            if after_next == after:
                break
            after = after_next
    with pacer.step(ws, actor) as tx:
        store.set_import_state(tx, import_id, "rolled_back")
        tx.audit("catalogue.import.rollback", "catalogue_import", str(import_id), counts)
    return counts


def clear_journal(ws: Workspace, import_id: int, actor: str | None, pacer: Pacer | None = None) -> None:
    """Forget the journal of a finished import, in short steps."""
    pacer = pacer or Pacer()
    while True:
        with pacer.step(ws, actor) as tx:
            if not store.clear_journal_step(tx, import_id, _STEP_ROWS):
                return


def _step(
    ws: Workspace, pacer: Pacer, actor: str | None, action: Any, counts: dict[str, int], key: str
) -> bool:
    with pacer.step(ws, actor) as tx:
        store.set_tracking(tx, False)
        found = action(tx)
        store.set_tracking(tx, True)
    counts[key] += found
    return found > 0
