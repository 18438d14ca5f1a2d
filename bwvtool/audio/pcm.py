"""Decoded audio from ffmpeg as float32 blocks, streamed: an hour of audio never sits in memory at once.

ffmpeg writes a WAV stream to a pipe at the file's own sample rate (as its ebur128 filter measures it), so the
header says the rate and how many channels came out (mono stays mono, anything wider is mixed down to stereo) and
the file needs no probe first.
"""

from __future__ import annotations

import struct
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from bwvtool.errors import MediaError
from bwvtool.media import ffmpeg


@dataclass(frozen=True)
class Format:
    channels: int
    sample_rate: int


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_header(stream: IO[bytes]) -> Format | None:
    """Walk the RIFF chunks up to ``data``; None when ffmpeg wrote nothing (it failed)."""
    riff = _read_exact(stream, 12)
    if len(riff) < 12 or riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
        return None
    found = None
    while True:
        head = _read_exact(stream, 8)
        if len(head) < 8:
            return None
        kind, size = head[:4], struct.unpack("<I", head[4:])[0]
        if kind == b"data":
            return found
        body = _read_exact(stream, size + (size & 1))
        if kind == b"fmt ":
            channels, rate = struct.unpack("<HI", body[2:8])
            found = Format(channels, rate)


def blocks(path: str | Path, *, block_s: int, timeout_s: float) -> Iterator[tuple[Format, np.ndarray]]:
    """Yield (format, samples) with samples shaped (frames, channels); every block but the last holds
    ``block_s`` seconds exactly.

    :raises MediaError: no such file, no audio stream, unreadable audio, or the decode outlived ``timeout_s``.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    args = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-i", str(path), "-map", "0:a:0",
        "-vn", "-sn", "-dn", "-af", "aformat=channel_layouts=mono|stereo",
        "-c:a", "pcm_f32le", "-f", "wav", "pipe:1",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        # stderr goes to a file: an unread pipe fills up and stalls a long decode.
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        timed_out = threading.Event()
        timer = threading.Timer(timeout_s, lambda: (timed_out.set(), proc.kill()))
        timer.daemon = True
        timer.start()
        try:
            yield from _stream(proc, block_s)
        finally:
            proc.kill()  # no-op when done; stops ffmpeg when the caller gave up early
            proc.wait()
            timer.cancel()
            assert proc.stdout is not None
            proc.stdout.close()
        if timed_out.is_set():
            raise MediaError(f"{path.name}: timed out after {timeout_s:g} s decoding the audio")
        if proc.returncode != 0:
            log.seek(0)
            raise MediaError(f"{path.name}: {_reason(log.read().decode('utf-8', 'replace'))}")


def _stream(proc: subprocess.Popen, block_s: int) -> Iterator[tuple[Format, np.ndarray]]:
    assert proc.stdout is not None
    fmt = _read_header(proc.stdout)
    if fmt is None:
        return
    size = block_s * fmt.sample_rate * fmt.channels * 4
    while True:
        data = _read_exact(proc.stdout, size)
        usable = len(data) - len(data) % (fmt.channels * 4)
        if usable:
            yield fmt, np.frombuffer(data[:usable], dtype="<f4").reshape(-1, fmt.channels)
        if len(data) < size:
            proc.wait()
            return


def _reason(stderr: str) -> str:
    if "matches no streams" in stderr:
        return "no audio track"
    return ffmpeg.error_line(stderr, "ffmpeg could not decode the audio")
