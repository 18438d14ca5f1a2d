"""Incident time and camera time: where a clip sits on its incident's clock.

Each clip of an incident has an **offset** (the incident time, in ms, of the clip's media time 0) and a
**drift** (how fast the camera's clock ran against the incident clock, in parts per million: a camera at
+100 ppm recorded 1.0001 s of media for every second of the incident). Then

* camera time = (incident time − offset) × (1 + drift / 10⁶)
* incident time = offset + camera time / (1 + drift / 10⁶)

Camera time is media time from the container start, as :mod:`bwvtool.media.frame` and the players use it, so
"the frame camera 2 shows at incident time T" is the last frame of camera 2 whose time is ≤ camera time(T).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bwvtool.media.timestamps import FrameTimes

# How a clip's place was found. REFERENCE: the clip others were matched to (its catalogue offset stands);
# AUDIO: matched to another clip's sound; CATALOGUE: no usable common audio, the catalogue's recording times only.
REFERENCE, AUDIO, CATALOGUE = "reference", "audio", "catalogue"
# A microsecond of slack (frames are milliseconds apart): a frame's own start time, mapped to incident time and
# back, must land on that frame, not the one before.
ROUND_TRIP_MS = 0.001
METHOD_LABELS = {REFERENCE: "audio reference", AUDIO: "audio", CATALOGUE: "catalogue offset only"}


@dataclass(frozen=True)
class Placement:
    """Where one clip sits on its incident's clock (see the module docstring)."""

    clip_id: str
    offset_ms: float
    drift_ppm: float = 0.0

    @property
    def rate(self) -> float:
        return 1 + self.drift_ppm * 1e-6

    def camera_ms(self, incident_ms: float) -> float:
        """The clip's media time at ``incident_ms`` (negative before the clip starts)."""
        return (incident_ms - self.offset_ms) * self.rate

    def incident_ms(self, camera_ms: float) -> float:
        """The incident time of the clip's media time ``camera_ms``."""
        return self.offset_ms + camera_ms / self.rate

    def span(self, duration_ms: float) -> tuple[float, float]:
        """Incident times of the clip's first and last moment, for a clip ``duration_ms`` long."""
        return self.offset_ms, self.incident_ms(duration_ms)

    def frame_at(self, incident_ms: float, times: FrameTimes) -> int | None:
        """The frame the camera shows at ``incident_ms`` (``times``: the clip's frame times), or None when the
        clip has not started or has ended."""
        camera = self.camera_ms(incident_ms) + ROUND_TRIP_MS
        if camera < 0 or camera >= times.end_ms:
            return None
        return times.index_at(camera)

    def frame_incident_ms(self, index: int, times: FrameTimes) -> float:
        """The incident time at which frame ``index`` of the clip comes on screen."""
        return self.incident_ms(float(times.seconds(index)) * 1000)

    def nudged(self, frames: int, frame_ms: float) -> Placement:
        """The clip moved so that it shows ``frames`` frames further on at every incident time (negative: back),
        for a clip whose frames last ``frame_ms``."""
        return Placement(self.clip_id, self.offset_ms - frames * frame_ms / self.rate, self.drift_ppm)
