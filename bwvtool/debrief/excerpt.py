"""Short excerpts of a clip for a debrief or training conversation, cut without touching the original.

An excerpt from ``from_ms`` to ``to_ms`` holds every frame on screen in ``[from_ms, to_ms)``: from the frame
displayed at ``from_ms`` (the core's frame definition, :mod:`bwvtool.media.frame`) up to the last frame that
starts before ``to_ms``.

* **Stream copy** when the cut is on keyframes (the first frame is a keyframe, and the frame after the last one
  is a keyframe or the cut runs to the end): packets are copied, so the picture is bit-identical and the cut is
  instant. The copy is then checked: it must hold exactly the frames asked for, with the same frame timing; if it
  does not (some files seek badly), the excerpt is re-encoded instead.
* **Accurate re-encode** otherwise: decoding starts at the keyframe before the cut, ``trim`` keeps exactly the
  frames by their timestamps, and the result is H.264/AAC.

The source's SHA-256 is checked against the catalogue before cutting and its size and modification time after;
the excerpt's own SHA-256, its source and the method are written to the audit log.
"""

from __future__ import annotations

import bisect
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from bwvtool.catalogue.clips import clip_details
from bwvtool.errors import MediaError, UsageError
from bwvtool.media import ffmpeg
from bwvtool.media.hashing import sha256_file
from bwvtool.media.probe import default_timeout, read_media
from bwvtool.media.timestamps import FrameTimes
from bwvtool.store import Workspace

Method = Literal["auto", "copy", "reencode"]


@dataclass(frozen=True)
class ExcerptResult:
    clip_id: str
    path: Path
    method: str  # "stream_copy" or "reencode"
    reason: str
    from_ms: float
    to_ms: float
    first_frame: int
    frames: int
    duration_ms: float
    sha256: str
    bytes: int
    source_path: str
    source_sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "clip_id": self.clip_id,
            "path": str(self.path),
            "method": self.method,
            "reason": self.reason,
            "from_ms": self.from_ms,
            "to_ms": self.to_ms,
            "first_frame": self.first_frame,
            "frames": self.frames,
            "duration_ms": self.duration_ms,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "source_path": self.source_path,
            "source_sha256": self.source_sha256,
        }


def keyframes(path: Path, times: FrameTimes, timeout_s: float) -> list[bool]:
    """Whether each frame (display order, as ``times``) is a keyframe, from the packet flags (no decoding)."""
    result = ffmpeg.run(
        ["-nostats", "-copyts", "-i", str(path), "-map", "0:V:0", "-c", "copy", "-f", "framecrc", "-"],
        timeout_s=timeout_s,
        what=f"reading keyframes of {path.name}",
    )
    keys: set[int] = set()
    for line in result.stdout.decode("ascii", "replace").splitlines():
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 6 or fields[0] != "0":
            continue
        flags = next(
            (f for f in fields[6:] if f.startswith("F=")), None
        )  # framecrc omits F= for plain keyframes
        if flags is None or int(flags[2:], 16) & 1:
            keys.add(int(fields[2]))
    return [pts in keys for pts in times.pts]


def frame_range(times: FrameTimes, from_ms: float, to_ms: float) -> tuple[int, int]:
    """``(first, stop)``: frames ``first .. stop-1`` are those on screen in ``[from_ms, to_ms)``.

    :raises MediaError: a time outside the video.
    """
    first = times.index_at(from_ms)
    if to_ms > times.end_ms:
        raise MediaError(f"--to-ms {to_ms:g} is after the end of the video ({times.end_ms:g} ms)")
    starts = [times.seconds(i) * 1000 for i in range(len(times))]
    stop = bisect.bisect_left(starts, Fraction(to_ms))  # frames starting before to_ms
    return first, max(stop, first)


def _starts_us(times: FrameTimes, first: int, stop: int) -> list[int]:
    origin = times.seconds(first)
    return [round((times.seconds(i) - origin) * 1_000_000) for i in range(first, stop)]


def _copy_args(
    source: Path, times: FrameTimes, first: int, stop: int, has_audio: bool, dest: Path
) -> list[str]:
    args: list[str] = []
    if first > 0:
        # Any point inside the keyframe: the demuxer seeks back to the keyframe itself.
        middle = (
            times.seconds(first)
            + (times.seconds(first + 1) if first + 1 < len(times) else times.seconds(first))
        ) / 2
        args += ["-ss", f"{float(middle):.6f}"]
    args += ["-i", str(source), "-map", "0:V:0"]
    if has_audio:
        args += ["-map", "0:a:0"]
    args += ["-c", "copy", "-frames:v", str(stop - first)]
    if stop < len(times):
        args += ["-t", f"{float(times.seconds(stop) - times.seconds(first)):.6f}"]
    return [*args, "-avoid_negative_ts", "make_zero", "-movflags", "+faststart", "-y", str(dest)]


def _reencode_args(
    source: Path, times: FrameTimes, first: int, stop: int, has_audio: bool, dest: Path
) -> list[str]:
    args = ["-copyts"]
    if first > 0:
        # Half-way to the previous frame, as for exact frame grabs: trim then keeps frames by their own pts.
        args += ["-ss", f"{float((times.seconds(first - 1) + times.seconds(first)) / 2):.6f}"]
    end_pts = f":end_pts={times.pts[stop]}" if stop < len(times) else ""
    video = (
        f"trim=start_pts={times.pts[first]}{end_pts},setpts=PTS-STARTPTS,scale=trunc(iw/2)*2:trunc(ih/2)*2"
    )
    args += ["-i", str(source), "-map", "0:V:0", "-vf", video]
    if has_audio:
        origin = Fraction(times.origin_us, 1_000_000)
        start = float(times.seconds(first) + origin)
        end = f":end={float(times.seconds(stop) + origin):.6f}" if stop < len(times) else ""
        args += ["-map", "0:a:0", "-af", f"atrim=start={start:.6f}{end},asetpts=PTS-STARTPTS", "-c:a", "aac",
                 "-b:a", "128k"]  # fmt: skip
    args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
             "-fps_mode", "passthrough", "-movflags", "+faststart", "-y", str(dest)]  # fmt: skip
    return args


