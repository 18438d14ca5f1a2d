"""Pure arithmetic of the timeline view (no Qt): time ↔ pixels, ruler ticks, and which events are visible.

Kept apart from the widget so it can be tested directly and so painting only asks for what is on screen:
painting cost follows the number of visible events, not the number of events in the clip.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

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


@dataclass
class LaneIndex:
    """Events of one lane, sorted by onset, with the longest duration so overlap queries stay bisects."""

    onsets: list[tuple[int, int]] = field(default_factory=list)  # (onset_ms, event_id)
    ends: dict[int, int] = field(default_factory=dict)  # event_id -> end ms (open states: the clip's end)
    points: set[int] = field(default_factory=set)  # ids of point events
    onset_of: dict[int, int] = field(default_factory=dict)  # event_id -> indexed onset
    longest_ms: int = 0
    _arrays: tuple | None = None  # numpy (onsets, ends, is_point), rebuilt after a change

    def add(self, event_id: int, onset_ms: int, end_ms: int, is_point: bool = False) -> None:
        bisect.insort(self.onsets, (onset_ms, event_id))
        self.ends[event_id] = end_ms
        self.onset_of[event_id] = onset_ms
        if is_point:
            self.points.add(event_id)
        self.longest_ms = max(self.longest_ms, end_ms - onset_ms)
        self._arrays = None

    def remove(self, event_id: int) -> None:
        onset_ms = self.onset_of.pop(event_id, None)
        if onset_ms is None:
            return
        index = bisect.bisect_left(self.onsets, (onset_ms, event_id))
        if index < len(self.onsets) and self.onsets[index] == (onset_ms, event_id):
            del self.onsets[index]
        self.ends.pop(event_id, None)
        self.points.discard(event_id)
        self._arrays = None

    def count_between(self, start_ms: float, end_ms: float) -> int:
        """An upper bound on the events overlapping the window (cheap: two bisects)."""
        lo = bisect.bisect_left(self.onsets, (int(start_ms) - self.longest_ms - 1, -1))
        hi = bisect.bisect_right(self.onsets, (int(end_ms) + 1, 1 << 62))
        return hi - lo

    def coverage(self, view: View) -> tuple[list[tuple[int, int]], list[int]]:
        """What a dense lane looks like at pixel resolution: runs of pixels covered by states, and the pixel
        columns holding point events. Cost is linear in events with numpy and in pixels in Python, so a lane
        of 10,000 events paints as fast as one of a few hundred."""
        import numpy as np

        if self._arrays is None:
            ids = [eid for _, eid in self.onsets]
            self._arrays = (
                np.fromiter((on for on, _ in self.onsets), dtype=np.float64, count=len(ids)),
                np.fromiter((self.ends[eid] for eid in ids), dtype=np.float64, count=len(ids)),
                np.fromiter((eid in self.points for eid in ids), dtype=bool, count=len(ids)),
            )
        onsets, ends, is_point = self._arrays
        width = view.width_px
        x0 = np.floor((onsets - view.start_ms) / view.ms_per_px).astype(np.int64)
        x1 = np.floor((ends - view.start_ms) / view.ms_per_px).astype(np.int64)
        on_screen = (x1 >= 0) & (x0 < width)
        points = np.unique(np.clip(x0[on_screen & is_point], 0, width - 1)).tolist()
        states = on_screen & ~is_point
        delta = np.zeros(width + 2, dtype=np.int64)
        np.add.at(delta, np.clip(x0[states], 0, width), 1)
        np.add.at(delta, np.clip(x1[states] + 1, 0, width + 1), -1)
        covered = np.cumsum(delta)[:width] > 0
        edges = np.flatnonzero(np.diff(np.concatenate(([False], covered, [False])).astype(np.int8)))
        runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
        return runs, points

    def visible(self, start_ms: float, end_ms: float) -> list[int]:
        """Ids of events overlapping [start_ms, end_ms]."""
        lo = bisect.bisect_left(self.onsets, (int(start_ms) - self.longest_ms - 1, -1))
        hi = bisect.bisect_right(self.onsets, (int(end_ms) + 1, 1 << 62))
        return [eid for onset, eid in self.onsets[lo:hi] if self.ends[eid] >= start_ms]
