"""Running the ffmpeg binary that ships with imageio-ffmpeg, always with a time limit.

Users have no system ffmpeg (and imageio-ffmpeg ships no ffprobe), so everything the media layer learns about a
file comes from this one executable: stream facts from ``ffmpeg -i`` on stderr, packet timestamps from the
``framecrc`` muxer, pixels from raw video on stdout. Every call has a deadline; a run that passes it is killed
and reported as a :class:`~bwvtool.errors.MediaError`, so a damaged file can never hang the tool.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bwvtool.errors import MediaError

# ffmpeg's own complaints worth showing a user, most specific first (the last stderr line is often generic).
_ERROR_HINTS = (
    re.compile(r"moov atom not found", re.I),
    re.compile(r"Invalid data found when processing input", re.I),
    re.compile(r"partial file", re.I),
    re.compile(r"No such file or directory", re.I),
    re.compile(r"Permission denied", re.I),
    re.compile(r"(?:Error|error|corrupt|Invalid)[^\n]*"),
)


def ffmpeg_exe() -> str:
    """Path of the ffmpeg executable bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:  # imageio-ffmpeg raises this when its binary is missing
        raise MediaError(f"ffmpeg is not available: {exc}") from exc


@dataclass(frozen=True)
class Result:
    """What one ffmpeg run produced."""

    returncode: int
    stdout: bytes
    stderr: str


def run(args: Sequence[str], *, timeout_s: float, what: str) -> Result:
    """Run ffmpeg with ``args`` (without the executable) and wait at most ``timeout_s`` seconds.

    :param what: a few words naming the job for the timeout message, e.g. ``"probing clip.mp4"``.
    :raises MediaError: when the run takes longer than ``timeout_s`` (the process is killed first).
    """
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    try:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:  # subprocess.run has already killed and reaped the child
        raise MediaError(f"timed out after {timeout_s:g} s {what}") from exc
    return Result(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))


def error_line(stderr: str, default: str = "ffmpeg could not read it") -> str:
    """The most telling line of ffmpeg's stderr, stripped of its ``[demuxer @ 0x...]`` prefix."""
    lines = [re.sub(r"^\[[^\]]*\]\s*", "", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    for pattern in _ERROR_HINTS:
        for line in lines:
            if pattern.search(line):
                return line
    return lines[-1] if lines else default


class Pipe:
    """An ffmpeg process fed on stdin (raw frames), killed if it outlives its deadline.

    Use as a context manager; :meth:`write` sends bytes, leaving the block waits for ffmpeg to finish and
    raises :class:`MediaError` with ffmpeg's own message if it failed or ran out of time.
    """

    def __init__(self, args: Sequence[str], *, timeout_s: float, what: str, log: Path) -> None:
        self._what = what
        self._timeout_s = timeout_s
        self._log_path = log
        self._log: IO[bytes] = log.open("wb")
        # stderr goes to a file, not a pipe: an unread pipe fills up and deadlocks a long encode.
        self._proc = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self._timed_out = threading.Event()
        self._timer = threading.Timer(timeout_s, self._kill)
        self._timer.daemon = True
        self._timer.start()

    def _kill(self) -> None:
        self._timed_out.set()
        self._proc.kill()

    def write(self, data: bytes | memoryview) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(data)
        except BrokenPipeError:
            self._finish()  # raises with ffmpeg's reason
            raise MediaError(f"ffmpeg stopped reading while {self._what}") from None

    def _finish(self) -> None:
        assert self._proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self._proc.stdin.close()
        code = self._proc.wait()
        self._timer.cancel()
        self._log.close()
        if self._timed_out.is_set():
            raise MediaError(f"timed out after {self._timeout_s:g} s {self._what}")
        if code != 0:
            stderr = self._log_path.read_text("utf-8", "replace")
            raise MediaError(f"ffmpeg failed {self._what}: {error_line(stderr)}")

    def __enter__(self) -> Pipe:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self._finish()
            return
        self._proc.kill()  # our own error: stop ffmpeg, keep the original exception
        self._timer.cancel()
        self._proc.wait()
        self._log.close()
