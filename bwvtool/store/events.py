"""SQL for coded events. Callers pass the open :class:`~bwvtool.store.workspace.Transaction` of the user action."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields
from typing import Any

from bwvtool.coding.columns import NULL, PAGE, CodingColumns, Details
from bwvtool.coding.model import EDITABLE, Event
from bwvtool.store import audit, dialect, queue
from bwvtool.store.codebooks import codebook_content
from bwvtool.store.versions import changed_elsewhere
from bwvtool.store.workspace import Transaction

# The events table has one column per Event field; rows are read in the dataclass's field order.
_COLUMNS = tuple(f.name for f in fields(Event))
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM events"  # constant column list, no user values
_MODIFIERS, _STARRED = _COLUMNS.index("modifiers"), _COLUMNS.index("starred")
_INSERT_INTO = (
    "INSERT INTO events (id, clip_id, coder_id, codebook_id, track, code, actor, onset_ms, onset_frame,"
    " offset_ms, offset_frame, modifiers, note, starred, caused_by, assignment_id, created_at, updated_at,"
    " version, updated_by) VALUES ({id}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT = _INSERT_INTO.format(id="?")
_REHEARSAL = _INSERT_INTO.format(id="-pg_backend_pid()")  # see ready_to_code


def _from_row(row: tuple) -> Event:
    values = list(row)
    # Most events carry no modifiers: skipping the parse of "{}" halves the time to load a 50,000-event clip.
    modifiers = values[_MODIFIERS]
    values[_MODIFIERS] = {} if modifiers == "{}" else json.loads(modifiers)
    values[_STARRED] = bool(values[_STARRED])
    # A stored row is a valid event: fill the frozen dataclass directly instead of through its __init__, which
    # sets each of 18 fields one by one (a third of the time to open a clip with 50,000 events).
    event = object.__new__(Event)
    event.__dict__.update(zip(_COLUMNS, values, strict=True))
    return event


def _params(event: Event) -> tuple:
    return (
        event.clip_id,
        event.coder_id,
        event.codebook_id,
        event.track,
        event.code,
        event.actor,
        event.onset_ms,
        event.onset_frame,
        event.offset_ms,
        event.offset_frame,
        json.dumps(event.modifiers, sort_keys=True, separators=(",", ":")),
        event.note,
        int(event.starred),
        event.caused_by,
        event.assignment_id,
    )


def insert(tx: Transaction, event: Event) -> Event:
    """Insert ``event`` (keeping its id when it has one: undo of a delete restores the same row, one version on
    from the one deleted, so a desk that still holds the old version cannot change it).

    On a server a key press costs one round trip: a new event takes an id the session reserved ahead, so nothing
    waits for the row, which travels with the COMMIT (with its audit row) and is the witness of that COMMIT's
    outcome should the connection break there."""
    created = event.created_at or tx.at
    version = 1 if event.id is None else event.version + 1
    event_id = event.id if event.id is not None else dialect.reserve_id(tx, "events")
    params = (event_id, *_params(event), created, tx.at, version, tx.actor)
    if event_id is None:  # SQLite picks the id
        event_id = int(tx.execute(_INSERT, params).lastrowid)
    else:
        dialect.defer(tx, _INSERT, params)
        dialect.commit_witness(tx, "SELECT 1 FROM events WHERE id = ?", (event_id,))
    return event.with_changes(id=event_id, created_at=created, updated_at=tx.at, version=version)


def ready_to_code(
    conn: Any, clip_id: str, coder_id: int, codebook_id: int, assignment_id: int | None
) -> None:
    """Before a coding's first key press, on a server: have everything that press needs ready, so that it costs
    what every later press costs (one round trip, warm server caches). Nothing on SQLite.

    * the session's reserve of event ids is taken;
    * the coding's codebook is read (and parsed, once per process): a locked one is remembered, so no press asks
      about it again;
    * the press's statements are rehearsed in a transaction that is rolled back: the assignment marked started,
      an event inserted, an audit row appended. A server session's first use of each fills its backend's caches
      (tables, row security, foreign keys, triggers, the chain's compiled function): 10 ms and more, far more
      when many desks open at once. The rehearsed event has the session's own negative id and the audit row is
      one the chain's trigger skips (see :data:`bwvtool.store.audit.REHEARSAL`): no id is spent, no two
      sessions' rehearsals meet, nothing of it is kept."""
    if not dialect.is_postgres(conn):
        return
    dialect.reserve_ids(conn, "events")
    codebook_content(conn, codebook_id)
    event = (clip_id, coder_id, codebook_id, "", "", "", 0, 0, None, None, "{}", None, 0, None, assignment_id)
    dialect.rehearse(
        conn,
        [
            queue.start_statement(clip_id, coder_id, assignment_id),
            (_REHEARSAL, (*event, "", "", 1, None)),
            audit.REHEARSAL,
        ],
    )


def update(tx: Transaction, event_id: int, changes: dict[str, Any], version: int | None = None) -> int:
    """Set the given editable fields of one event; its new version. With ``version`` (the one read), nothing is
    written when the stored event is another version.

    :raises ChangedElsewhere: ``version`` is not the stored one (or the event is gone).
    """
    assignments, values = [], []
    for name, value in changes.items():
        if name not in EDITABLE:
            raise ValueError(f"{name} is not an editable event field")
        if name == "modifiers":
            value = json.dumps(value, sort_keys=True, separators=(",", ":"))
        elif name == "starred":
            value = int(value)
        assignments.append(f"{name} = ?")  # name checked against EDITABLE above
        values.append(value)
    sql = f"UPDATE events SET {', '.join(assignments)}, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ?"
    params = [*values, tx.at, tx.actor, event_id]
    if version is not None:
        sql += " AND version = ?"
        params.append(version)
    cursor = tx.execute(sql + " RETURNING version", params)
    row = cursor.fetchone()
    if row is None:
        if version is not None:
            raise changed_elsewhere(tx, f"event {event_id}", "events", "id = ?", (event_id,))
        raise LookupError(f"event {event_id} does not exist")
    return int(row[0])


def delete(tx: Transaction, event_id: int, version: int | None = None) -> None:
    """Delete one event (with ``version``: only if it is still the version read).

    :raises ChangedElsewhere: ``version`` is not the stored one (or the event is gone).
    """
    sql, params = "DELETE FROM events WHERE id = ?", [event_id]
    if version is not None:
        sql += " AND version = ?"
        params.append(version)
    cursor = tx.execute(sql, params)
    if cursor.rowcount != 1:
        if version is not None:
            raise changed_elsewhere(tx, f"event {event_id}", "events", "id = ?", (event_id,))
        raise LookupError(f"event {event_id} does not exist")


def get(conn: sqlite3.Connection, event_id: int) -> Event | None:
    row = conn.execute(f"{_SELECT} WHERE id = ?", (event_id,)).fetchone()
    return _from_row(row) if row else None


def for_clip(conn: sqlite3.Connection, clip_id: str, coder_id: int | None = None) -> list[Event]:
    """A clip's events (one coder's, or everyone's), in onset order."""
    if coder_id is None:
        rows = conn.execute(f"{_SELECT} WHERE clip_id = ? ORDER BY onset_ms, id", (clip_id,))
    else:
        rows = conn.execute(
            f"{_SELECT} WHERE clip_id = ? AND coder_id = ? ORDER BY onset_ms, id", (clip_id, coder_id)
        )
    return [_from_row(row) for row in rows]


def for_coding(
    conn: sqlite3.Connection, clip_id: str, coder_id: int, assignment_id: int | None
) -> list[Event]:
    """One coding's events in onset order: the coder's on the clip for one assignment (None: clip-level)."""
    rows = conn.execute(
        f"{_SELECT} WHERE clip_id = ? AND coder_id = ? AND assignment_id IS NOT DISTINCT FROM ?"
        " ORDER BY onset_ms, id",
        (clip_id, coder_id, assignment_id),
    )
    return [_from_row(row) for row in rows]


def coding_columns(
    conn: sqlite3.Connection, clip_id: str, coder_id: int, assignment_id: int | None, codebook_id: int
) -> CodingColumns:
    """One coding's events in onset order as columns: id, onset, offset (``NULL`` when none), lane and code as
    one text value, and version; the rest of each row is read by :func:`details` when the event is shown (see
    :mod:`bwvtool.coding.columns`). ``codebook_id``: the coding's, for an event whose row has gone meanwhile."""
    rows = conn.execute(
        "SELECT id, onset_ms, coalesce(offset_ms, ?), track || ? || code || ? || actor, version FROM events"
        " WHERE clip_id = ? AND coder_id = ? AND assignment_id IS NOT DISTINCT FROM ? ORDER BY onset_ms, id",
        (NULL, "\x1f", "\x1f", clip_id, coder_id, assignment_id),
    ).fetchall()
    found = CodingColumns.of_rows((clip_id, coder_id, assignment_id, codebook_id), rows)
    found.first_page = details(conn, list(found.ids[:PAGE]))
    return found


def details(conn: sqlite3.Connection, event_ids: list[int]) -> dict[int, Details]:
    """The rest of the given events' rows (:data:`~bwvtool.coding.columns.Details`), by id; gone ones left out."""
    found: dict[int, Details] = {}
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))  # one '?' per id
        for event_id, *rest in conn.execute(
            "SELECT id, onset_frame, offset_frame, codebook_id, modifiers, note, starred, caused_by, created_at,"
            f" updated_at FROM events WHERE id IN ({marks})",
            chunk,
        ):
            found[event_id] = tuple(rest)  # type: ignore[assignment]
    return found


