"""The incident half of a key press coded on incident time, as undoable commands in the event's own transaction.

A key press in the incident window is an ordinary edit of the camera's coding (:mod:`bwvtool.coding.commands`);
these commands ride along with it (:meth:`~bwvtool.coding.session.CodingSession.code_key`'s ``companions``), so
the event and its incident times are stored, undone and redone together, never one without the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bwvtool.coding.commands import AddEvent, Command, EditEvent
from bwvtool.store import Transaction
from bwvtool.store import incidents as rows


@dataclass
class LinkIncident:
    """Record the incident time of the event ``added`` inserts (its id exists only once that has run)."""

    added: AddEvent
    incident_id: str
    onset_ms: float
    offset_ms: float | None = None
    label: str = "incident time"

    def apply(self, tx: Transaction) -> None:
        rows.link_event(tx, self._event_id(), self.incident_id, self.onset_ms, self.offset_ms)

    def revert(self, tx: Transaction) -> None:
        rows.unlink_event(tx, self._event_id())

    def _event_id(self) -> int:
        event_id = self.added.event.id
        if event_id is None:
            raise ValueError("the event is not stored yet")
        return event_id


@dataclass
class EndOnIncident:
    """A state coded on incident time ends at incident time ``offset_ms`` (undo: it runs again)."""

    event_id: int
    offset_ms: float
    label: str = "incident end"

    def apply(self, tx: Transaction) -> None:
        rows.set_end(tx, self.event_id, self.offset_ms)

    def revert(self, tx: Transaction) -> None:
        rows.set_end(tx, self.event_id, None)


def on_incident(
    incident_id: str, at_ms: float, to_ms: float | None = None
) -> Callable[[list[Command]], list[Command]]:
    """Companions for a key press at incident time ``at_ms``: each event it adds gets its incident time (``to_ms``:
    a state recorded whole), each state it ends gets ``at_ms`` as its incident end (a state coded on the clip
    alone has no incident row: the update changes nothing)."""

    def companions(parts: list[Command]) -> list[Command]:
        extra: list[Command] = []
        for part in parts:
            if isinstance(part, AddEvent):
                extra.append(LinkIncident(part, incident_id, at_ms, to_ms))
            elif isinstance(part, EditEvent) and "offset_ms" in part.after:
                extra.append(EndOnIncident(part.event_id, at_ms))
        return extra

    return companions
