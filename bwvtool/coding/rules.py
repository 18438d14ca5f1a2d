"""Coding rules, checked inside the write transaction against the events that are stored.

Each app window (and each worker process) keeps its own copy of a coder's events, so a rule checked against
that copy can be broken by another window on the same clip. The commands call :func:`check_stored` with the
event as it would be stored, in the transaction that stores it: what is refused here never reaches the file.

Rules for one coding (clip, coder, codebook version):

- the code exists in the codebook and belongs to the event's track;
- no event begins before the clip starts or ends before it begins;
- a state has a length: its end, once set, is after its start (a zero-length state is refused);
- in an exclusive track one actor is in one state at a time: a state with no end yet runs to the end of the
  clip, and states may touch (one ending at t and the next starting at t is a switch, not an overlap).
  Tracks whose states may overlap (``exclusive: false``) have no such rule.
"""

from __future__ import annotations

from typing import NoReturn

from bwvtool.coding.errors import CodingError
from bwvtool.coding.model import Event
from bwvtool.store import Transaction
from bwvtool.store import events as event_rows
from bwvtool.store.codebooks import codebook_content


def check_stored(tx: Transaction, event: Event) -> None:
    """Raise CodingError if storing ``event`` (new, restored or changed) would break a rule above."""
    codebook = codebook_content(tx, event.codebook_id)
    try:
        code = codebook.code(event.code)
    except KeyError:
        _refuse(f"{event.code!r} is not a code of {codebook.key} v{codebook.version}")
    if code.track != event.track:
        _refuse(f"{event.code} belongs to track {code.track!r}, not {event.track!r}")
    if event.onset_ms < 0:
        _refuse(f"an event cannot begin before the clip starts ({event.onset_ms} ms)")
    if event.offset_ms is None or not code.is_state:
        if event.offset_ms is not None:
            _refuse(f"{event.code} is a point code: it has no end")
    elif event.offset_ms <= event.onset_ms:
        _refuse(
            f"a {event.code} state must end after it begins (begins {event.onset_ms} ms, ends"
            f" {event.offset_ms} ms); a zero-length or negative state is not recorded"
        )
    if not code.is_state or not codebook.track(code.track).exclusive:
        return
    states = tuple(c.id for c in codebook.exclusive_states(code.track))
    other = event_rows.latest_state_before(tx, event, states)
    if other is not None and (other.offset_ms is None or other.offset_ms > event.onset_ms):
        until = "still running" if other.offset_ms is None else f"to {other.offset_ms} ms"
        _refuse(
            f"{event.actor} already has {other.code} on {event.clip_id} from {other.onset_ms} ms {until}"
            f" (event {other.id}): states of track {code.track!r} exclude each other; end or move it first"
        )


def check_restorable(tx: Transaction, event: Event) -> None:
    """Like :func:`check_stored`, for a deleted event brought back under its old id (undo of a delete)."""
    if event.id is not None and event_rows.get(tx.conn, event.id) is not None:
        # SQLite hands the highest free id to the next insert, so another window may have taken it meanwhile.
        _refuse(f"event {event.id} cannot be restored: another edit has taken its place since it was deleted")
    check_stored(tx, event)


def _refuse(message: str) -> NoReturn:
    raise CodingError(message)
