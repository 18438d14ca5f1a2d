"""Every video frame's presentation time, read from packet headers without decoding a single frame.

``ffmpeg -copyts -i FILE -map 0:V:0 -c copy -f framecrc -`` lists each video packet's pts in the stream's time
base (integers, so no rounding). Sorted, they are the frames in display order: frame *i* is the *i*-th
smallest pts. This is what makes frame grabs exact and VFR detection certain rather than guessed from the
header's rounded frame rate.

Time zero: all times in milliseconds here are relative to the **container start time** (``start:`` in ffmpeg's
``Duration`` line, the earliest stream start), which is also the origin of ffmpeg's ``-ss`` and of ffplay's clock.
For ordinary clips that is the first video frame (0 ms); for clips with a non-zero start time (e.g. cut from a
longer recording) a frame's time is its pts minus that start. When audio starts before video (AAC priming after
an offset), the first video frame's time is a few ms above zero and times before it show the first frame.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from bwvtool.errors import MediaError

_NOPTS = -(2**63)
# Frame gaps are CFR when they differ by no more than this share of the usual gap (container time bases round
# 29.97 fps to 33/34 ms steps, which is still constant frame rate).
_VFR_TOLERANCE = 0.02


@dataclass(frozen=True)
class FrameTimes:
    """Presentation times of one video stream, in display order.

    :param time_base: seconds per tick of ``pts``.
    :param origin_us: container start time in microseconds (time zero for ``*_ms`` values).
    :param pts: sorted presentation timestamps in ticks, one per frame.
    :param last_duration: duration of the last frame in ticks (0 if unknown).
    """

    time_base: Fraction
    origin_us: int
    pts: tuple[int, ...]
    last_duration: int = 0

    def __len__(self) -> int:
        return len(self.pts)

    def seconds(self, index: int) -> Fraction:
        """Exact time of frame ``index`` in seconds, relative to the container start."""
        return self.pts[index] * self.time_base - Fraction(self.origin_us, 1_000_000)

    def pts_ms(self, index: int) -> float:
        """Time of frame ``index`` in milliseconds (relative to the container start), to the microsecond."""
        return round(float(self.seconds(index) * 1000), 3)

    def index_at(self, at_ms: float) -> int:
        """Index of the frame displayed at ``at_ms``: the last frame whose time is ≤ ``at_ms``.

        Times before the first frame give 0 (a player shows the first frame until then).
        :raises MediaError: when ``at_ms`` is negative or after the end of the video.
        """
        if at_ms < 0:
            raise MediaError(f"time {at_ms:g} ms is negative")
        if at_ms > self.end_ms:
            raise MediaError(f"time {at_ms:g} ms is after the end of the video ({self.end_ms:g} ms)")
        target = Fraction(self.origin_us, 1_000_000) + Fraction(at_ms) / 1000
        ticks = math.floor(target / self.time_base)  # pts ≤ target ⇔ pts ≤ floor(target) for integer pts
        return max(bisect.bisect_right(self.pts, ticks) - 1, 0)

    @property
    def end_ms(self) -> float:
        """End of the last frame (its time plus its duration), in milliseconds."""
        if not self.pts:
            return 0.0
        duration = self.last_duration or (self.common_gap or 0)
        return round(
            float(((self.pts[-1] + duration) * self.time_base - Fraction(self.origin_us, 10**6)) * 1000), 3
        )

    @property
    def gaps(self) -> list[int]:
        return [b - a for a, b in zip(self.pts, self.pts[1:], strict=False)]

    @property
    def common_gap(self) -> int | None:
        """The most frequent distance between consecutive frames, in ticks."""
        gaps = self.gaps
        return Counter(gaps).most_common(1)[0][0] if gaps else None

    @property
    def r_frame_rate(self) -> Fraction | None:
        """The base frame rate: one over the most frequent frame gap (30000/1001 for 29.97 fps)."""
        gap = self.common_gap
        return 1 / (gap * self.time_base) if gap else None

    @property
    def avg_frame_rate(self) -> Fraction | None:
        """Frames per second over the whole stream (below the base rate when frames were dropped)."""
        if len(self.pts) < 2:
            return None
        span = (self.pts[-1] - self.pts[0]) * self.time_base
        return (Fraction(len(self.pts) - 1) / span).limit_denominator(1001) if span else None

    @property
    def is_vfr(self) -> bool:
        """True when frame gaps vary by more than time-base rounding."""
        gaps = self.gaps
        if len(gaps) < 2:
            return False
        slack = max(2, _VFR_TOLERANCE * (self.common_gap or 0))
        return max(gaps) - min(gaps) > slack


def parse_framecrc(text: str, origin_us: int | None) -> FrameTimes:
    """Build :class:`FrameTimes` from ``framecrc`` output (one video stream).

    :param origin_us: the container start in µs; ``None`` means the first frame is time zero.
    :raises MediaError: when packets lack timestamps or there are none.
    """
    time_base: Fraction | None = None
    pts: list[int] = []
    durations: dict[int, int] = {}
    for line in text.splitlines():
        if line.startswith("#tb 0:"):
            num, den = line.split(":", 1)[1].strip().split("/")
            time_base = Fraction(int(num), int(den))
            continue
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 5 or fields[0] != "0":
            continue
        value, duration = int(fields[2]), int(fields[3])
        if value == _NOPTS:
            raise MediaError("the video packets carry no timestamps (remux the file to MP4 first)")
        pts.append(value)
        durations[value] = duration
    if time_base is None or not pts:
        raise MediaError("the video stream has no frames")
    pts.sort()
    if origin_us is None:
        origin_us = math.floor(pts[0] * time_base * 1_000_000)
    return FrameTimes(time_base, origin_us, tuple(pts), durations.get(pts[-1], 0))
