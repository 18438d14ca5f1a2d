"""Exact frame grabs: the frame a player shows at time T, never merely the nearest keyframe.

Definition: the frame displayed at ``at_ms`` is the **last frame whose presentation time is ≤ at_ms**, with times
measured from the container start (see :mod:`bwvtool.media.timestamps`; 0 ms is the first frame of an ordinary
clip, and clips with a non-zero start time are handled by subtracting it). Its index counts frames in display
order from 0.

How: the packet timestamps (:func:`bwvtool.media.probe.frame_times`, no decoding) say which frame that is and its
exact pts in ticks. ffmpeg then seeks to half-way between that frame and the one before (decoding from the
keyframe before it), a ``select`` filter keeps the first frame whose pts equals or passes the target pts, and
``showinfo`` reports the pts and size of what was decoded, which must match the target tick for tick.
ffmpeg applies the display-matrix rotation itself, so the pixels come out as a player shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bwvtool.errors import MediaError
from bwvtool.media import ffmpeg
from bwvtool.media.probe import frame_times
from bwvtool.media.timestamps import FrameTimes

if TYPE_CHECKING:
    import numpy as np

_SHOWINFO = re.compile(r"\bn:\s*0\s+pts:\s*(-?\d+)\b.*?\bs:(\d+)x(\d+)")


@dataclass(frozen=True)
class Frame:
    """One decoded frame in display orientation.

    :param rgb: ``height × width × 3`` uint8 array, RGB order.
    :param pts_ms: the frame's own time in ms, relative to the container start (e.g. 100.1 at 29.97 fps).
    :param index: position of the frame in display order, from 0.
    :param at_ms: the time that was asked for.
    """

    rgb: np.ndarray
    pts_ms: float
    index: int
    at_ms: float

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    def save(self, path: str | Path) -> Path:
        """Write the frame as an image (PNG for a ``.png`` name) and return the path."""
        import cv2

        path = Path(path)
        try:
            written = cv2.imwrite(str(path), self.rgb[:, :, ::-1])  # OpenCV wants BGR
        except cv2.error as exc:
            raise MediaError(f"cannot write {path}: {exc.msg.strip()}") from exc
        if not written:
            raise MediaError(f"cannot write {path} (does the folder exist, and is the name a .png?)")
        return path

    def describe(self) -> dict[str, float | int]:
        return {"at_ms": self.at_ms, "pts_ms": self.pts_ms, "index": self.index}


def grab_frame(
    path: str | Path, at_ms: float, *, times: FrameTimes | None = None, timeout_s: float | None = None
) -> Frame:
    """Decode the frame displayed at ``at_ms`` milliseconds (see the module docstring for the definition).

    :param times: the clip's :func:`~bwvtool.media.probe.frame_times`, to save re-reading them on every grab.
    :param timeout_s: limit for each ffmpeg run (default: 30 s for the decode, and the probe's own default).
    :raises MediaError: unreadable or audio-only file, ``at_ms`` outside the video, decoding failure, timeout.
    """
    import numpy as np

    path = Path(path)
    if times is None:
        times = frame_times(path, timeout_s=timeout_s)
    index = times.index_at(at_ms)
    target = times.pts[index]
    args = ["-copyts"]
    if index > 0:
        # Half-way to the previous frame: ffmpeg's accurate seek keeps everything from there on, whichever
        # way it rounds the seek point to ticks; select then drops what comes before the target.
        seek = (times.seconds(index - 1) + times.seconds(index)) / 2
        args += ["-ss", f"{float(seek):.6f}"]
    args += [
        "-i", str(path),
        "-map", "0:V:0", "-an", "-sn", "-dn",
        "-vf", f"select='gte(pts,{target})',showinfo",
        "-frames:v", "1", "-fps_mode", "passthrough",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]  # fmt: skip
    result = ffmpeg.run(
        args, timeout_s=30.0 if timeout_s is None else timeout_s, what=f"decoding {path.name} at {at_ms:g} ms"
    )
    match = _SHOWINFO.search(result.stderr)
    if result.returncode != 0 or match is None:
        raise MediaError(
            f"{path.name}: could not decode the frame at {at_ms:g} ms: {ffmpeg.error_line(result.stderr)}"
        )
    pts, width, height = int(match[1]), int(match[2]), int(match[3])
    if pts != target:
        raise MediaError(
            f"{path.name}: decoder returned pts {pts} instead of {target} at {at_ms:g} ms (damaged stream?)"
        )
    if len(result.stdout) != width * height * 3:
        raise MediaError(
            f"{path.name}: decoder returned {len(result.stdout)} bytes for a {width}x{height} frame"
        )
    rgb = np.frombuffer(bytearray(result.stdout), dtype=np.uint8).reshape(height, width, 3)  # writable
    return Frame(rgb=rgb, pts_ms=max(times.pts_ms(index), 0.0), index=index, at_ms=at_ms)
