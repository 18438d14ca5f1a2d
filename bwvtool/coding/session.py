"""One coder at work on one clip: the keyboard's meaning, the events in memory, undo and redo.

The session is plain Python, so the app, the command line and the tests run the same edits. Every edit is
committed to SQLite (one transaction with its audit row) before the session reports it; listeners are told after.
Per key press the work is one small transaction and an insertion into a sorted list: its cost does not grow
with the number of events the way a copied event list does. Opening reads the coding as columns in one round trip
and makes event objects only for the events shown or edited (:mod:`bwvtool.coding.columns`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from bwvtool.codebook import Codebook
from bwvtool.coding.columns import NULL, CodingColumns, Details, LoadedEvents, OnsetOrder
from bwvtool.coding.commands import AddEvent, Command, Composite, DeleteEvent, EditEvent, run
from bwvtool.coding.errors import CodingError
from bwvtool.coding.model import Event
from bwvtool.errors import ChangedElsewhere, WorkerLost
from bwvtool.store import Workspace
from bwvtool.store import events as event_rows
from bwvtool.store import queue as queue_rows


@dataclass(frozen=True)
class CodeSpec:
    """What the session needs to know about a code."""

    code: str
    track: str
    is_state: bool
    exclusive: bool  # states in this track exclude each other (per actor)


class CodeLookup(Protocol):
    def spec(self, code_id: str) -> CodeSpec: ...


class CodebookCodes:
    """A :class:`CodeLookup` over a codebook: what each code id means to the session."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._specs: dict[str, CodeSpec] = {}

    def spec(self, code_id: str) -> CodeSpec:
        found = self._specs.get(code_id)
        if found is None:
            try:
                code = self.codebook.code(code_id)
            except KeyError as exc:
                raise CodingError(f"{code_id!r} is not a code of {self.codebook.key}") from exc
            exclusive = self.codebook.track(code.track).exclusive
            found = self._specs[code_id] = CodeSpec(code.id, code.track, code.is_state, exclusive)
        return found


Listener = Callable[[str, Event | None], None]
# Given a key press's commands (AddEvent, or EditEvent ending a state), more commands for the same transaction.
Companions = Callable[[list[Command]], list[Command]]


def with_companions(companions: Companions | None, parts: list[Command], label: str) -> Command:
    """``parts`` and their companions as one command (the single part itself when there is nothing to add)."""
    parts = parts + (companions(parts) if companions is not None else [])
    return parts[0] if len(parts) == 1 else Composite(parts, label=label)


