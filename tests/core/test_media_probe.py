"""Probing real files: the committed sample clips of every odd kind, and every kind of bad input."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

import pytest

from bwvtool.errors import MediaError
from bwvtool.media import ffmpeg, synth
from bwvtool.media.hashing import sha256_file
from bwvtool.media.probe import frame_times, probe
from tests.conftest import REPO

SAMPLES = REPO / "sample_media"
MANIFEST = json.loads((SAMPLES / "clips.json").read_text())


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["name"] for e in MANIFEST])
def test_probe_facts_of_each_sample_clip_match_what_the_generator_made(entry):
    options = synth.ClipOptions(**entry["options"])
    info = probe(SAMPLES / entry["name"])
    video = info.video
    assert video is not None and video.codec == "h264" and video.pix_fmt == "yuv420p"
    assert info.container.startswith("mov,mp4")
    assert (video.width, video.height) == (options.width, options.height)
    assert (video.display_width, video.display_height) == options.display_size
    assert video.rotation == options.rotate
    assert video.frame_count == len(options.frame_ticks())
    assert video.is_vfr == options.vfr
    assert video.start_time_s == pytest.approx(options.start_s, abs=1e-6)
    assert video.duration_s == pytest.approx(options.duration_ticks() / options.timescale, abs=1e-6)
    # The container starts with the earliest stream: AAC priming puts audio a little before shifted video.
    assert options.start_s - 0.05 <= info.start_time_s <= options.start_s + 1e-6
    assert info.has_audio == options.audio
    if options.audio:
        assert info.audio.codec == "aac" and info.audio.sample_rate == 48000 and info.audio.channels == 1
    else:
        assert info.audio is None
    if not options.vfr:
        assert Fraction(video.r_frame_rate) == options.fps == Fraction(video.avg_frame_rate)
        assert video.fps == round(float(options.fps), 3)
    else:
        assert Fraction(video.r_frame_rate) == options.fps  # the full-rate stretches
        assert video.fps < float(options.fps)  # half-rate and stutter stretches lower the average
    data = info.as_dict()
    assert json.loads(json.dumps(data)) == data  # JSON-ready, as the catalogue stores it
    assert data["has_audio"] == options.audio and data["video"]["rotation"] == options.rotate


def test_sample_clips_are_what_the_manifest_says_and_small():
    total = 0
    for entry in MANIFEST:
        path = SAMPLES / entry["name"]
        assert sha256_file(path) == entry["sha256"]
        total += path.stat().st_size
    assert total <= 10 * 1024 * 1024


def test_29_97_fps_is_exact_and_reported_as_29_97():
    info = probe(SAMPLES / "odd_2997fps_rot90.mp4")
    assert info.video.fps == 29.97 and info.video.r_frame_rate == "30000/1001"
    times = frame_times(SAMPLES / "odd_2997fps_rot90.mp4")
    assert times.pts_ms(3) == pytest.approx(100.1) and not times.is_vfr


def test_sha256_is_streamed_and_matches_hashlib(tmp_path):
    path = tmp_path / "data.bin"
    payload = bytes(range(256)) * 10_000
    path.write_bytes(payload)
    assert sha256_file(path, chunk=4096) == hashlib.sha256(payload).hexdigest()
    with pytest.raises(MediaError, match="no such file"):
        sha256_file(tmp_path / "missing.bin")


def test_audio_only_file_probes_without_video(tmp_path):
    path = synth.make_audio_only(tmp_path / "voice.m4a", seconds=2)
    info = probe(path)
    assert info.video is None and info.has_audio and not info.has_video
    assert info.audio.codec == "aac"
    with pytest.raises(MediaError, match="no video stream"):
        frame_times(path)


def _bad_files(tmp_path):
    """Each kind of unusable file, with a word its error message must contain."""
    main = SAMPLES / "framecode_720p25.mp4"
    data = main.read_bytes()
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "truncated.mp4").write_bytes(data[: len(data) // 2])  # faststart: header fine, body cut
    (tmp_path / "random.mp4").write_bytes(bytes((i * 7919 + 13) % 251 for i in range(50_000)))
    (tmp_path / "notes.txt").write_text("Officer attended at 14:02.\nNo further action.\n")
    header_damaged = bytearray(data)
    header_damaged[8:4000] = bytes(3992)  # wipe the MP4 index at the front
    (tmp_path / "damaged.mp4").write_bytes(bytes(header_damaged))
    import cv2
    import numpy as np

    cv2.imwrite(str(tmp_path / "still.png"), np.zeros((240, 320, 3), np.uint8))
    (tmp_path / "folder.mp4").mkdir()
    return {
        "empty.mp4": "empty",
        "truncated.mp4": "truncated",
        "random.mp4": "moov atom not found",
        "notes.txt": "invalid data",
        "damaged.mp4": "",
        "still.png": "unsupported",
        "missing.mp4": "no such file",
        "folder.mp4": "not a file",
    }


def test_bad_files_raise_a_one_line_media_error(tmp_path):
    for name, words in _bad_files(tmp_path).items():
        with pytest.raises(MediaError) as caught:
            probe(tmp_path / name)
        message = str(caught.value)
        assert words in message and "\n" not in message, (name, message)


def test_bad_files_exit_2_from_the_cli_without_traceback(tmp_path, run_cli):
    for name in _bad_files(tmp_path):
        for command in (("media", "probe"), ("media", "frame")):
            extra = ("--at-ms", "0", "--out", str(tmp_path / "x.png")) if command[1] == "frame" else ()
            code, out, err = run_cli(*command, str(tmp_path / name), *extra)
            assert code == 2, (name, command, out, err)
            assert err.startswith("bwvtool: error: ") and err.count("\n") == 1, err
            assert "Traceback" not in err and out == ""


def test_probe_cli_json_and_text(run_cli):
    clip = SAMPLES / "odd_vfr_start10s.mp4"
    code, out, _ = run_cli("media", "probe", str(clip), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["video"]["is_vfr"] is True and data["video"]["start_time_s"] == 10.5
    code, out, _ = run_cli("media", "probe", str(clip))
    assert code == 0 and "VFR" in out and "audio: aac" in out


def test_hash_cli(run_cli):
    clip = SAMPLES / "odd_60fps_noaudio.mp4"
    code, out, _ = run_cli("media", "hash", str(clip), "--json")
    assert code == 0 and json.loads(out)["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()


def test_a_probe_that_takes_too_long_is_killed_and_reported(run_cli):
    code, _, err = run_cli("media", "probe", str(SAMPLES / "framecode_720p25.mp4"), "--timeout", "0.001")
    assert code == 2 and "timed out after 0.001 s probing framecode_720p25.mp4" in err


def test_the_runner_kills_a_never_ending_ffmpeg():
    with pytest.raises(MediaError, match="timed out after 1 s"):
        ffmpeg.run(
            ["-f", "lavfi", "-i", "testsrc=size=64x64", "-f", "null", "-"], timeout_s=1, what="testing"
        )
