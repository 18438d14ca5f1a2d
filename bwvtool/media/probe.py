"""What a media file holds: container, duration, start time, video and audio facts.

There is no ffprobe in imageio-ffmpeg, so :func:`probe` runs ffmpeg once,
``ffmpeg -copyts -i FILE -map 0:V:0? -c copy -f framecrc -``, and reads two things from it: the input
description ffmpeg prints on stderr (codecs, sizes, rotation side data, start time) and the list of video packet
timestamps on stdout (exact frame count, frame rates, variable frame rate). Demuxing without decoding reads
about as fast as the disk delivers the file.

Files that are not usable video evidence — missing, empty, truncated, corrupt, a still image, a text file —
raise :class:`~bwvtool.errors.MediaError` with a one-line reason. Audio-only files probe fine (``video`` is
``None``); it is frame grabs that refuse them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from bwvtool.errors import MediaError
from bwvtool.media import ffmpeg
from bwvtool.media.timestamps import FrameTimes, parse_framecrc

# Demuxers that open stills and text, which ffmpeg happily reads as one-frame "video".
_STILL_CONTAINERS = {"image2", "image2pipe", "tty", "bin", "xbin", "adf", "idf"}
_TEXT_CODECS = {"ansi", "bintext", "xbin", "idf"}
_CHANNEL_LAYOUTS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6}
_CHANNEL_LAYOUTS |= {"6.1": 7, "7.1": 8, "downmix": 2}
# Problems the demuxer reports while reading packets: the header was fine, the body is not.
_DAMAGE = re.compile(
    r"partial file|corrupt|truncat|error while|error during|invalid|could not find ref", re.I
)
_PIX_FMT = re.compile(r"(?:yuv|yuvj|nv|rgb|bgr|gbr|gray|argb|rgba|bgra|abgr|pal|p0|ya|xyz|vaapi|cuda)\w*")
_FRIENDLY = {
    "moov atom not found": "not a complete MP4 (moov atom not found): truncated, still being written, or not video",
    "Invalid data found when processing input": "not a media file ffmpeg can read (invalid data)",
}


@dataclass(frozen=True)
class VideoInfo:
    """The first video stream. ``width``/``height`` are as stored; ``display_*`` after applying ``rotation``."""

    codec: str
    width: int
    height: int
    display_width: int
    display_height: int
    rotation: int  # degrees clockwise a player turns the stored picture: 0, 90, 180 or 270
    pix_fmt: str | None
    fps: float | None  # average frame rate, e.g. 29.97
    avg_frame_rate: str | None  # exact, e.g. "30000/1001"
    r_frame_rate: str | None  # base rate: one over the most common frame gap
    is_vfr: bool
    frame_count: int | None
    start_time_s: float | None  # first frame's pts in seconds (absolute, not relative to the container start)
    duration_s: float | None  # first frame to end of last frame
    time_base: str | None


@dataclass(frozen=True)
class AudioInfo:
    """The first audio stream."""

    codec: str
    sample_rate: int | None
    channels: int | None
    channel_layout: str | None
    start_time_s: float | None


@dataclass(frozen=True)
class MediaInfo:
    """Facts about one media file; :meth:`as_dict` gives plain JSON-ready data."""

    path: str
    size_bytes: int
    container: str
    duration_s: float | None
    start_time_s: float  # container start: time zero for frame grabs and player positions
    bit_rate_kbps: int | None
    video: VideoInfo | None
    audio: AudioInfo | None

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    @property
    def has_video(self) -> bool:
        return self.video is not None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["has_audio"] = self.has_audio
        data["has_video"] = self.has_video
        return data


def default_timeout(path: str | Path) -> float:
    """20 s, plus 10 s per GB: reading every packet header of a long recording takes a while on slow disks."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0
    return 20.0 + 10.0 * size / 1e9


def probe(path: str | Path, timeout_s: float | None = None) -> MediaInfo:
    """Describe the media file at ``path``.

    :param timeout_s: give up (killing ffmpeg) after this many seconds; default :func:`default_timeout`.
    :raises MediaError: missing, empty, unreadable, truncated, corrupt or non-video/audio file, or a timeout.
    """
    info, _ = read_media(path, timeout_s=timeout_s)
    return info


def frame_times(path: str | Path, timeout_s: float | None = None) -> FrameTimes:
    """Every video frame's time (see :mod:`bwvtool.media.timestamps`); reuse it for many frame grabs.

    :raises MediaError: as :func:`probe`, and when the file has no video stream.
    """
    info, times = read_media(path, timeout_s=timeout_s)
    if times is None:
        raise MediaError(f"{Path(path).name}: no video stream (audio only?)")
    return times