class CodingSession:
    """Events of one coding (a coder on a clip, for one assignment or clip-level when ``assignment_id`` is None),
    kept in onset order, with an undo history of commands."""

    def __init__(
        self,
        ws: Workspace,
        *,
        clip_id: str,
        coder: str,
        codebook_id: int,
        codes: CodeLookup,
        assignment_id: int | None = None,
        reading: Callable[[], CodingColumns] | None = None,
    ) -> None:
        """``reading``: this coding's columns already being read (:func:`read_ahead`); else they are read here."""
        self.ws = ws
        self.clip_id = clip_id
        self.assignment_id = assignment_id
        self.coder = coder
        self.codebook_id = codebook_id
        self.codes = codes
        with ws.transaction(coder) as tx:
            self.coder_id = ws.coder_id(tx, coder)
        self._started = False  # the clip's assignment moves to in progress with the first edit
        self._events = LoadedEvents(CodingColumns(*self._coding), self._details)
        self._order = OnsetOrder()  # (onset_ms, id) of every event, sorted
        # Running states: key (track, actor) in exclusive tracks, (track, actor, code) where states may overlap.
        self._open: dict[tuple[str, ...], int] = {}
        self._added_id: int | None = None
        self._data_version = ws.data_version()
        self._fingerprint: tuple | None = None  # the stored coding's, when last looked at (refresh)
        self._own_edits = False  # edits made here since then
        columns = reading() if reading is not None else None
        if columns is None or (columns.clip_id, columns.coder_id, columns.assignment_id) != self._coding[:3]:
            columns = self._read()  # not read ahead, or for another coding
        self._load(columns)
        # How long an edit may wait for another program's write lock (None: the workspace default). The desk
        # sets a short wait and keeps a key press pending instead of freezing the window.
        self.busy_ms: int | None = None
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._listeners: list[Listener] = []

    # -- reading ----------------------------------------------------------------------------------------------
    @property
    def events(self) -> list[Event]:
        """All events in onset order (each made into an object: for small codings and tests; views use
        :meth:`keys`, :meth:`columns` and :meth:`event`)."""
        return [self._events[event_id] for event_id in self._order.ids]

    def keys(self) -> OnsetOrder:
        """(onset_ms, id) of every event in onset order: a copy, no event made."""
        return self._order.copy()

    def columns(self) -> CodingColumns:
        """Every event as columns (:class:`CodingColumns`), in onset order: as read at open while nothing has
        changed since, else made from the events in memory."""
        if self._events.untouched:
            return self._events.columns
        return CodingColumns.of_events(self._coding, self.events)

    def __len__(self) -> int:
        return len(self._events)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._events

    @property
    def made_events(self) -> int:
        """How many events are held as objects; the others are still the columns read at open."""
        return len(self._events.made())

    def event(self, event_id: int) -> Event:
        return self._events[event_id]

    def row_of(self, event_id: int) -> int:
        """The event's position in onset order (what a table shows as its row)."""
        event = self._events[event_id]
        return self._order.position(event.onset_ms, event_id)

    def at_row(self, row: int) -> Event:
        return self._events[self._order.ids[row]]

    def open_state(self, track: str, actor: str, code: str | None = None) -> Event | None:
        """The state still running in ``track`` for ``actor`` (of ``code``, in a track whose states overlap)."""
        event_id = self._open.get((track, actor))
        if event_id is None and code is not None:
            event_id = self._open.get((track, actor, code))
        return None if event_id is None else self._events[event_id]

    def _open_key(self, event: Event) -> tuple[str, ...]:
        spec = self.codes.spec(event.code)
        return (event.track, event.actor) if spec.exclusive else (event.track, event.actor, event.code)

    def running(self) -> list[Event]:
        """States still running (no end yet)."""
        return [self._events[event_id] for event_id in self._open.values()]

    def neighbour(self, at_ms: int, direction: int) -> Event | None:
        """The first event strictly after (direction > 0) or before (< 0) ``at_ms``."""
        if direction > 0:
            index = self._order.first_after(at_ms)
            return self._events[self._order.ids[index]] if index < len(self._order) else None
        index = self._order.first_from(at_ms) - 1
        return self._events[self._order.ids[index]] if index >= 0 else None

    def on_change(self, listener: Listener) -> None:
        """Call ``listener(kind, event)`` after each committed change; kind is 'added', 'removed', 'changed'."""
        self._listeners.append(listener)

    # -- the keyboard's meaning --------------------------------------------------------------------------------
    def code_key(
        self,
        code: str,
        *,
        at_ms: int,
        at_frame: int,
        actor: str,
        modifiers: dict[str, Any] | None = None,
        note: str | None = None,
        companions: Companions | None = None,
    ) -> Event:
        """A code key pressed with the frame at (``at_ms``, ``at_frame``) on screen.

        A point code records an event. A state code starts a state; the same key for the same actor ends it, and
        starting another state of an exclusive track ends the one running (both in one undoable action).
        ``companions(parts)`` may add commands to the same transaction and undo step (an incident's times).
        Returns the event added or ended.
        """
        spec = self.codes.spec(code)
        new = Event(
            clip_id=self.clip_id,
            coder_id=self.coder_id,
            codebook_id=self.codebook_id,
            track=spec.track,
            code=code,
            actor=actor,
            onset_ms=at_ms,
            onset_frame=at_frame,
            modifiers=modifiers or {},
            note=note,
            assignment_id=self.assignment_id,
        )
        if not spec.is_state:
            new = new.with_changes(offset_ms=None, offset_frame=None)
            self.execute(with_companions(companions, [AddEvent(new, label=f"add {code}")], f"add {code}"))
            return self._last_added()
        running = self.open_state(spec.track, actor, code)
        if running is not None and running.code == code:
            self._check_end(running, at_ms)
            self.execute(with_companions(companions, [self._end(running, at_ms, at_frame)], f"end {code}"))
            return self._events[running.id]  # type: ignore[index]
        parts: list[Command] = []
        if running is not None and spec.exclusive:
            self._check_end(running, at_ms)
            parts.append(self._end(running, at_ms, at_frame))
        parts.append(AddEvent(new, label=f"start {code}"))
        label = f"start {code}" if len(parts) == 1 else f"switch to {code}"
        self.execute(with_companions(companions, parts, label))
        return self._last_added()

    def delete(self, event_id: int) -> None:
        self.execute(DeleteEvent(self._events[event_id], label="delete event"))

    def edit(self, event_id: int, **changes: Any) -> Event:
        """Change fields of an event (move, resize, recode, note, modifiers, star)."""
        current = self._events[event_id]
        changed = {k: v for k, v in changes.items() if getattr(current, k) != v}
        if not changed:
            return current
        proposed = current.with_changes(**changed)
        if proposed.offset_ms is not None and proposed.offset_ms < proposed.onset_ms:
            raise CodingError("an event cannot end before it begins")
        before = {k: getattr(current, k) for k in changed}
        self.execute(EditEvent(event_id, before, changed, label=f"edit {', '.join(changed)}"))
        return self._events[event_id]

    # -- history ------------------------------------------------------------------------------------------------
    def execute(self, command: Command) -> None:
        """Commit ``command``, then update memory and tell listeners; it becomes the newest undo step."""
        first = None
        if not self._started:  # the clip's first edit marks the assignment started, in the same transaction
            first = partial(
                queue_rows.mark_started,
                clip_id=self.clip_id,
                coder_id=self.coder_id,
                assignment_id=self.assignment_id,
            )
        command = self._run(command, first=first)
        self._started = True
        self._undo.append(command)
        self._redo.clear()
        self._sync(command, undone=False)

    def undo(self) -> str | None:
        if not self._undo:
            return None
        command = self._run(self._undo[-1], undo=True)
        self._undo.pop()  # only once the store has it: a busy workspace leaves the history as it was
        self._redo.append(command)
        self._sync(command, undone=True)
        return command.label

    def redo(self) -> str | None:
        if not self._redo:
            return None
        command = self._run(self._redo[-1])
        self._redo.pop()
        self._undo.append(command)
        self._sync(command, undone=False)
        return command.label

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    # -- staying in step with the store -------------------------------------------------------------------------
    def refresh(self) -> int:
        """Catch up with edits another window or process stored for this coding; returns how many events changed.

        Cheap when nothing changed elsewhere: SQLite's data version moves only with other connections' commits.
        """
        version = self.ws.data_version()
        if version == self._data_version:
            return 0
        self._data_version = version
        # Something was committed somewhere (an import step, another coder): read this coding only if it changed.
        stored = event_rows.coding_fingerprint(self.ws.conn, self.clip_id, self.coder_id, self.assignment_id)
        if stored == self._fingerprint:
            return 0
        self._fingerprint = stored
        if stored[:5] == tuple(self._sums) and self._own_edits:
            self._own_edits = False  # our own edits since the last look explain the difference
            return 0
        return self.reload()

    def reload(self) -> int:
        """Re-read this coding from the store and tell listeners what differs (added, removed, changed).

        Events not made yet are compared by their columns (their details are read when they are next shown);
        events already made are compared whole, with their details read in one round trip."""
        stored = self._read()
        position = dict(zip(stored.ids, range(len(stored)), strict=True))
        before = self._events
        removed = [before[i] for i in before if i not in position]
        made, unmade = before.made(), before.unmade()
        details = self._details([i for i in made if i in position])
        changed, added = [], []
        for event_id, at in position.items():
            if event_id in made:
                if made[event_id] != stored.event(at, details.get(event_id)):
                    changed.append(event_id)
            elif event_id in unmade:
                if before.columns.key(unmade[event_id]) != stored.key(at):
                    changed.append(event_id)
            else:
                added.append(event_id)
        self._open = {}
        self._load(stored)
        for event in removed:
            self._notify("removed", event)
        for event_id in added:
            self._notify("added", self._events[event_id])
        for event_id in changed:
            self._notify("changed", self._events[event_id])
        return len(removed) + len(added) + len(changed)

    # -- internals ----------------------------------------------------------------------------------------------
    def _run(self, command: Command, *, undo: bool = False, first: Any = None) -> Command:
        """Commit through the store; when the store refuses (another window's edits) or the outcome is unknown
        (the worker stopped), re-read what is stored before reporting it, so the screen shows the truth."""
        self._expect(command)
        try:
            applied = run(self.ws, command, self.coder, undo=undo, first=first, busy_ms=self.busy_ms)
        except ChangedElsewhere:
            # Someone else changed this coding: show what is stored now; the undo history describes a coding
            # that no longer exists, so it goes too (undoing across their change would overwrite it).
            self.reload()
            self._undo.clear()
            self._redo.clear()
            raise
        except (CodingError, WorkerLost):
            self.reload()
            raise
        self._own_edits = True
        return applied

    def _expect(self, command: Command) -> None:
        """Give each part of ``command`` the version of its event as this session last read or wrote it, so the
        store refuses the change when someone else changed the event meanwhile."""
        for part in command.parts if isinstance(command, Composite) else [command]:
            if isinstance(part, AddEvent | DeleteEvent) and part.event.id in self._events:
                part.event = part.event.with_changes(version=self._events[part.event.id].version)
            elif isinstance(part, EditEvent) and part.event_id in self._events:
                part.version = self._events[part.event_id].version

    def _end(self, running: Event, at_ms: int, at_frame: int) -> EditEvent:
        return EditEvent(
            running.id,  # type: ignore[arg-type]
            {"offset_ms": None, "offset_frame": None},
            {"offset_ms": at_ms, "offset_frame": at_frame},
            label=f"end {running.code}",
        )

    @staticmethod
    def _check_end(running: Event, at_ms: int) -> None:
        if at_ms < running.onset_ms:
            raise CodingError(
                f"{running.code} began at {running.onset_ms} ms; it cannot end earlier, at {at_ms} ms"
            )

    def _last_added(self) -> Event:
        assert self._added_id is not None
        return self._events[self._added_id]

    def _sync(self, command: Command, *, undone: bool) -> None:
        parts = command.parts if isinstance(command, Composite) else [command]
        if undone:
            parts = list(reversed(parts))
        for part in parts:
            if isinstance(part, AddEvent | DeleteEvent):
                adds = isinstance(part, AddEvent) != undone
                if adds:
                    self._remember(part.event)
                    self._added_id = part.event.id
                    self._notify("added", part.event)
                else:
                    self._forget(part.event.id)  # type: ignore[arg-type]
                    self._notify("removed", part.event)
            elif isinstance(part, EditEvent):
                values = part.before if undone else part.after
                updated = self._events[part.event_id].with_changes(**values, version=part.version)
                self._forget(part.event_id)
                self._remember(updated)
                self._notify("changed", updated)

    def _read(self) -> CodingColumns:
        """This coding as stored, as columns: one round trip to where the workspace's connection lives."""
        return self.ws.call(_read_columns, *self._coding)

    @property
    def _coding(self) -> tuple[str, int, int | None, int]:
        return self.clip_id, self.coder_id, self.assignment_id, self.codebook_id

    def _details(self, event_ids: list[int]) -> dict[int, Details]:
        return self.ws.call(_read_details, event_ids) if event_ids else {}

    def _load(self, columns: CodingColumns) -> None:
        """Take in a whole coding at once: the store returns it in (onset, id) order, so no sort and no objects."""
        import numpy as np  # here: the command line's start-up does not pay for it

        offsets = np.frombuffer(columns.offsets, dtype=np.int64) if len(columns) else np.zeros(0, np.int64)
        missing = offsets == NULL
        # The sums of the stored fingerprint, where a missing offset counts as -1.
        offset_sum = int(offsets[~missing].sum()) - int(missing.sum())
        ids, onsets, versions = (
            np.frombuffer(column, dtype=np.int64) if len(columns) else np.zeros(0, np.int64)
            for column in (columns.ids, columns.onsets, columns.versions)
        )
        self._sums = [len(columns), int(ids.sum()), int(onsets.sum()), offset_sum, int(versions.sum())]
        del ids, onsets, versions  # views of the columns: an array lent to numpy cannot change size
        self._events = LoadedEvents(columns, self._details)
        self._order = OnsetOrder(columns.onsets, columns.ids)
        state_kinds = [self.codes.spec(code).is_state for _, code, _ in columns.kind_values]
        if not any(state_kinds):
            return
        kinds = np.frombuffer(columns.kinds, dtype=np.int32)
        for at in np.flatnonzero(missing & np.array(state_kinds, dtype=bool)[kinds]).tolist():
            track, code, actor = columns.kind_values[columns.kinds[at]]
            key = (track, actor) if self.codes.spec(code).exclusive else (track, actor, code)
            self._open[key] = columns.ids[at]  # onset order: the last running state of a key wins, as before

    def _remember(self, event: Event) -> None:
        assert event.id is not None
        self._count(event, +1)
        self._events[event.id] = event
        self._order.insert(self._order.position(event.onset_ms, event.id), event.onset_ms, event.id)
        if event.offset_ms is None and self.codes.spec(event.code).is_state:
            self._open[self._open_key(event)] = event.id

    def _forget(self, event_id: int) -> None:
        event = self._events.pop(event_id)
        self._count(event, -1)
        self._order.delete(self._order.position(event.onset_ms, event_id))
        key = self._open_key(event)
        if self._open.get(key) == event_id:
            del self._open[key]

    def _count(self, event: Event, sign: int) -> None:
        """Keep the sums :func:`~bwvtool.store.events.coding_fingerprint` computes, for what is in memory."""
        offset = -1 if event.offset_ms is None else event.offset_ms
        for k, value in enumerate((1, event.id, event.onset_ms, offset, event.version)):
            self._sums[k] += sign * value  # type: ignore[operator]

    def _notify(self, kind: str, event: Event | None) -> None:
        for listener in self._listeners:
            listener(kind, event)


def read_ahead(
    ws: Workspace, *, clip_id: str, coder_id: int, codebook_id: int, assignment_id: int | None = None
) -> Callable[[], CodingColumns]:
    """Start reading a coding's columns where the workspace's connection lives (the app's worker process reads
    while the app goes on opening the clip) and return what :class:`CodingSession` takes as ``reading``."""
    return ws.call_ahead(_read_columns, clip_id, coder_id, assignment_id, codebook_id)


def _read_columns(
    ws: Workspace, clip_id: str, coder_id: int, assignment_id: int | None, codebook_id: int
) -> CodingColumns:
    columns = event_rows.coding_columns(ws.conn, clip_id, coder_id, assignment_id, codebook_id)
    event_rows.ready_to_code(ws.conn, clip_id, coder_id, codebook_id, assignment_id)
    return columns


def _read_details(ws: Workspace, event_ids: list[int]) -> dict[int, Details]:
    return event_rows.details(ws.conn, event_ids)
