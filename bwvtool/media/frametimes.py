"""Frame look-ups a player needs, on top of :class:`~bwvtool.media.timestamps.FrameTimes`.

A player names the frame it has just shown by that frame's start time; Qt Multimedia gives it in microseconds
relative to the **container start**, the same time zero as :class:`FrameTimes` and the core's frame grabs. These
functions turn such a time into a frame index (tolerant of the microsecond rounding players do), pick a seek
position that lands on a wanted frame, and give each frame a whole-millisecond time for storage.

Conventions (shared with the coding store):

* frame indices count from 0 in display order, over the frames the file really holds (VFR-safe);
* :func:`frame_ms` is the frame's start rounded **up** to a whole millisecond, so
  ``times.index_at(frame_ms(times, i)) == i`` for every frame longer than 1 ms;
* times shown to people are relative to the clip start (container start), as ``HH:MM:SS.mmm``.

:class:`FrameTimesCache` keeps each file's probe result so reopening a clip does not read it again.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

from bwvtool.media.probe import MediaInfo, read_media
from bwvtool.media.timestamps import FrameTimes


def frame_of_start(times: FrameTimes, start_us: int) -> int:
    """Index of the frame whose start time is nearest to ``start_us`` (µs from the container start).

    Players round frame times to whole microseconds (29.97 fps frames start at 33366.67 µs, reported as
    33366 or 33367), so an exact ``≤`` look-up could fall one frame short; the nearest start cannot.
    """
    ticks = (Fraction(start_us, 1_000_000) + Fraction(times.origin_us, 1_000_000)) / times.time_base
    after = bisect.bisect_left(times.pts, ticks)
    if after == 0:
        return 0
    if after >= len(times.pts):
        return len(times.pts) - 1
    before = after - 1
    return before if ticks - times.pts[before] <= times.pts[after] - ticks else after


def start_us(times: FrameTimes, index: int) -> float:
    """Start of frame ``index`` in microseconds from the container start (unrounded)."""
    return float(times.seconds(index) * 1_000_000)


def frame_ms(times: FrameTimes, index: int) -> int:
    """Start of frame ``index`` as whole milliseconds, rounded up so that it still falls inside the frame."""
    return max(0, math.ceil(times.seconds(index) * 1000))


def end_ms(times: FrameTimes, index: int) -> float:
    """End of frame ``index`` (the next frame's start; the stream's end for the last frame), in ms."""
    if index + 1 < len(times):
        return float(times.seconds(index + 1) * 1000)
    return times.end_ms


def seek_ms(times: FrameTimes, index: int) -> int:
    """A whole-millisecond seek position that makes a player show exactly frame ``index``.

    After a seek, players drop the decoded frames that end before the position and show the first one left.
    Where a frame *ends* differs: some use its real duration (up to the next frame), Qt's FFmpeg backend uses
    the stream's nominal frame duration even in variable-frame-rate video. The position is therefore taken
    inside both windows — after the previous frame's end and not after this frame's end, by either measure —
    in the middle of what is left. (A position on the frame's start is ambiguous: it is also the previous
    frame's end.) For constant frame rate this is the middle of the frame.
    """
    start = float(times.seconds(index) * 1000)
    nominal = (
        float(times.common_gap * times.time_base * 1000) if times.common_gap else end_ms(times, index) - start
    )
    low = start  # exclusive
    if index > 0:
        low = max(low, float(times.seconds(index - 1) * 1000) + nominal)
    high = min(end_ms(times, index), start + nominal)  # inclusive
    position = math.floor((low + high) / 2)
    if position <= low:  # a window under 2 ms wide: its first whole millisecond
        position = math.floor(low) + 1
    return max(position, 0)


def frame_at(times: FrameTimes, ms: float) -> int:
    """The frame on screen at ``ms`` (see :meth:`FrameTimes.index_at`), clamped to the first and last frame."""
    if ms <= 0:
        return 0
    if ms >= times.end_ms:
        return len(times) - 1
    return times.index_at(ms)


def frame_after(times: FrameTimes, index: int, delta_ms: float) -> int:
    """The frame on screen ``delta_ms`` after (or before, if negative) the start of frame ``index``.

    Clamped to the first and last frame, so a jump past either end stops there.
    """
    return frame_at(times, float(times.seconds(index) * 1000) + delta_ms)


def format_clock(ms: float) -> str:
    """``HH:MM:SS.mmm`` for a time in milliseconds (negative times keep their sign)."""
    sign = "-" if ms < 0 else ""
    total = int(abs(ms))  # truncate: a frame at 999.7 ms is still in second 0
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


class FrameTimesCache:
    """Probe results per file, reused while the file is unchanged (same path, size and modification time).

    Safe to call from several threads (a player probes in the background while the user opens the next clip).
    Files are probed outside the lock, so two threads asking for the same new file may both read it once.

    :param max_files: how many files to remember; the least recently used is forgotten first.
    """

    def __init__(self, max_files: int = 64) -> None:
        self._max_files = max_files
        self._entries: OrderedDict[tuple[str, int, int], tuple[MediaInfo, FrameTimes | None]] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, path: str | Path, timeout_s: float = 60.0) -> tuple[MediaInfo, FrameTimes | None]:
        """The file's facts and frame times (``None`` without video), probing it only when not cached.

        :raises MediaError: as :func:`bwvtool.media.probe.read_media`.
        """
        resolved = Path(path).resolve()
        try:
            stat = resolved.stat()
            key: tuple[str, int, int] | None = (str(resolved), stat.st_size, stat.st_mtime_ns)
        except OSError:
            key = None  # missing: let read_media say so in its own words
        if key is not None:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key]
        result = read_media(resolved, timeout_s=timeout_s)
        if key is not None:
            with self._lock:
                self._entries[key] = result
                while len(self._entries) > self._max_files:
                    self._entries.popitem(last=False)
        return result