def coding_fingerprint(
    conn: sqlite3.Connection, clip_id: str, coder_id: int, assignment_id: int | None
) -> tuple[int, int, int, int, int, str | None]:
    """(events, sum of ids, sum of onsets, sum of offsets, sum of versions, newest change) of one coding: a cheap
    way to tell whether anyone changed it, without reading it (any stored change raises a version)."""
    row = conn.execute(
        "SELECT count(*), coalesce(sum(id), 0), coalesce(sum(onset_ms), 0), coalesce(sum(coalesce(offset_ms, -1)), 0),"
        " coalesce(sum(version), 0), max(updated_at) FROM events"
        " WHERE clip_id = ? AND coder_id = ? AND assignment_id IS NOT DISTINCT FROM ?",
        (clip_id, coder_id, assignment_id),
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), row[5]


def latest_state_before(
    conn: sqlite3.Connection | Transaction, event: Event, state_codes: tuple[str, ...]
) -> Event | None:
    """The stored state of ``event``'s coding (clip, coder, assignment, codebook), track and actor that starts last before
    ``event`` ends (any time, when it has no end), ``event`` itself left out.

    States of an exclusive track never overlap each other, so this one state is the only one that can overlap
    ``event``: one step down the (clip, coder, onset) index instead of reading the coding's whole history.
    Inside a transaction, the coding's writers take turns from here to commit (two windows of one coder cannot
    both pass the check and store overlapping states).
    """
    if isinstance(conn, Transaction):
        dialect.serialise(conn, f"events:{event.clip_id}", event.coder_id)
    marks = ", ".join("?" * len(state_codes))
    sql = (
        f"{_SELECT} WHERE clip_id = ? AND coder_id = ? AND assignment_id IS NOT DISTINCT FROM ? AND codebook_id = ?"
        f" AND track = ? AND actor = ? AND code IN ({marks}) AND id IS DISTINCT FROM ?"
    )  # marks: one '?' per code, no user text in the SQL
    params: list[Any] = [
        event.clip_id, event.coder_id, event.assignment_id, event.codebook_id, event.track, event.actor
    ]  # fmt: skip
    params += [*state_codes, event.id]
    if event.offset_ms is not None:
        sql += " AND onset_ms < ?"
        params.append(event.offset_ms)
    row = conn.execute(sql + " ORDER BY onset_ms DESC, id DESC LIMIT 1", params).fetchone()
    return _from_row(row) if row else None


def for_clips(conn: sqlite3.Connection, clip_ids: list[str]) -> list[Event]:
    """Events of many clips (all coders), for analysis and export."""
    found: list[Event] = []
    for start in range(0, len(clip_ids), 500):
        chunk = clip_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"{_SELECT} WHERE clip_id IN ({marks}) ORDER BY clip_id, coder_id, onset_ms, id", chunk
        )
        found += [_from_row(row) for row in rows]
    return found


def codebook_coded_with(
    conn: sqlite3.Connection, clip_id: str, coder_id: int, assignment_id: int | None = None
) -> int | None:
    """The codebook of the first event of one coding (one row, not the clip's whole coding)."""
    row = conn.execute(
        "SELECT codebook_id FROM events WHERE clip_id = ? AND coder_id = ? AND assignment_id IS NOT DISTINCT FROM ?"
        " ORDER BY onset_ms, id LIMIT 1",
        (clip_id, coder_id, assignment_id),
    ).fetchone()
    return None if row is None else int(row[0])
