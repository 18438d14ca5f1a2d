"""A coding's events as columns: what opening a clip reads, without a Python object per event.

Opening a clip with 50,000 events used to read every field of every event through the workspace worker (18
values a row, pickled as 50,000 tuples) and build an :class:`Event` for each, most of which nobody looks at. Now
the worker answers with :class:`CodingColumns`: only what places an event on the timeline and in the table (id,
onset, offset, lane and code) and its row version, as flat integer arrays that pickle as bytes, lane and code as small integer codes
into their distinct values (every cell SQLite hands to Python costs; five a row is what opening needs). The rest
of a row (frames, modifiers, note, star, cause, timestamps) stays in the store until an event is shown or edited:
:class:`LoadedEvents` makes :class:`Event` objects a page at a time, on demand.
"""

from __future__ import annotations

import bisect
import json
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bwvtool.coding.model import Event

NULL = -(1 << 63)  # a missing integer (a point's or a running state's offset) in an int64 column
PAGE = 256  # events made at once when one of them is asked for: a table page, a stretch of the timeline

# The rest of one event's row, read only when it is made: (onset_frame, offset_frame, codebook_id, modifiers as
# stored JSON, note, starred, caused_by, created_at, updated_at).
Details = tuple[int, int | None, int, str, str | None, int, int | None, str | None, str | None]
FetchDetails = Callable[[list[int]], dict[int, Details]]


@dataclass
class CodingColumns:
    """The events of one coding (clip, coder, assignment) in (onset, id) order: what places each on the timeline
    and in the table (id, onset, offset, lane and code), one array per field."""

    clip_id: str
    coder_id: int
    assignment_id: int | None
    codebook_id: int  # what an event whose row is gone reports (see :meth:`event`)
    ids: array = field(default_factory=lambda: array("q"))
    onsets: array = field(default_factory=lambda: array("q"))
    offsets: array = field(default_factory=lambda: array("q"))  # NULL: a point, or a state still running
    kinds: array = field(default_factory=lambda: array("i"))  # index into kind_values
    kind_values: list[tuple[str, str, str]] = field(default_factory=list)  # (track, code, actor)
    versions: array = field(default_factory=lambda: array("q"))  # raised by every stored change of the row
    # The details of the first page, read with the columns: the table shows that page first, without a round trip.
    first_page: dict[int, Details] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def of_rows(cls, coding: tuple[str, int, int | None, int], rows: list[tuple]) -> CodingColumns:
        """Columns of ``coding`` (clip_id, coder_id, assignment_id, codebook_id) from rows of (id, onset_ms,
        offset_ms or NULL, "track<US>code<US>actor", version)."""
        found = cls(*coding)
        if not rows:
            return found
        ids, onsets, offsets, kinds, versions = zip(*rows, strict=True)
        found.ids, found.onsets, found.offsets = array("q", ids), array("q", onsets), array("q", offsets)
        found.versions = array("q", versions)
        kind_codes = {
            kind: k for k, kind in enumerate(dict.fromkeys(kinds))
        }  # distinct, in order of appearance
        found.kinds = array("i", map(kind_codes.__getitem__, kinds))
        found.kind_values = [tuple(kind.split("\x1f")) for kind in kind_codes]  # type: ignore[misc]
        return found

    @classmethod
    def of_events(cls, coding: tuple[str, int, int | None, int], events: list[Event]) -> CodingColumns:
        """Columns of events already in memory (in (onset, id) order)."""
        rows = [
            (
                e.id,
                e.onset_ms,
                NULL if e.offset_ms is None else e.offset_ms,
                f"{e.track}\x1f{e.code}\x1f{e.actor}",
                e.version,
            )
            for e in events
        ]
        return cls.of_rows(coding, rows)

    def key(self, position: int) -> tuple:
        """What the columns hold of one event, to compare two readings of it (any stored change of the row,
        details included, raises its version)."""
        return (
            self.onsets[position], self.offsets[position], self.kind_values[self.kinds[position]],
            self.versions[position],
        )  # fmt: skip

    def event(self, position: int, details: Details | None) -> Event:
        """The event at ``position`` with the rest of its row (None: the store no longer has it; the next refresh
        removes it)."""
        track, code, actor = self.kind_values[self.kinds[position]]
        offset = self.offsets[position]
        onset_frame, offset_frame, codebook_id, modifiers, note, starred, cause, created, updated = (
            details or (0, None, self.codebook_id, "{}", None, 0, None, None, None)
        )
        # A stored row is a valid event: its fields are set directly, not one by one through the frozen
        # dataclass's __init__ (a page of 256 is made while the table paints).
        event = object.__new__(Event)
        event.__dict__.update(
            clip_id=self.clip_id,
            coder_id=self.coder_id,
            codebook_id=codebook_id,
            track=track,
            code=code,
            actor=actor,
            onset_ms=self.onsets[position],
            onset_frame=onset_frame,
            offset_ms=None if offset == NULL else offset,
            offset_frame=offset_frame,
            modifiers={} if modifiers == "{}" else json.loads(modifiers),
            note=note,
            starred=bool(starred),
            caused_by=cause,
            assignment_id=self.assignment_id,
            id=self.ids[position],
            created_at=created,
            updated_at=updated,
            version=self.versions[position],
        )
        return event