def _run(args: list[str], timeout_s: float, what: str) -> None:
    result = ffmpeg.run(["-nostats", "-loglevel", "error", *args], timeout_s=timeout_s, what=what)
    if result.returncode != 0:
        raise MediaError(f"ffmpeg failed {what}: {ffmpeg.error_line(result.stderr)}")


def _holds(path: Path, expected_us: list[int]) -> tuple[bool, FrameTimes | None]:
    """Whether the file's frames start at exactly the expected offsets (to the microsecond, ±1)."""
    try:
        _, times = read_media(path)
    except MediaError:
        return False, None
    if times is None or len(times) != len(expected_us):
        return False, times
    got = _starts_us(times, 0, len(times))
    return all(abs(a - b) <= 1 for a, b in zip(got, expected_us, strict=True)), times


def _source(ws: Workspace, clip_id: str) -> tuple[dict[str, Any], Path]:
    clip = clip_details(ws, clip_id)
    if not clip.get("media_path"):
        raise MediaError(f"{clip_id} has no video file in the catalogue")
    path = Path(clip["media_path"]).expanduser()
    if not path.is_absolute():
        path = ws.path.parent / path
    if not path.is_file():
        raise MediaError(f"{clip_id}: video file {path} not found")
    return clip, path


def cut_excerpt(
    ws: Workspace,
    clip_id: str,
    from_ms: float,
    to_ms: float,
    out: str | Path,
    *,
    method: Method = "auto",
    actor: str | None = None,
) -> ExcerptResult:
    """Cut ``[from_ms, to_ms)`` of the clip's video into a new MP4 file ``out`` (see the module docstring).

    :param method: ``auto`` (stream copy on keyframes, else re-encode), or force ``copy`` / ``reencode``.
    :raises UsageError: bad times, an existing or unsuitable ``out``, ``copy`` forced off keyframes.
    :raises MediaError: no video, a changed source file (SHA-256), ffmpeg failing.
    """
    out = Path(out)
    if out.suffix.lower() != ".mp4":
        raise UsageError(f"{out.name}: excerpts are written as .mp4")
    if from_ms < 0 or to_ms <= from_ms:
        raise UsageError(
            f"the excerpt must start at 0 ms or later and end after it starts ({from_ms:g}–{to_ms:g})"
        )
    if out.exists():
        raise UsageError(f"{out} already exists; choose a new file name")
    if not out.parent.is_dir():
        raise UsageError(f"folder {out.parent} does not exist")
    clip, source = _source(ws, clip_id)
    if out.resolve() == source.resolve():
        raise UsageError("the excerpt cannot overwrite the original clip")
    before = source.stat()
    source_sha = sha256_file(source)
    if clip.get("sha256") and clip["sha256"] != source_sha:
        raise MediaError(
            f"{source.name} does not match the catalogue's SHA-256; refusing to cut from a changed file"
        )
    info, times = read_media(source)
    if times is None:
        raise MediaError(f"{source.name}: no video stream")
    first, stop = frame_range(times, from_ms, to_ms)
    if stop <= first:
        raise UsageError(f"no frame starts between {from_ms:g} and {to_ms:g} ms")
    timeout = default_timeout(source) + 60.0 + 3.0 * (to_ms - from_ms) / 1000
    keys = keyframes(source, times, timeout)
    on_keys = keys[first] and (stop == len(times) or keys[stop])
    if method == "copy" and not on_keys:
        raise UsageError(
            "the cut is not on keyframes, so it cannot be a stream copy; use --method auto or reencode"
        )
    expected = _starts_us(times, first, stop)
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".mp4", dir=out.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        used, reason = "reencode", "the cut is not on keyframes" if not on_keys else "re-encode asked for"
        if on_keys and method != "reencode":
            _run(
                _copy_args(source, times, first, stop, info.has_audio, temp),
                timeout,
                f"copying {source.name}",
            )
            if _holds(temp, expected)[0]:
                used, reason = "stream_copy", "the cut is on keyframes"
            else:
                reason = "a stream copy did not hold exactly the frames asked for"
        if used == "reencode":
            _run(
                _reencode_args(source, times, first, stop, info.has_audio, temp),
                timeout,
                f"re-encoding {source.name}",
            )
            holds, got = _holds(temp, expected)
            if got is None or len(got) != stop - first:
                raise MediaError(
                    f"the re-encoded excerpt holds {len(got) if got else 0} frames, not {stop - first}"
                )
        digest, size = sha256_file(temp), temp.stat().st_size
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    after = source.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise MediaError(
            f"{source.name} changed while the excerpt was cut"
        )  # never by us: ffmpeg only reads it
    duration_ms = float(
        ((times.seconds(stop) if stop < len(times) else Fraction(times.end_ms) / 1000) - times.seconds(first))
        * 1000
    )
    result = ExcerptResult(
        clip_id=clip_id,
        path=out.resolve(),
        method=used,
        reason=reason,
        from_ms=from_ms,
        to_ms=to_ms,
        first_frame=first,
        frames=stop - first,
        duration_ms=round(duration_ms, 3),
        sha256=digest,
        bytes=size,
        source_path=str(source.resolve()),
        source_sha256=source_sha,
    )
    with ws.transaction(actor) as tx:
        tx.audit("excerpt.create", "clip", clip_id, result.as_dict())
    return result
