"""A clip's sound for alignment: decoded once, mono, at a low sample rate, as one float32 array.

8 kHz keeps everything speech carries below 4 kHz and makes ten minutes 4.8 million samples (19 MB), so four
cameras' sound fits in memory and one FFT covers a long window. Sample 0 is media time 0 (the container start,
as frame grabs count it): ``aresample``'s ``first_pts=0`` pads or trims the start so that it is, whatever the
audio stream's own start time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from bwvtool.errors import MediaError
from bwvtool.media import ffmpeg

RATE = 8_000
_NTSC = {"29.97": Fraction(30000, 1001), "23.98": Fraction(24000, 1001), "59.94": Fraction(60000, 1001)}
_FPS = re.compile(r",\s*(\d+(?:\.\d+)?) fps\b")


@dataclass(frozen=True)
class Sound:
    """Mono samples at :data:`RATE`; ``samples`` is empty when the clip has no audio track. ``fps``: the
    video's frame rate as ffmpeg's header reports it (None without video), the unit of a reviewer's nudge."""

    samples: np.ndarray
    rate: int = RATE
    fps: float | None = None

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def decode(path: str | Path, *, rate: int = RATE, timeout_s: float | None = None) -> Sound:
    """Decode ``path``'s first audio stream to mono float32 at ``rate``; no audio track gives empty samples.

    :raises MediaError: missing or unreadable file, or the decode outlived its deadline (default: 60 s plus
        one second per 20 MB).
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    if timeout_s is None:
        timeout_s = 60 + path.stat().st_size / 20e6
    args = [
        "-nostats", "-i", str(path), "-map", "0:a:0?", "-vn", "-sn", "-dn",
        "-af", f"aresample={rate}:first_pts=0", "-ac", "1", "-c:a", "pcm_f32le", "-f", "f32le", "pipe:1",
    ]  # fmt: skip
    result = ffmpeg.run(args, timeout_s=timeout_s, what=f"decoding the audio of {path.name}")
    if result.returncode != 0 and "does not contain any stream" in result.stderr:
        return Sound(np.zeros(0, dtype=np.float32), rate, _fps(result.stderr))  # "0:a:0?" matched nothing
    if result.returncode != 0:
        raise MediaError(
            f"{path.name}: {ffmpeg.error_line(result.stderr, 'ffmpeg could not decode the audio')}"
        )
    usable = len(result.stdout) - len(result.stdout) % 4
    return Sound(
        np.frombuffer(result.stdout[:usable], dtype="<f4").astype(np.float32), rate, _fps(result.stderr)
    )


def _fps(stderr: str) -> float | None:
    """The first video stream's frame rate from ffmpeg's description of the input ("…, 29.97 fps, …")."""
    for line in stderr.splitlines():
        if "Video:" in line and (found := _FPS.search(line)):
            return float(_NTSC.get(found[1], found[1]))  # ffmpeg rounds 30000/1001 to "29.97"
    return None