def read_media(path: str | Path, *, timeout_s: float | None = None) -> tuple[MediaInfo, FrameTimes | None]:
    """Probe ``path`` and return its facts together with its video frame times (``None`` without video)."""
    path = Path(path)
    timeout_s = default_timeout(path) if timeout_s is None else timeout_s
    name = path.name
    if not path.is_file():
        raise MediaError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{name}: the file is empty (0 bytes)")
    result = ffmpeg.run(
        ["-nostats", "-copyts", "-i", str(path), "-map", "0:V:0?", "-c", "copy", "-f", "framecrc", "-"],
        timeout_s=timeout_s,
        what=f"probing {name}",
    )
    header, tail = _split_input_section(result.stderr)
    if not header:
        reason = ffmpeg.error_line(result.stderr)
        friendly = next((text for key, text in _FRIENDLY.items() if key in reason), reason)
        raise MediaError(f"{name}: {friendly}")
    # Only the reading side counts: the framecrc muxer's own grumbles (e.g. about odd dts) are not damage.
    damage = next((ln for ln in tail.splitlines() if _DAMAGE.search(ln) and not ln.startswith("[out#")), None)
    if damage:
        reason = re.sub(r"^\[[^\]]*\]\s*", "", damage).strip()
        raise MediaError(f"{name}: truncated or corrupt ({reason})")
    container, duration_s, start_s, bit_rate = _parse_format(header)
    if container in _STILL_CONTAINERS or container.endswith("_pipe"):
        raise MediaError(f"{name}: unsupported file type ({container}): not a video or audio recording")
    video_block, audio_block = _first_stream(header, "Video"), _first_stream(header, "Audio")
    if video_block is None and audio_block is None:
        raise MediaError(f"{name}: no video or audio stream")
    origin_us = round(start_s * 1_000_000) if start_s is not None else None
    times = None
    video = None
    if video_block is not None:
        try:
            times = parse_framecrc(result.stdout.decode("ascii", "replace"), origin_us)
        except MediaError as exc:
            raise MediaError(f"{name}: {exc}") from None
        video = _video_info(video_block, times)
        if video.codec in _TEXT_CODECS:
            raise MediaError(f"{name}: unsupported file type (text shown as {video.codec}): not a recording")
    if start_s is None:
        start_s = times.origin_us / 1_000_000 if times else 0.0
    if duration_s is None and times is not None:
        duration_s = round(times.end_ms / 1000, 6)
    info = MediaInfo(
        path=str(path),
        size_bytes=size,
        container=container,
        duration_s=duration_s,
        start_time_s=start_s,
        bit_rate_kbps=bit_rate,
        video=video,
        audio=_audio_info(audio_block) if audio_block is not None else None,
    )
    return info, times


def _split_input_section(stderr: str) -> tuple[list[str], str]:
    """The ``Input #0`` description lines, and everything ffmpeg printed after them."""
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Input #0"):
            end = i + 1
            while end < len(lines) and lines[end].startswith(" "):
                end += 1
            return lines[i:end], "\n".join(lines[end:])
    return [], stderr


def _parse_format(header: list[str]) -> tuple[str, float | None, float | None, int | None]:
    match = re.match(r"Input #0, (.*), from '", header[0])
    container = match.group(1) if match else "unknown"
    duration = start = bit_rate = None
    for line in header:
        if line.strip().startswith("Duration:"):
            if m := re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", line):
                duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
            if m := re.search(r"start: (-?\d+(?:\.\d+)?)", line):
                start = float(m[1])
            if m := re.search(r"bitrate: (\d+) kb/s", line):
                bit_rate = int(m[1])
            break
    return container, duration, start, bit_rate


def _first_stream(header: list[str], kind: str) -> list[str] | None:
    """Lines of the first ``kind`` stream: its ``Stream #0:N`` line and its indented details.

    Cover art (``attached pic``) is not video.
    """
    for i, line in enumerate(header):
        if re.match(rf"\s+Stream #0:\d+\S*: {kind}: ", line) and "attached pic" not in line:
            indent = len(line) - len(line.lstrip())
            end = i + 1
            while end < len(header) and len(header[end]) - len(header[end].lstrip()) > indent:
                end += 1
            return header[i:end]
    return None


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses and brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def _stream_fields(block: list[str], kind: str) -> list[str]:
    return _split_top_level(block[0].split(f"{kind}: ", 1)[1])


def _rotation(block: list[str]) -> int:
    """Clockwise display rotation from the display matrix (ffmpeg prints its counter-clockwise angle)."""
    for line in block[1:]:
        if m := re.search(r"display\s*matrix: rotation of (-?\d+(?:\.\d+)?) degrees", line, re.I):
            return round(-float(m[1])) % 360
    return 0


def _ratio(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _video_info(block: list[str], times: FrameTimes) -> VideoInfo:
    fields = _stream_fields(block, "Video")
    codec = fields[0].split()[0]
    pix_fmt = next((m[0] for f in fields[1:] if (m := _PIX_FMT.match(f))), None)
    width = height = 0
    for field in fields[1:]:
        if m := re.match(r"(\d+)x(\d+)", field):
            width, height = int(m[1]), int(m[2])
            break
    rotation = _rotation(block)
    display = (height, width) if rotation in (90, 270) else (width, height)
    avg = times.avg_frame_rate
    header_fps = next((float(m[1]) for f in fields if (m := re.match(r"(\d+(?:\.\d+)?) fps", f))), None)
    first = times.pts[0] * times.time_base
    return VideoInfo(
        codec=codec,
        width=width,
        height=height,
        display_width=display[0],
        display_height=display[1],
        rotation=rotation,
        pix_fmt=pix_fmt,
        fps=round(float(avg), 3) if avg else header_fps,
        avg_frame_rate=_ratio(avg),
        r_frame_rate=_ratio(times.r_frame_rate),
        is_vfr=times.is_vfr,
        frame_count=len(times),
        start_time_s=round(float(first), 6),
        duration_s=round(float(times.end_ms / 1000 - times.seconds(0)), 6),
        time_base=_ratio(times.time_base),
    )


def _audio_info(block: list[str]) -> AudioInfo:
    fields = _stream_fields(block, "Audio")
    rate = next((int(m[1]) for f in fields if (m := re.match(r"(\d+) Hz", f))), None)
    layout = fields[2] if len(fields) > 2 else None
    channels = None
    if layout:
        if m := re.match(r"(\d+) channels", layout):
            channels = int(m[1])
        else:
            channels = _CHANNEL_LAYOUTS.get(layout.split("(")[0].strip())
    start = next((float(m[1]) for f in fields if (m := re.match(r"start (-?\d+(?:\.\d+)?)", f))), None)
    return AudioInfo(
        codec=fields[0].split()[0],
        sample_rate=rate,
        channels=channels,
        channel_layout=layout,
        start_time_s=start,
    )
