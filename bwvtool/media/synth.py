"""Synthetic body-worn-video-like clips whose every frame says which frame it is.

Each frame carries its index as a pixel code (:mod:`bwvtool.media.framecode`, top band), a visible time since
the first frame and frame number, and some moving content (a walking "subject", a passing bar, a sweeping
hand) so the encoder has real motion to code. The audio is speech-like with quiet, normal and shouted passages
(:mod:`bwvtool.media.speech`). Video is H.264 (yuv420p, B-frames, fixed GOP), audio AAC, in MP4 with the index
at the front (faststart), as body-worn cameras export.

The odd cases are options: 29.97 fps (``fps="30000/1001"``), variable frame rate (``vfr=True``: a repeating
pattern of full-rate, half-rate and stuttering stretches, like a camera in changing light), rotation metadata
(``rotate=90``: frames stored turned, the display matrix turns them back), a non-zero start time
(``start_s=10.5``), no audio, any size, any length. :meth:`ClipOptions.frame_ticks` says exactly when each frame
is shown, so tests can check players and frame grabs against the truth.

Usage::

    from bwvtool.media import synth
    synth.make_clip("clip.mp4", seconds=20, fps=25, width=1280, height=720)
"""

from __future__ import annotations

import math
import os
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from bwvtool.errors import MediaError, UsageError
from bwvtool.media import ffmpeg, framecode, speech

if TYPE_CHECKING:
    import numpy as np

_NAMED_RATES = {
    "29.97": Fraction(30000, 1001),
    "23.976": Fraction(24000, 1001),
    "59.94": Fraction(60000, 1001),
}
_VFR_PERIOD_S = 10  # the VFR pattern repeats every this many nominal seconds


def parse_fps(value: float | int | str | Fraction) -> Fraction:
    """A frame rate as an exact fraction: ``25``, ``"30000/1001"``, ``29.97`` (read as 30000/1001), ``"60"``."""
    text = str(value).strip()
    if text in _NAMED_RATES or (isinstance(value, float) and f"{value:g}" in _NAMED_RATES):
        return _NAMED_RATES[text if text in _NAMED_RATES else f"{value:g}"]
    try:
        rate = Fraction(text).limit_denominator(1001)
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"frame rate {value!r} is not a number like 25, 29.97 or 30000/1001") from None
    if not 1 <= rate <= 240:
        raise UsageError(f"frame rate {value} outside 1..240")
    return rate


