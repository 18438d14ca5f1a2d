"""Edits to a coder's events, each a small object that can apply itself and its inverse.

Undo never copies the event list (BORIS deep-copies it on every key press): a command remembers only the one
event or the fields it changes. :func:`run` executes a command in one audited transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bwvtool.coding.model import Event
from bwvtool.coding.rules import check_restorable, check_stored
from bwvtool.store import Transaction, Workspace
from bwvtool.store import events as event_rows
from bwvtool.store import incidents as incident_rows
from bwvtool.store.codebooks import lock_if_unlocked
from bwvtool.store.versions import changed_elsewhere


class Command(Protocol):
    label: str

    def apply(self, tx: Transaction) -> None: ...

    def revert(self, tx: Transaction) -> None: ...


@dataclass
class AddEvent:
    """Record a new event; its inverse deletes it. Redo re-inserts it under the same id."""

    event: Event
    label: str = "add event"

    def apply(self, tx: Transaction) -> None:
        check_stored(tx, self.event)
        lock_if_unlocked(tx, self.event.codebook_id)  # a codebook version in use never changes again
        self.event = event_rows.insert(tx, self.event)
        tx.audit("event.add", "event", str(self.event.id), _summary(self.event))

    def revert(self, tx: Transaction) -> None:
        event_rows.delete(tx, _id(self.event), self.event.version)
        tx.audit("event.delete", "event", str(self.event.id), {"undo": True, **_summary(self.event)})


@dataclass
class DeleteEvent:
    """Remove an event; its inverse restores the identical row (and, for an event coded on an incident's clock,
    its incident times, which the delete took with it)."""

    event: Event
    label: str = "delete event"
    incident: tuple[str, float, float | None] | None = None

    def apply(self, tx: Transaction) -> None:
        self.incident = incident_rows.link_of(tx, _id(self.event))
        event_rows.delete(tx, _id(self.event), self.event.version)
        tx.audit("event.delete", "event", str(self.event.id), _summary(self.event))

    def revert(self, tx: Transaction) -> None:
        check_restorable(tx, self.event)  # it must still fit beside what others stored meanwhile
        self.event = event_rows.insert(tx, self.event)
        if self.incident is not None:
            incident_rows.restore_link(tx, _id(self.event), self.incident)
        tx.audit("event.restore", "event", str(self.event.id), {"undo": True, **_summary(self.event)})


@dataclass
class EditEvent:
    """Change some fields of one event; the inverse sets them back. ``version``: the event's version this
    command expects to find (None: whatever is stored), and after it ran, the version it left."""

    event_id: int
    before: dict[str, Any]
    after: dict[str, Any]
    label: str = "edit event"
    version: int | None = None

    def apply(self, tx: Transaction) -> None:
        _check_changed(tx, self.event_id, self.after, self.version)
        self.version = event_rows.update(tx, self.event_id, self.after, self.version)
        incident_rows.follow(
            tx, self.event_id, self.after
        )  # an event coded on an incident's clock moves on it too
        tx.audit("event.edit", "event", str(self.event_id), {"from": self.before, "to": self.after})

    def revert(self, tx: Transaction) -> None:
        _check_changed(tx, self.event_id, self.before, self.version)
        self.version = event_rows.update(tx, self.event_id, self.before, self.version)
        incident_rows.follow(tx, self.event_id, self.before)
        tx.audit(
            "event.edit", "event", str(self.event_id), {"undo": True, "from": self.after, "to": self.before}
        )


@dataclass
class Composite:
    """Several commands as one user action (e.g. end one state and start the next on a single key)."""

    parts: list[Command] = field(default_factory=list)
    label: str = "edit"

    def apply(self, tx: Transaction) -> None:
        for part in self.parts:
            part.apply(tx)

    def revert(self, tx: Transaction) -> None:
        for part in reversed(self.parts):
            part.revert(tx)


def run(
    ws: Workspace,
    command: Command,
    actor: str,
    *,
    undo: bool = False,
    first: Callable[[Transaction], None] | None = None,
    busy_ms: int | None = None,
) -> Command:
    """Apply (or revert) ``command`` in one transaction, committed before this returns.

    The transaction runs where the workspace's connection lives (for the app, in its worker process: one round
    trip per key press), so the command that comes back is the one applied: a new event carries its id.
    ``first`` runs at the start of the same transaction (the clip's first edit marks its assignment started).
    """
    return ws.call(_run_here, command, actor, undo, first, busy_ms=busy_ms)


def _run_here(
    ws: Workspace, command: Command, actor: str, undo: bool, first: Callable[[Transaction], None] | None
) -> Command:
    with ws.transaction(actor) as tx:
        if first is not None:
            first(tx)
        if undo:
            command.revert(tx)
        else:
            command.apply(tx)
    return command


def _check_changed(tx: Transaction, event_id: int, values: dict[str, Any], version: int | None) -> None:
    stored = event_rows.get(tx.conn, event_id)
    if stored is None or (version is not None and stored.version != version):
        if version is not None:  # someone else changed or deleted it since it was read
            raise changed_elsewhere(tx, f"event {event_id}", "events", "id = ?", (event_id,))
        raise LookupError(f"event {event_id} does not exist")
    check_stored(tx, stored.with_changes(**values))


def _id(event: Event) -> int:
    if event.id is None:
        raise ValueError("event has no id yet")
    return event.id


def _summary(event: Event) -> dict[str, Any]:
    return {
        "clip": event.clip_id,
        "coder_id": event.coder_id,
        "code": event.code,
        "actor": event.actor,
        "onset_ms": event.onset_ms,
        "offset_ms": event.offset_ms,
    }
