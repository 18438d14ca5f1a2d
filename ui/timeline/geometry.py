"""Pure arithmetic of the timeline view (no Qt): time ↔ pixels, ruler ticks, and which events are visible.

Kept apart from the widget so it can be tested directly and so painting only asks for what is on screen:
painting cost follows the number of visible events, not the number of events in the clip.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bwvtool.coding.columns import CodingColumns
    from bwvtool.coding.session import CodeLookup

# Ruler steps in ms, smallest first; the frame step is added when zoomed in far enough to see frames.
_STEPS_MS = (
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    120_000,
    300_000,
    600_000,
    1_800_000,
    3_600_000,
)


@dataclass
class View:
    """The visible window: ``start_ms`` at the left edge, ``ms_per_px`` horizontal scale."""

    start_ms: float = 0.0
    ms_per_px: float = 50.0
    width_px: int = 800
    duration_ms: int = 60_000
    min_ms_per_px: float = 0.5
    max_ms_per_px: float = 5_000.0

    @property
    def end_ms(self) -> float:
        return self.start_ms + self.width_px * self.ms_per_px

    def x_of(self, ms: float) -> float:
        return (ms - self.start_ms) / self.ms_per_px

    def ms_at(self, x: float) -> float:
        return self.start_ms + x * self.ms_per_px

    def zoom(self, factor: float, anchor_ms: float) -> None:
        """Scale by ``factor`` (<1 zooms in) keeping ``anchor_ms`` under the same pixel."""
        anchor_x = self.x_of(anchor_ms)
        self.ms_per_px = min(self.max_ms_per_px, max(self.min_ms_per_px, self.ms_per_px * factor))
        self.start_ms = anchor_ms - anchor_x * self.ms_per_px
        self.clamp()

    def fit(self) -> None:
        """Show the whole clip."""
        self.ms_per_px = max(self.min_ms_per_px, self.duration_ms / max(1, self.width_px - 20))
        self.start_ms = 0.0

    def scroll_px(self, dx: float) -> None:
        self.start_ms += dx * self.ms_per_px
        self.clamp()

    def ensure_visible(self, ms: float, margin_px: float = 40) -> None:
        """Scroll so that ``ms`` is on screen (the playhead is followed while playing)."""
        if ms < self.start_ms + margin_px * self.ms_per_px:
            self.start_ms = ms - margin_px * self.ms_per_px
        elif ms > self.end_ms - margin_px * self.ms_per_px:
            self.start_ms = ms - (self.width_px - margin_px) * self.ms_per_px
        self.clamp()

    def clamp(self) -> None:
        span = self.width_px * self.ms_per_px
        self.start_ms = max(-0.02 * span, min(self.start_ms, self.duration_ms - 0.98 * span))
        if self.duration_ms <= 0.96 * span:
            self.start_ms = -0.02 * span


def ruler_step_ms(ms_per_px: float, frame_ms: float | None, min_px: float = 70) -> float:
    """The smallest labelled step at least ``min_px`` pixels wide (a frame step when zoomed that far in)."""
    if frame_ms and frame_ms / ms_per_px >= min_px:
        return frame_ms
    for step in _STEPS_MS:
        if step / ms_per_px >= min_px:
            return step
    return _STEPS_MS[-1]


def format_ms(ms: float, step_ms: float | None = None) -> str:
    """``m:ss`` for coarse steps, ``m:ss.mmm`` for fine ones, ``h:mm:ss`` past an hour."""
    total = int(round(ms))
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    base = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    if step_ms is None or step_ms < 1000:
        base += f".{millis:03d}"
    return sign + base


class LaneIndex:
    """Events of one lane in (onset, id) order, in flat columns kept in step one change at a time.

    A change inserts or deletes one position in each column (a bisect and a memmove), never a pass over the lane,
    so a key press costs the same at 50,000 events as at 100. The columns are ``array`` objects that numpy reads
    without copying when a dense lane is painted; ``longest_ms`` bounds durations so overlap queries stay bisects.
    """

    def __init__(self) -> None:
        self._onsets = array("q")
        self._ids = array("q")
        self._ends = array("q")  # end ms (open states: the clip's end when indexed)
        self._points = array("b")  # 1 for point events
        self._onset_of: dict[int, int] = {}  # event_id -> indexed onset
        self.longest_ms = 0
        self.version = 0  # bumped by every change: painting caches per version
        self._pixels: _Pixels | None = None  # per-pixel counts at the last painted view, updated per change
        self._coverage: tuple[tuple, tuple[list[tuple[int, int]], list[tuple[int, int]]]] | None = None

    @classmethod
    def from_rows(cls, rows: list[tuple[int, int, int, bool]]) -> LaneIndex:
        """An index of ``rows`` (event_id, onset_ms, end_ms, is_point) built in one pass, in any order."""
        index = cls()
        rows = sorted(rows, key=itemgetter(1, 0))
        index._ids = array("q", [row[0] for row in rows])
        index._onsets = array("q", [row[1] for row in rows])
        index._ends = array("q", [row[2] for row in rows])
        index._points = array("b", [bool(row[3]) for row in rows])
        index._onset_of = dict(zip(index._ids, index._onsets, strict=True))
        index.longest_ms = max((row[2] - row[1] for row in rows), default=0)
        return index

    @classmethod
    def from_columns(cls, ids, onsets, ends, points) -> LaneIndex:
        """An index of numpy columns already in (onset, id) order (one lane of :func:`lane_indexes`)."""
        import numpy as np

        index = cls()
        index._ids = array("q", ids.astype(np.int64).tobytes())
        index._onsets = array("q", onsets.astype(np.int64).tobytes())
        index._ends = array("q", ends.astype(np.int64).tobytes())
        index._points = array("b", points.astype(np.int8).tobytes())
        index._onset_of = dict(zip(ids.tolist(), onsets.tolist(), strict=True))
        index.longest_ms = int((ends - onsets).max()) if len(ids) else 0
        return index

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, event_id: int) -> bool:
        return event_id in self._onset_of

    def rows(self) -> list[tuple[int, int, int, bool]]:
        """(event_id, onset_ms, end_ms, is_point) in index order."""
        return list(zip(self._ids, self._onsets, self._ends, map(bool, self._points), strict=True))

    def _position(self, onset_ms: int, event_id: int) -> int:
        """Where (onset_ms, event_id) is or would go: equal onsets are ordered by id."""
        at = bisect.bisect_left(self._onsets, onset_ms)
        end = bisect.bisect_right(self._onsets, onset_ms, at)
        while at < end and self._ids[at] < event_id:
            at += 1
        return at

    def add(self, event_id: int, onset_ms: int, end_ms: int, is_point: bool = False) -> None:
        if event_id in self._onset_of:
            self.remove(event_id)
        at = self._position(onset_ms, event_id)
        self._onsets.insert(at, onset_ms)
        self._ids.insert(at, event_id)
        self._ends.insert(at, end_ms)
        self._points.insert(at, 1 if is_point else 0)
        if self._pixels is not None:
            self._pixels.count(onset_ms, end_ms, is_point, +1)
        self._onset_of[event_id] = onset_ms
        self.longest_ms = max(self.longest_ms, end_ms - onset_ms)
        self.version += 1

    def remove(self, event_id: int) -> None:
        onset_ms = self._onset_of.pop(event_id, None)
        if onset_ms is None:
            return
        at = self._position(onset_ms, event_id)
        if self._pixels is not None:
            self._pixels.count(onset_ms, self._ends[at], bool(self._points[at]), -1)
        for column in (self._onsets, self._ids, self._ends, self._points):
            del column[at]
        self.version += 1

    def _window(self, start_ms: float, end_ms: float) -> tuple[int, int]:
        """Positions [lo, hi) of the events that may overlap the window (two bisects)."""
        lo = bisect.bisect_left(self._onsets, math.floor(start_ms) - self.longest_ms)
        hi = bisect.bisect_right(self._onsets, math.floor(end_ms))
        return lo, hi

    def count_between(self, start_ms: float, end_ms: float) -> int:
        """An upper bound on the events overlapping the window (cheap: two bisects)."""
        lo, hi = self._window(start_ms, end_ms)
        return hi - lo

    def coverage(self, view: View) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """What a dense lane looks like at pixel resolution: runs of pixels covered by states, and runs of pixel
        columns holding point events ([start, end) each). Per-pixel counts are built once per view (numpy reads the columns in place)
        and then updated by each change, so a key press costs the same at 50,000 events as at 1,000."""
        key = (self.version, view.start_ms, view.ms_per_px, view.width_px)
        if self._coverage is not None and self._coverage[0] == key:
            return self._coverage[1]
        if self._pixels is None or self._pixels.view != key[1:]:
            self._pixels = _Pixels.of(self, view)
        found = self._pixels.picture()
        self._coverage = (key, found)
        return found

    def visible(self, start_ms: float, end_ms: float) -> list[int]:
        """Ids of events overlapping [start_ms, end_ms]."""
        lo, hi = self._window(start_ms, end_ms)
        ids, ends = self._ids, self._ends
        return [ids[k] for k in range(lo, hi) if ends[k] >= start_ms]


def lane_indexes(
    columns: CodingColumns,
    codes: CodeLookup,
    clip_end_ms: int,
    lane_key: Callable[[str, str], tuple[str, str]],
) -> dict[tuple[str, str], LaneIndex]:
    """Every lane's :class:`LaneIndex` from a coding's columns, with numpy: no Python step per event.

    An event's end is its offset, the clip's end for a state still running, its onset for a point event.
    ``lane_key(track, actor)`` names (and may create) the lane of each kind of event.
    """
    import numpy as np

    from bwvtool.coding.columns import NULL

    if not len(columns):
        return {}
    lane_number: dict[tuple[str, str], int] = {}
    lane_of_kind = np.empty(len(columns.kind_values), dtype=np.int64)
    state_of_kind = np.empty(len(columns.kind_values), dtype=bool)
    for k, (track, code, actor) in enumerate(columns.kind_values):
        lane_of_kind[k] = lane_number.setdefault(lane_key(track, actor), len(lane_number))
        state_of_kind[k] = codes.spec(code).is_state
    kind = np.frombuffer(columns.kinds, dtype=np.int32)
    ids = np.frombuffer(columns.ids, dtype=np.int64)
    onsets = np.frombuffer(columns.onsets, dtype=np.int64)
    offsets = np.frombuffer(columns.offsets, dtype=np.int64)
    lane, is_state, running = lane_of_kind[kind], state_of_kind[kind], offsets == NULL
    ends = np.where(running, np.where(is_state, clip_end_ms, onsets), offsets)
    points = running & ~is_state
    order = np.argsort(lane, kind="stable")  # stable: each lane keeps the columns' (onset, id) order
    bounds = np.searchsorted(lane[order], np.arange(len(lane_number) + 1))
    found = {}
    for key, number in lane_number.items():
        chosen = order[bounds[number] : bounds[number + 1]]
        found[key] = LaneIndex.from_columns(ids[chosen], onsets[chosen], ends[chosen], points[chosen])
    return found


class _Pixels:
    """Per-pixel counts of one lane at one view: states as a difference array (+1 where one begins, -1 after
    it ends), point events as ticks. One event changes two or one cells."""

    def __init__(self, view: tuple[float, float, int], delta, ticks) -> None:
        self.view = view  # (start_ms, ms_per_px, width_px)
        self.delta = delta
        self.ticks = ticks

    @classmethod
    def of(cls, index: LaneIndex, view: View) -> _Pixels:
        import numpy as np

        width = view.width_px
        # Views of the columns are dropped before returning: an array exporting its buffer cannot grow.
        onsets = np.frombuffer(index._onsets, dtype=np.int64)
        ends = np.frombuffer(index._ends, dtype=np.int64)
        is_point = np.frombuffer(index._points, dtype=np.int8).astype(bool)
        x0 = np.floor((onsets - view.start_ms) / view.ms_per_px).astype(np.int64)
        x1 = np.floor((ends - view.start_ms) / view.ms_per_px).astype(np.int64)
        del onsets, ends
        on_screen = (x1 >= 0) & (x0 < width)
        ticks = np.bincount(np.clip(x0[on_screen & is_point], 0, width - 1), minlength=width)
        states = on_screen & ~is_point
        delta = np.bincount(np.clip(x0[states], 0, width), minlength=width + 2)
        delta = delta - np.bincount(np.clip(x1[states] + 1, 0, width + 1), minlength=width + 2)
        return cls((view.start_ms, view.ms_per_px, width), delta, ticks)

    def count(self, onset_ms: int, end_ms: int, is_point: bool, sign: int) -> None:
        start, ms_per_px, width = self.view
        x0 = math.floor((onset_ms - start) / ms_per_px)
        x1 = math.floor((end_ms - start) / ms_per_px)
        if x1 < 0 or x0 >= width:
            return
        if is_point:
            self.ticks[min(max(x0, 0), width - 1)] += sign
        else:
            self.delta[min(max(x0, 0), width)] += sign
            self.delta[min(max(x1 + 1, 0), width + 1)] -= sign

    def picture(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        import numpy as np

        width = self.view[2]
        return _runs(np.cumsum(self.delta)[:width] > 0), _runs(self.ticks > 0)


def _runs(marked) -> list[tuple[int, int]]:
    """[start, end) of each run of marked pixels: neighbouring pixels paint as one rectangle."""
    import numpy as np

    edges = np.flatnonzero(np.diff(np.concatenate(([False], marked, [False])).astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