@dataclass(frozen=True)
class ClipOptions:
    """What to generate. ``width``/``height`` are the stored picture; with ``rotate`` 90/270 players show it
    turned (portrait). ``rotate`` is the clockwise turn a player applies."""

    seconds: float = 10.0
    fps: Fraction = Fraction(25)
    width: int = 1280
    height: int = 720
    audio: bool = True
    vfr: bool = False
    rotate: int = 0
    start_s: float = 0.0
    gop_s: float = 2.0
    seed: int = 0
    crf: int = 28
    preset: str = "veryfast"
    label: str = "bwvtool synthetic BWV"

    def __post_init__(self) -> None:
        object.__setattr__(self, "fps", parse_fps(self.fps))
        if not 0 < self.seconds <= 24 * 3600:
            raise UsageError(f"seconds must be in (0, 86400], not {self.seconds}")
        if self.width < 320 or self.height < 180 or self.width % 2 or self.height % 2:
            raise UsageError(f"size {self.width}x{self.height}: width ≥ 320, height ≥ 180, both even")
        if self.rotate not in (0, 90, 180, 270):
            raise UsageError(f"rotate must be 0, 90, 180 or 270, not {self.rotate}")
        if self.start_s < 0 or self.gop_s <= 0:
            raise UsageError("start_s must be ≥ 0 and gop_s > 0")

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as a player shows the picture."""
        return (self.height, self.width) if self.rotate in (90, 270) else (self.width, self.height)

    @property
    def timescale(self) -> int:
        """Ticks per second of the video track: 90 kHz (the MPEG clock) when the rate divides it exactly,
        else the smallest multiple of the rate's numerator of at least 10,000."""
        if 90_000 % self.fps.numerator == 0:
            return 90_000
        return self.fps.numerator * math.ceil(10_000 / self.fps.numerator)

    @property
    def frame_duration_ticks(self) -> int:
        return self.timescale * self.fps.denominator // self.fps.numerator

    def _vfr_runs(self) -> list[tuple[int, int]]:
        """One period of the VFR pattern as (frames, nominal frame durations per frame) runs."""
        rng = random.Random(self.seed)
        budget = round(_VFR_PERIOD_S * self.fps)  # nominal frame slots per period
        runs: list[tuple[int, int]] = []
        while budget > 0:
            choice = rng.random()
            step = 3 if choice < 0.15 else 2 if choice < 0.45 else 1  # stutter, half rate, full rate
            frames = 1 if step == 3 else max(1, round(rng.uniform(0.4, 1.5) * self.fps / step))
            frames = min(frames, budget // step) or 1
            runs.append((frames, step))
            budget -= frames * step
        return runs

    def _vfr_period(self) -> tuple[int, int]:
        """(frames, ticks) in one period of the VFR pattern."""
        runs = self._vfr_runs()
        return sum(f for f, _ in runs), sum(f * s for f, s in runs) * self.frame_duration_ticks

    def frame_ticks(self) -> list[int]:
        """Each frame's presentation time in ticks of :attr:`timescale`, from 0 at the first frame."""
        base = self.frame_duration_ticks
        end = round(self.seconds * self.timescale)
        if not self.vfr:
            return list(range(0, max(end, 1), base))
        ticks: list[int] = []
        period_frames, period_ticks = self._vfr_period()
        offsets, t = [], 0
        for frames, step in self._vfr_runs():
            for _ in range(frames):
                offsets.append(t)
                t += step * base
        for n in range(period_frames * (end // period_ticks + 1)):
            value = (n // period_frames) * period_ticks + offsets[n % period_frames]
            if value >= end and ticks:
                break
            ticks.append(value)
        return ticks

    def frame_times(self) -> list[Fraction]:
        """Each frame's time in seconds from the first frame (exact)."""
        return [Fraction(t, self.timescale) for t in self.frame_ticks()]

    def duration_ticks(self) -> int:
        """First frame to the end of the last one."""
        ticks = self.frame_ticks()
        return ticks[-1] + self.frame_duration_ticks

    def setpts_expression(self) -> str:
        """ffmpeg ``setpts`` expression giving frame ``N`` the VFR pattern's time (in ticks)."""
        base = self.frame_duration_ticks
        period_frames, period_ticks = self._vfr_period()
        terms, first = [], 0
        for frames, step in self._vfr_runs():
            terms.append(f"clip(mod(N,{period_frames})-{first},0,{frames})*{step * base}")
            first += frames
        return f"floor(N/{period_frames})*{period_ticks}+" + "+".join(terms)


def make_clip(
    path: str | Path,
    *,
    seconds: float = 10.0,
    fps: float | int | str | Fraction = 25,
    width: int = 1280,
    height: int = 720,
    audio: bool = True,
    vfr: bool = False,
    rotate: int = 0,
    start_s: float = 0.0,
    gop_s: float = 2.0,
    seed: int = 0,
    crf: int = 28,
    preset: str = "veryfast",
    timeout_s: float | None = None,
) -> Path:
    """Generate a synthetic clip at ``path`` (MP4) and return the path.

    :param seconds: length (frames are cut at the last whole frame).
    :param fps: frame rate; ``"30000/1001"`` or ``29.97`` for NTSC-style 29.97 fps.
    :param width: stored picture width (even, ≥ 320); ``height`` likewise (≥ 180).
    :param audio: add the speech-like AAC track.
    :param vfr: variable frame rate (nominal ``fps`` with half-rate and stuttering stretches).
    :param rotate: display rotation metadata, clockwise degrees (0, 90, 180, 270).
    :param start_s: container start time in seconds (timestamps begin there instead of 0).
    :param gop_s: keyframe interval in seconds.
    :param seed: varies the motion, the VFR pattern and the audio.
    :param crf: x264 quality (lower is better and bigger); ``preset``: x264 speed preset.
    :param timeout_s: give up after this long (default: generous, scaled by length and size).
    :raises MediaError: if ffmpeg fails or runs out of time; :class:`UsageError` for bad options.
    """
    options = ClipOptions(
        seconds=seconds, fps=parse_fps(fps), width=width, height=height, audio=audio, vfr=vfr,
        rotate=rotate, start_s=start_s, gop_s=gop_s, seed=seed, crf=crf, preset=preset,
    )  # fmt: skip
    return write_clip(path, options, timeout_s=timeout_s)


def write_clip(
    path: str | Path,
    options: ClipOptions,
    *,
    timeout_s: float | None = None,
    audio_wav: Path | None = None,
    scene_time: Callable[[float], float] | None = None,
) -> Path:
    """Generate the clip described by ``options`` at ``path``; written to a temporary file, then renamed.

    :param audio_wav: a prepared mono WAV to use as the audio track instead of the speech-like one (its own
        sample rate is kept); several cameras filming one scene each get their own take of the scene's sound.
    :param scene_time: maps a frame's time in the clip (seconds) to the scene's time, which the moving content
        follows, so cameras that started at different moments show the subject in the same place.
    """
    import ffmpeg as ffmpeg_python

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ticks = options.frame_ticks()
    if timeout_s is None:  # hang protection, not a speed target: allow 15 frames/s at 720p-equivalent size
        timeout_s = 120 + len(ticks) * options.width * options.height / (1280 * 720) / 15
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".bwvsynth-") as tmp_name:
        tmp = Path(tmp_name)
        inputs = [
            ffmpeg_python.input(
                "pipe:", format="rawvideo", pix_fmt="bgr24", s=f"{options.width}x{options.height}",
                framerate=str(options.fps),
            )
        ]  # fmt: skip
        if options.audio:
            duration_s = options.duration_ticks() / options.timescale
            if audio_wav is None:
                audio_wav = speech.write_wav(tmp / "audio.wav", duration_s, options.seed)
            inputs.append(ffmpeg_python.input(str(audio_wav)))
        gop = max(1, round(options.gop_s * options.fps))
        video_args = {
            "c:v": "libx264", "pix_fmt": "yuv420p", "preset": options.preset, "crf": options.crf,
            "g": gop, "keyint_min": gop, "sc_threshold": 0, "fps_mode": "passthrough",
            "video_track_timescale": options.timescale, "movflags": "+faststart",
            "metadata": f"comment={options.label}",
        }  # fmt: skip
        if options.vfr:
            video_args["vf"] = f"settb=1/{options.timescale},setpts='{options.setpts_expression()}'"
        if options.audio:
            video_args |= {"c:a": "aac", "b:a": "96k", "ac": 1}
        encoded = tmp / "encoded.mp4"
        args = ffmpeg_python.output(*inputs, str(encoded), **video_args).get_args()
        with ffmpeg.Pipe(
            args, timeout_s=timeout_s, what=f"encoding {path.name}", log=tmp / "ffmpeg.log"
        ) as pipe:
            renderer = _Renderer(options)
            for index, tick in enumerate(ticks):
                at = Fraction(tick, options.timescale)
                scene_s = None if scene_time is None else scene_time(float(at))
                pipe.write(renderer.frame(index, at, scene_s).data)
        final = tmp / "final.mp4"
        if options.rotate or options.start_s:
            _remux(encoded, final, options, timeout_s=timeout_s)
        else:
            final = encoded
        os.replace(final, path)
    return path


def _remux(source: Path, dest: Path, options: ClipOptions, *, timeout_s: float) -> None:
    """Add the display matrix and the start offset without re-encoding (x264 would turn the pixels instead)."""
    args = []
    if options.rotate:
        # ffmpeg's display_rotation is counter-clockwise; ours is the clockwise turn a player applies.
        args += ["-display_rotation:v:0", str(-options.rotate)]
    args += ["-i", str(source), "-map", "0", "-c", "copy", "-movflags", "+faststart"]
    if options.start_s:
        args += ["-output_ts_offset", f"{options.start_s:.6f}"]
    result = ffmpeg.run(["-y", *args, str(dest)], timeout_s=timeout_s, what=f"remuxing {dest.name}")
    if result.returncode != 0:
        raise MediaError(f"ffmpeg failed remuxing: {ffmpeg.error_line(result.stderr)}")


class _Renderer:
    """Draws frames in display orientation, then turns them to stored orientation."""

    def __init__(self, options: ClipOptions) -> None:
        import cv2
        import numpy as np

        self.options = options
        self.width, self.height = options.display_size
        w, h = self.width, self.height
        rng = np.random.default_rng(options.seed)
        # Static "street": a dusk gradient with buildings, drawn once and copied per frame.
        ramp = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        top, bottom = np.array([70, 48, 40], np.float32), np.array([90, 110, 120], np.float32)
        self.background = np.broadcast_to(top + (bottom - top) * ramp, (h, w, 3)).astype(np.uint8).copy()
        for _ in range(8):
            x0 = int(rng.integers(0, w))
            bw, bh = int(rng.integers(w // 12, w // 5)), int(rng.integers(h // 5, h // 2))
            shade = [int(c) for c in rng.integers(40, 110, 3)]
            cv2.rectangle(self.background, (x0, h - bh), (x0 + bw, h), shade, -1)
        self.scale = min(w, h) / 720  # text and shapes scale with the short side, so portrait fits too
        self.phase = float(rng.uniform(0, 2 * math.pi))
        mode = "VFR" if options.vfr else "CFR"
        extras = [
            f"rot {options.rotate}" if options.rotate else "",
            f"start {options.start_s:g}s" if options.start_s else "",
        ]
        self.caption = " ".join(
            x for x in [options.label, f"{float(options.fps):.5g} fps {mode}", *extras] if x
        )

    def frame(self, index: int, t: Fraction, scene_s: float | None = None) -> np.ndarray:
        """The frame for ``index`` shown at ``t`` seconds after the first frame, as contiguous BGR bytes; the
        moving content follows ``scene_s`` when given (the time stamp always shows ``t``)."""
        import cv2
        import numpy as np

        w, h, s = self.width, self.height, self.scale
        seconds = float(t) if scene_s is None else scene_s
        img = self.background.copy()
        # A walking subject on a slow figure-of-eight, a bar passing every 4 s, and a hand sweeping once a second.
        cx = int(w / 2 + w * 0.3 * math.sin(seconds * 0.7 + self.phase))
        cy = int(h * 0.6 + h * 0.12 * math.sin(seconds * 1.4 + self.phase))
        cv2.circle(img, (cx, cy - int(90 * s)), int(32 * s), (150, 170, 210), -1)
        cv2.rectangle(
            img,
            (cx - int(40 * s), cy - int(55 * s)),
            (cx + int(40 * s), cy + int(110 * s)),
            (60, 60, 170),
            -1,
        )
        bar_x = int((seconds / 4 % 1) * (w + 200)) - 100
        cv2.rectangle(img, (bar_x, int(h * 0.35)), (bar_x + int(60 * s), int(h * 0.45)), (0, 200, 255), -1)
        centre = (w - int(90 * s), int(h * 0.22))
        angle = 2 * math.pi * (seconds % 1.0)
        tip = (int(centre[0] + 60 * s * math.sin(angle)), int(centre[1] - 60 * s * math.cos(angle)))
        cv2.circle(img, centre, int(64 * s), (230, 230, 230), max(1, int(3 * s)))
        cv2.line(img, centre, tip, (255, 255, 255), max(2, int(6 * s)))
        framecode.encode(img, index)
        font = cv2.FONT_HERSHEY_SIMPLEX
        band = framecode.band_height(h)
        cv2.putText(
            img,
            self.caption,
            (int(12 * s), band + int(34 * s)),
            font,
            0.8 * s,
            (255, 255, 255),
            max(1, int(2 * s)),
        )
        ms = round(t * 1000)  # whole ms first, so 59.9996 s shows as 00:01:00.000, not 00:00:60.000
        stamp = f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
        label = f"#{index:06d}"
        size, thick, margin, line = 1.6 * s, max(2, int(4 * s)), int(16 * s), int(70 * s)
        (stamp_w, _), _ = cv2.getTextSize(stamp, font, size, thick)
        (label_w, _), _ = cv2.getTextSize(label, font, size, thick)
        stacked = stamp_w + label_w + 3 * margin > w  # too narrow for one line: frame number above the time
        text_y = h - int(24 * s)
        cv2.rectangle(img, (0, text_y - int(54 * s) - (line if stacked else 0)), (w, h), (0, 0, 0), -1)
        cv2.putText(img, stamp, (margin, text_y), font, size, (255, 255, 255), thick)
        label_at = (margin, text_y - line) if stacked else (w - label_w - margin, text_y)
        cv2.putText(img, label, label_at, font, size, (255, 255, 255), thick)
        if self.options.rotate:
            # Store the picture turned the other way; the player's clockwise turn brings it upright.
            img = np.rot90(img, k=self.options.rotate // 90)
        return np.ascontiguousarray(img)


def make_audio_only(
    path: str | Path, *, seconds: float = 5.0, seed: int = 0, timeout_s: float = 120.0
) -> Path:
    """An AAC-in-M4A file with the speech-like track and no video (a bad input for frame grabs)."""
    path = Path(path)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".bwvsynth-") as tmp:
        wav = speech.write_wav(Path(tmp) / "audio.wav", seconds, seed)
        result = ffmpeg.run(
            ["-y", "-i", str(wav), "-c:a", "aac", "-b:a", "96k", str(path)],
            timeout_s=timeout_s,
            what=f"encoding {path.name}",
        )
    if result.returncode != 0:
        raise MediaError(f"ffmpeg failed encoding {path.name}: {ffmpeg.error_line(result.stderr)}")
    return path
