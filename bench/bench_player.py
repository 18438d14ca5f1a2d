"""Player speed: clip open to first frame, and seek-to-frame latency on 720p and 1080p, beside ffmpeg's floor.

1. Open to first frame (the 720p sample): ``PlayerWidget.open_clip`` until the first picture is ready to paint,
   and until its frame index is known too (packet timestamps read in the background; measured without the
   per-file cache, i.e. a clip opened for the first time). Baseline: ffmpeg's own
   wall time to open the file and decode its first frame (``-frames:v 1 -f null``), a separate process.
2. Seek to frame (paused, random frames, exact frame checked): ``seek_frame`` until the widget shows that very
   frame. Baseline, measured right after each seek (interleaved): ffmpeg decoding the same frame — ``-ss`` just
   before the keyframe that precedes it and decoding up to it — as timed by ffmpeg itself (``-benchmark`` rtime:
   no process start) and, for reference, as process wall time.

    QT_QPA_PLATFORM=offscreen python bench/bench_player.py [--opens 15] [--seeks 40]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from figures import Figure, emit

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")

SAMPLE = Path(__file__).resolve().parent.parent / "sample_media" / "framecode_720p25.mp4"
OPEN_TARGET_MS = 150
_RTIME = re.compile(r"rtime=([\d.]+)s")


def wait_for(app, condition, timeout_s: float = 20.0) -> None:
    """Spin the event loop until ``condition()``; no sleeping, so the time it returns at is the time it held."""
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the player did not get there in time")
        app.processEvents()


def keyframes(path: Path) -> list[int]:
    """Display-order indices of the keyframes (packets framecrc prints without ``F=0x0``)."""
    from bwvtool.media import ffmpeg

    result = ffmpeg.run(
        ["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"], timeout_s=60, what=""
    )
    rows = [line.split(",") for line in result.stdout.decode().splitlines() if line.startswith("0,")]
    pts = sorted(int(row[2]) for row in rows)
    key_pts = {int(row[2]) for row in rows if "F=0x0" not in row[-1]}
    return [i for i, value in enumerate(pts) if value in key_pts]


def ffmpeg_first_frame(path: Path, runs: int) -> list[float]:
    from bwvtool.media.ffmpeg import ffmpeg_exe

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-i",
                str(path),
                "-map",
                "0:v:0",
                "-frames:v",
                "1",
                "-f",
                "null",
                "-",
            ],
            check=True,
        )
        times.append((time.perf_counter() - start) * 1000)
    return times


def ffmpeg_floor(path: Path, times, keys: list[int], index: int) -> tuple[float, float]:
    """(decode-only ms by ffmpeg's -benchmark, process wall ms) to decode frame ``index`` from its keyframe."""
    from bwvtool.media.ffmpeg import ffmpeg_exe

    key = max(k for k in keys if k <= index)
    seek_s = float(times.seconds(key)) - 0.0005  # just before the keyframe: ffmpeg starts decoding there
    command = [ffmpeg_exe(), "-hide_banner", "-benchmark", "-ss", f"{max(seek_s, 0):.6f}", "-i", str(path)]
    command += ["-map", "0:v:0", "-frames:v", str(index - key + 1), "-f", "null", "-"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=True)
    wall = (time.perf_counter() - start) * 1000
    match = _RTIME.search(done.stderr.decode(errors="replace"))
    return (float(match[1]) * 1000 if match else wall), wall


def bench_open(app, path: Path, runs: int) -> None:
    from bwvtool.media.frametimes import FrameTimesCache
    from bwvtool.ui.player import PlayerWidget

    player = PlayerWidget(cache=FrameTimesCache(max_files=0))  # remembers nothing: every open is a first open
    player.resize(1280, 800)
    player.show()
    picture, indexed, base = [], [], []
    for _ in range(runs):  # each open followed by ffmpeg's own first frame of the same file
        player.close_clip()
        app.processEvents()
        start = time.perf_counter()
        player.open_clip(path)
        wait_for(app, lambda: player.displayed_frame() is not None)
        picture.append((time.perf_counter() - start) * 1000)
        wait_for(app, lambda: player.current_frame()[0] == 0)
        indexed.append((time.perf_counter() - start) * 1000)
        base += ffmpeg_first_frame(path, 1)
    player.close_clip()
    print(f"\nOpen to first frame — {path.name} ({runs} opens)")
    first = "ffmpeg's first frame (own process, wall)"
    emit(Figure("player", "open → first picture", "ms", picture, first, base, f"≤ {OPEN_TARGET_MS} ms"))
    emit(Figure("player", "open → picture + frame number", "ms", indexed, first, base))


def bench_seek(app, player, path: Path, label: str, seeks: int, seed: int) -> None:
    player.open_clip(path)
    wait_for(app, lambda: player.current_frame()[0] >= 0 and not player.engine.seeking)
    times = player.engine.times
    keys = keyframes(path)
    rng = random.Random(seed)
    latencies, ffmpeg_rtime, ffmpeg_wall, wrong = [], [], [], 0
    for _ in range(seeks):  # each seek followed by ffmpeg decoding the same frame
        index = rng.randrange(len(times))
        start = time.perf_counter()
        player.seek_frame(index)
        wait_for(app, lambda: not player.engine.seeking)
        latencies.append((time.perf_counter() - start) * 1000)
        wrong += player.current_frame()[0] != index
        rtime, wall = ffmpeg_floor(path, times, keys, index)
        ffmpeg_rtime.append(rtime)
        ffmpeg_wall.append(wall)
    gop = (
        statistics.median(b - a for a, b in zip(keys, keys[1:], strict=False))
        if len(keys) > 1
        else len(times)
    )
    print(
        f"\nSeek to frame — {label} ({seeks} random frames, keyframe every {gop:g} frames), wrong frames: {wrong}"
    )
    if wrong:
        raise SystemExit(f"{wrong} seeks showed the wrong frame")
    emit(Figure("player", f"seek to an exact frame, {label}", "ms", latencies,
                "ffmpeg decoding the same frame (-benchmark rtime)", ffmpeg_rtime, "about 2× or less"))  # fmt: skip
    emit(Figure("player", f"seek to an exact frame, {label}", "ms", latencies,
                "ffmpeg decoding the same frame (process wall)", ffmpeg_wall))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=15, help="clip opens to time")
    parser.add_argument("--seeks", type=int, default=40, help="random seeks per clip")
    parser.add_argument("--seconds", type=float, default=30, help="length of the generated 1080p clip")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from bwvtool.media import synth
    from bwvtool.ui.player import PlayerWidget

    app = QApplication.instance() or QApplication([])
    player = PlayerWidget()
    player.resize(1280, 800)
    player.show()
    with tempfile.TemporaryDirectory(prefix="bwvbench-") as folder:
        started = time.perf_counter()
        hd = synth.make_clip(Path(folder) / "clip_1080p25.mp4", seconds=args.seconds, width=1920, height=1080)
        print(f"generated {hd.name} ({args.seconds:g} s, 1920x1080, 25 fps, 2 s GOP) in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        bench_open(app, SAMPLE, args.opens)
        bench_seek(app, player, SAMPLE, "720p sample", args.seeks, seed=1)
        bench_seek(app, player, hd, "1080p generated", args.seeks, seed=2)
    player.close_clip()


if __name__ == "__main__":
    main()