class IdPositions:
    """id → position in an id column without a dict entry per id: the ids are sorted once (numpy) and bisected."""

    def __init__(self, ids: array) -> None:
        import numpy as np  # here: the command line's start-up does not pay for it

        column = np.frombuffer(ids, dtype=np.int64) if len(ids) else np.zeros(0, dtype=np.int64)
        order = np.argsort(column, kind="stable")
        self._ids = array("q", column[order].tobytes())
        self._at = array("q", order.astype(np.int64).tobytes())

    def get(self, event_id: int) -> int | None:
        k = bisect.bisect_left(self._ids, event_id)
        return self._at[k] if k < len(self._ids) and self._ids[k] == event_id else None


class LoadedEvents:
    """id → :class:`Event` for one coding: the events read at open stay in their columns until one is asked for,
    then its page of :data:`PAGE` events is made with one read of their details. Events added or changed since
    are held as objects. Behaves as the dict of events the session used to keep."""

    def __init__(self, columns: CodingColumns, fetch: FetchDetails) -> None:
        self.columns = columns
        self._fetch = fetch
        self._positions = IdPositions(columns.ids)
        self._in_columns = bytearray(b"\x01") * len(columns)  # 1: the event is still only its columns
        self._unmade = len(columns)
        self._made: dict[int, Event] = {}
        self.untouched = True  # nothing added, changed or removed since the columns were read

    def _unmade_at(self, event_id: object) -> int | None:
        """The event's position in the columns if it has not been made (nor removed) yet."""
        at = self._positions.get(event_id) if isinstance(event_id, int) else None
        return at if at is not None and self._in_columns[at] else None

    def _take(self, at: int) -> None:
        self._in_columns[at] = 0
        self._unmade -= 1

    def __len__(self) -> int:
        return self._unmade + len(self._made)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._made or self._unmade_at(event_id) is not None

    def __iter__(self) -> Iterator[int]:
        return iter([*self._made, *self.unmade()])

    def __getitem__(self, event_id: int) -> Event:
        event = self._made.get(event_id)
        if event is None:
            at = self._unmade_at(event_id)
            if at is None:
                raise KeyError(event_id)  # not an event of this coding
            self._make_page(at)
            event = self._made[event_id]
        return event

    def __setitem__(self, event_id: int, event: Event) -> None:
        at = self._unmade_at(event_id)
        if at is not None:
            self._take(at)
        self._made[event_id] = event
        self.untouched = False

    def pop(self, event_id: int) -> Event:
        event = self[event_id]
        del self._made[event_id]
        self.untouched = False
        return event

    def made(self) -> dict[int, Event]:
        """The events already made (shown, edited or added), by id."""
        return self._made

    def unmade(self) -> dict[int, int]:
        """id → position in the columns of the events not made yet (a pass over the columns: for a reload)."""
        ids, flags = self.columns.ids, self._in_columns
        return {ids[at]: at for at in range(len(ids)) if flags[at]}

    def _make_page(self, position: int) -> None:
        start = position - position % PAGE
        ids, flags = self.columns.ids, self._in_columns
        positions = [p for p in range(start, min(start + PAGE, len(ids))) if flags[p]]
        if start == 0 and self.columns.first_page:
            details, self.columns.first_page = self.columns.first_page, {}  # read at open: used once
        else:
            details = self._fetch([ids[p] for p in positions])
        for p in positions:
            event_id = ids[p]
            self._made[event_id] = self.columns.event(p, details.get(event_id))
            self._take(p)


class OnsetOrder:
    """(onset_ms, id) pairs in order, held as two int64 arrays: found by bisecting, changed one pair at a time
    (a memmove), copied with a memcpy; never a tuple per event. Events with equal onsets are ordered by id."""

    def __init__(self, onsets: array | None = None, ids: array | None = None) -> None:
        self.onsets = array("q") if onsets is None else array("q", onsets)
        self.ids = array("q") if ids is None else array("q", ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, row: int) -> tuple[int, int]:
        return self.onsets[row], self.ids[row]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.onsets, self.ids, strict=True)

    def copy(self) -> OnsetOrder:
        return OnsetOrder(self.onsets, self.ids)

    def position(self, onset_ms: int, event_id: int) -> int:
        """Where (onset_ms, event_id) is, or would go."""
        lo = bisect.bisect_left(self.onsets, onset_ms)
        hi = bisect.bisect_right(self.onsets, onset_ms, lo)
        return bisect.bisect_left(self.ids, event_id, lo, hi)

    def first_after(self, at_ms: int) -> int:
        """The position of the first pair with an onset after ``at_ms``."""
        return bisect.bisect_right(self.onsets, at_ms)

    def first_from(self, at_ms: int) -> int:
        """The position of the first pair with an onset at or after ``at_ms``."""
        return bisect.bisect_left(self.onsets, at_ms)

    def insert(self, row: int, onset_ms: int, event_id: int) -> None:
        self.onsets.insert(row, onset_ms)
        self.ids.insert(row, event_id)

    def delete(self, row: int) -> None:
        del self.onsets[row]
        del self.ids[row]
