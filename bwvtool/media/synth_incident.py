"""Synthetic multi-camera incidents: one scene filmed by several body-worn cameras, with the truth kept.

One scene (a speech-like soundtrack and moving content, both on the scene's own clock) is filmed by up to five
cameras that differ the way real ones do: each starts at its own moment and runs for its own length, records
at 25 or 29.97 fps, hears the scene at its own gain under its own noise and its wearer's own voice, one has a
pre-event buffer whose first 30 s carry no sound, and one's clock runs 100 ppm fast (its frames and samples
come 100 ppm too often, so over ten minutes it gains 60 ms: 1.5 frames). Every frame carries its own index as a
pixel code (:mod:`bwvtool.media.framecode`) and shows its own time since the clip began.

Written beside the clips: ``catalogue.csv`` (the rows an evidence system would export: ``recorded_at`` comes
from each camera's own clock, which is off by up to a few seconds) and ``truth.json`` (when each camera really
started, its drift, rate, gain and silence), so tests and benches can say which frame each camera shows at any
moment of the scene.

Usage::

    from bwvtool.media import synth_incident
    incident = synth_incident.make_incident("out/", seconds=120, cameras=4)
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
import wave
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from bwvtool.errors import UsageError
from bwvtool.media import speech, synth
from bwvtool.timeutil import format_utc

AUDIO_RATE = 16_000  # the cameras' audio: enough for speech, a third of the work of 48 kHz
PRE_EVENT_SILENT_S = 30.0
SCENE_START = datetime(2026, 11, 21, 22, 14, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Camera:
    """One camera's take of the scene. Times are on the scene's clock, in seconds from its start.

    :param start_s: when the camera's first frame was taken.
    :param seconds: the clip's length on the camera's own clock.
    :param drift_ppm: how fast the camera's clock runs: it records ``1 + drift_ppm/1e6`` seconds of media per
        second of the scene.
    :param clock_error_s: how far the camera's wall clock (the catalogue's ``recorded_at``) is off.
    :param silent_s: the first seconds of the clip hold no sound (a pre-event buffer records pictures only).
    """

    clip_id: str
    fps: str
    start_s: float
    seconds: float
    gain_db: float = 0.0
    noise_db: float = -45.0
    drift_ppm: float = 0.0
    clock_error_s: float = 0.0
    silent_s: float = 0.0

    @property
    def rate(self) -> float:
        return 1 + self.drift_ppm * 1e-6

    def scene_time(self, media_s: float) -> float:
        """When (on the scene's clock) the camera took what it holds at ``media_s`` into the clip."""
        return self.start_s + media_s / self.rate

    def frame_at(self, scene_s: float) -> int | None:
        """Index of the frame this camera shows at ``scene_s`` (None before its first frame or after its last)."""
        media_s = (scene_s - self.start_s) * self.rate
        fps = synth.parse_fps(self.fps)
        index = math.floor(media_s * fps + 1e-9)
        last = len(synth.ClipOptions(seconds=self.seconds, fps=fps).frame_ticks()) - 1
        return index if 0 <= index <= last else None


def default_cameras(seconds: float, count: int = 4, incident_id: str = "INC-SYN-1") -> list[Camera]:
    """The standard line-up for a scene of ``seconds``: see the module docstring. The fifth camera, when asked
    for, is a short clip that lies wholly in its silent pre-event buffer, so nothing in it can be heard."""
    if not 2 <= count <= 5:
        raise UsageError(f"cameras must be 2 to 5, not {count}")
    if seconds < 60:
        raise UsageError(
            f"an incident scene must be at least 60 s long (the pre-event buffer is 30 s), not {seconds:g}"
        )
    L = seconds
    line_up = [
        Camera(f"{incident_id}-C1", "25", 0.0, round(0.85 * L, 3), 0.0, -48.0, 0.0, 0.42),
        Camera(f"{incident_id}-C2", "29.97", round(0.08 * L, 3), round(0.92 * L, 3), -8.0, -42.0, 100.0, -1.73),
        Camera(f"{incident_id}-C3", "25", round(0.03 * L, 3), round(0.87 * L, 3), -4.0, -38.0, 0.0, 2.31,
               PRE_EVENT_SILENT_S),
        Camera(f"{incident_id}-C4", "29.97", round(0.2 * L, 3), round(0.55 * L, 3), -12.0, -36.0, -35.0, -0.84),
        Camera(f"{incident_id}-C5", "25", round(0.5 * L, 3), 20.0, -6.0, -45.0, 0.0, 1.12, PRE_EVENT_SILENT_S),
    ]  # fmt: skip
    return line_up[:count]


@dataclass(frozen=True)
class Incident:
    folder: Path
    incident_id: str
    cameras: list[Camera]
    catalogue: Path
    truth: Path

    def media(self, clip_id: str) -> Path:
        return self.folder / f"{clip_id}.mp4"

    def camera(self, clip_id: str) -> Camera:
        return next(c for c in self.cameras if c.clip_id == clip_id)


def make_incident(
    folder: str | Path,
    *,
    seconds: float = 120.0,
    cameras: int | list[Camera] = 4,
    incident_id: str = "INC-SYN-1",
    width: int = 320,
    height: int = 180,
    seed: int = 0,
) -> Incident:
    """Film one synthetic scene with several cameras into ``folder``: ``<clip_id>.mp4`` per camera plus
    ``catalogue.csv`` and ``truth.json``. ``cameras`` is a count for :func:`default_cameras` or a line-up.

    :raises UsageError: bad options; :raises MediaError: ffmpeg failed.
    """
    line_up = default_cameras(seconds, cameras, incident_id) if isinstance(cameras, int) else cameras
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scene_s = max(c.start_s + c.seconds / c.rate for c in line_up) + 1.0
    with tempfile.TemporaryDirectory(dir=folder, prefix=".bwvincident-") as tmp_name:
        scene = _scene_audio(scene_s, seed)
        for number, camera in enumerate(line_up):
            wav = Path(tmp_name) / f"{camera.clip_id}.wav"
            _camera_wav(wav, scene, camera, seed + 101 * (number + 1))
            options = synth.ClipOptions(
                seconds=camera.seconds, fps=synth.parse_fps(camera.fps), width=width, height=height,
                seed=seed + number, label=camera.clip_id,
            )  # fmt: skip
            synth.write_clip(
                folder / f"{camera.clip_id}.mp4", options, audio_wav=wav, scene_time=camera.scene_time
            )
    incident = Incident(folder, incident_id, line_up, folder / "catalogue.csv", folder / "truth.json")
    _write_catalogue(incident)
    incident.truth.write_text(
        json.dumps(
            {
                "incident_id": incident_id,
                "scene_start": format_utc(SCENE_START),
                "audio_rate": AUDIO_RATE,
                "cameras": [asdict(c) for c in line_up],
            },
            indent=2,
        )  # fmt: skip
    )
    return incident


def load_incident(folder: str | Path) -> Incident:
    """An incident written by :func:`make_incident`, from its ``truth.json``."""
    folder = Path(folder)
    data = json.loads((folder / "truth.json").read_text())
    line_up = [Camera(**c) for c in data["cameras"]]
    return Incident(folder, data["incident_id"], line_up, folder / "catalogue.csv", folder / "truth.json")


def _scene_audio(seconds: float, seed: int):
    import numpy as np

    return np.concatenate(list(speech.render(seconds, seed, AUDIO_RATE)))


def _camera_wav(path: Path, scene, camera: Camera, seed: int) -> Path:
    """The scene as ``camera`` heard it: resampled to its clock, at its gain, with its wearer's voice and noise."""
    import numpy as np

    fps = synth.parse_fps(camera.fps)
    media_s = float(Fraction(len(synth.ClipOptions(seconds=camera.seconds, fps=fps).frame_ticks())) / fps)
    n = round(media_s * AUDIO_RATE)
    rng = np.random.default_rng(seed)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(AUDIO_RATE)
        block = AUDIO_RATE * 30
        own = speech.render(media_s + 1, seed, AUDIO_RATE, chunk_s=30.0)
        for begin in range(0, n, block):
            count = min(block, n - begin)
            samples = np.arange(begin, begin + count, dtype=np.float64)
            # Where each of the camera's samples falls on the scene's clock: the drift stretches the scene.
            at = (camera.start_s + samples / AUDIO_RATE / camera.rate) * AUDIO_RATE
            heard = np.interp(at, np.arange(len(scene)), scene) * 10 ** (camera.gain_db / 20)
            wearer = next(own)[:count] * 0.35  # the wearer's own voice, which the other cameras hardly hear
            noise = rng.standard_normal(count) * 10 ** (camera.noise_db / 20)
            mix = heard + wearer + noise
            mix[samples / AUDIO_RATE < camera.silent_s] = 0.0
            out.writeframes((np.clip(mix, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def _write_catalogue(incident: Incident) -> None:
    from bwvtool.media.hashing import sha256_file

    columns = ["clip_id", "incident_id", "recorded_at", "duration_s", "officer_ref", "borough", "camera_id",
               "media_path", "sha256"]  # fmt: skip
    with incident.catalogue.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for number, camera in enumerate(incident.cameras, start=1):
            media = incident.media(camera.clip_id)
            recorded = SCENE_START + timedelta(seconds=camera.start_s + camera.clock_error_s)
            writer.writerow([
                camera.clip_id, incident.incident_id, format_utc(recorded), f"{camera.seconds:.3f}",
                f"PC{1000 + number}", "Lambeth", f"CAM-{number:03d}", str(media.resolve()), sha256_file(media),
            ])  # fmt: skip
