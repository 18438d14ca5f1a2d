"""Audio tracks: the numpy loudness meter against ffmpeg's ebur128, voice activity on espeak-ng speech, raised
voices, the waveform summary, and `bwvtool media analyse` on real files in a real workspace."""

from __future__ import annotations

import json
import subprocess
import wave

import numpy as np
import pytest

from bwvtool.audio import loudness
from bwvtool.audio.analyse import analyse_file
from bwvtool.media.ffmpeg import ffmpeg_exe
from tests.conftest import REPO
from tests.speech import RATE, place, say, write_wav

SAMPLE = REPO / "sample_media" / "framecode_720p25.mp4"


def ffmpeg_momentary(path, tmp_path) -> np.ndarray:
    """ffmpeg's own ebur128 filter: momentary loudness per 100 ms frame."""
    out = tmp_path / "ebur128.txt"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:a:0", "-af",
         f"ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.M:file={out}", "-f", "null", "-"],
        check=True, capture_output=True,
    )  # fmt: skip
    return np.array([float(line.split("=")[1]) for line in out.read_text().splitlines() if "r128.M" in line])


def test_momentary_loudness_matches_ffmpeg_ebur128_on_the_sample_clip(tmp_path):
    ours = analyse_file(SAMPLE).loudness
    reference = ffmpeg_momentary(SAMPLE, tmp_path)
    assert len(ours) == len(reference) == 240
    assert np.abs(ours - reference).max() < 0.1


def test_momentary_loudness_matches_ffmpeg_on_stereo_at_44k1(tmp_path):
    """Different content per channel, a rate the meter must resample, and loudness that changes fast."""
    rng = np.random.default_rng(7)
    rate, seconds = 44_100, 12
    t = np.arange(rate * seconds) / rate
    left = 0.3 * np.sin(2 * np.pi * 440 * t) * (t % 3 < 1.5)
    right = 0.05 * rng.standard_normal(len(t)) * (1 + 4 * (t > 6))
    path = write_wav(tmp_path / "stereo.wav", np.stack([left, right], axis=1), rate)
    ours = analyse_file(path).loudness
    reference = ffmpeg_momentary(path, tmp_path)
    assert len(ours) == len(reference)
    assert np.abs(ours - reference).max() < 0.1


def test_k_weighting_at_48k_is_the_published_filter():
    sos = loudness.k_weighting(48_000)
    assert np.allclose(sos[0, :3], [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-6)
    assert np.allclose(sos[0, 4:], [-1.69065929318241, 0.73248077421585], atol=1e-6)
    assert np.allclose(sos[1, 4:], [-1.99004745483398, 0.99007225036621], atol=1e-6)


LINES = [
    (1.0, "Good evening, I am Police Constable Smith from Brixton police station."),
    (6.5, "I stopped you because you match the description of a man seen running from the shop."),
    (13.0, "Stop! Get back now!"),
    (17.0, "Thank you. You are free to go."),
]


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    """espeak-ng lines at known times over a faint noise floor; the third is shouted (+16 dB)."""
    folder = tmp_path_factory.mktemp("spoken")
    pieces = [(start, say(text), 0.9 if "Stop" in text else 0.15) for start, text in LINES]
    track = place(pieces, 21.0)
    track += 0.002 * np.random.default_rng(3).standard_normal(len(track)).astype(np.float32)
    path = write_wav(folder / "spoken.wav", track)
    ends = [start + len(samples) / RATE for start, samples, _ in pieces]
    return path, [(start, end) for (start, _, _), end in zip(pieces, ends, strict=True)]


def test_voice_activity_finds_each_spoken_line_and_nothing_between(spoken):
    path, truth = spoken
    tracks = analyse_file(path)
    onsets = tracks.onsets_ms()
    for start, _ in truth:
        assert any(abs(onset - start * 1000) <= 200 for onset in onsets), (start, onsets)
    for region in tracks.regions:
        mid = (region.start_ms + region.end_ms) / 2000
        assert any(start - 0.3 <= mid <= end + 0.5 for start, end in truth), region
    speech_ms = sum(r.end_ms - r.start_ms for r in tracks.regions)
    truth_ms = sum(end - start for start, end in truth) * 1000
    assert 0.8 * truth_ms <= speech_ms <= 1.3 * truth_ms


def test_raised_voice_candidate_is_the_shouted_line_only(spoken):
    path, truth = spoken
    tracks = analyse_file(path)
    raised = tracks.raised(8.0)
    shout_start, shout_end = truth[2]
    assert len(raised) == 1
    assert shout_start * 1000 - 400 <= raised[0].start_ms and raised[0].end_ms <= shout_end * 1000 + 500
    assert raised[0].above_lu >= 8
    assert tracks.raised(30.0) == []  # the threshold is a setting


def test_waveform_bins_hold_min_and_max(tmp_path):
    t = np.arange(RATE * 2) / RATE
    signal = 0.5 * np.sin(2 * np.pi * 250 * t) * (t >= 1)
    tracks = analyse_file(write_wav(tmp_path / "tone.wav", signal))
    assert tracks.waveform.shape == (200, 2)
    assert np.abs(tracks.waveform[:100]).max() <= 1
    assert abs(int(tracks.waveform[150, 1]) - 63) <= 2 and abs(int(tracks.waveform[150, 0]) + 63) <= 2


# -- the command, in a workspace --------------------------------------------------------------------------------


@pytest.fixture
def media_workspace(workspace_location, tmp_path, run_cli, spoken):
    path, _ = spoken
    silent = tmp_path / "video_only.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=5",
            "-t",
            "2",
            str(silent),
        ],
        check=True,
    )
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(SAMPLE.read_bytes()[:20_000])
    rows = [("A1", path), ("A2", SAMPLE), ("N1", silent), ("B1", broken), ("M1", tmp_path / "gone.mp4")]
    lines = ["clip_id,incident_id,recorded_at,duration_s,officer_ref,borough,media_path"]
    lines += [f"{c},I{i},2026-11-0{i + 1}T10:00:00Z,20,PC1,Lambeth,{p}" for i, (c, p) in enumerate(rows)]
    (tmp_path / "cat.csv").write_text("\n".join(lines) + "\n")
    assert run_cli("init")[0] == 0
    assert run_cli("catalogue", "import", str(tmp_path / "cat.csv"))[0] == 0
    return workspace_location


def test_analyse_stores_tracks_once_and_audits(media_workspace, run_cli):
    from bwvtool.store import audio as audio_rows
    from bwvtool.store import open_workspace

    code, out, err = run_cli("media", "analyse", "A1", "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["status"] == "analysed" and first["speech_regions"] >= 4
    assert len(first["raised"]) == 1
    code, out, _ = run_cli("media", "analyse", "A1", "--json", "--raised-lu", "40")
    again = json.loads(out)
    assert again["status"] == "cached" and again["raised"] == [] and again["raised_threshold_lu"] == 40
    with open_workspace(media_workspace) as ws:
        tracks = audio_rows.get(ws.conn, "A1")
        assert tracks is not None and len(tracks.loudness) == 210 and tracks.media_sha256
        actions = [r[0] for r in ws.conn.execute("SELECT action FROM audit_log WHERE entity_id = 'A1'")]
        assert actions.count("audio.analyse") == 1
        assert ws.verify_audit().ok


@pytest.mark.parametrize(
    ("clip", "message"),
    [
        ("N1", "video_only.mp4: no audio track"),
        ("B1", "broken.mp4: "),
        ("M1", "gone.mp4: no such file"),
        ("ZZ", "no clip ZZ in the catalogue"),
    ],
)
def test_analyse_refuses_bad_media_in_one_line(media_workspace, run_cli, clip, message):
    code, out, err = run_cli("media", "analyse", clip)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Error:" not in err.replace("error:", "")
    assert "Traceback" not in err


def test_analyse_needs_exactly_one_of_clip_or_sample(media_workspace, run_cli):
    assert run_cli("media", "analyse")[0] == 2
    code, _, err = run_cli("media", "analyse", "A1", "--sample", "1")
    assert code == 2 and "one of them" in err
    code, _, err = run_cli("media", "analyse", "--sample", "99")
    assert code == 2 and "no sample 99" in err


def test_decoding_a_wav_reports_every_frame(tmp_path):
    path = write_wav(tmp_path / "short.wav", np.zeros(RATE // 2 + 17, dtype=np.float32))
    tracks = analyse_file(path)
    assert tracks.duration_ms == 500
    with wave.open(str(path)) as w:
        assert w.getnframes() == RATE // 2 + 17


def test_columns_reduce_a_track_to_pixels_of_any_view():
    from bwvtool.audio.tracks import columns

    values = np.arange(100.0)  # one value per 10 ms
    assert list(columns(values, 10, 0, 20, 5, "max")) == [1, 3, 5, 7, 9]
    assert list(columns(values, 10, 0, 5, 4, "min")) == [0, 0, 1, 1]  # zoomed in: a step spans two pixels
    assert list(columns(values, 10, 950, 20, 3, "mean")) == [95.5, 97.5, 99]
    assert np.isnan(columns(values, 10, 990, 20, 3, "max")[1:]).all()  # past the end
    assert np.isnan(columns(values, 10, -30, 10, 4, "max")[:3]).all()  # before the start


def test_catalogue_import_can_analyse_the_audio_too(workspace_location, tmp_path, run_cli, spoken):
    from bwvtool.store import audio as audio_rows
    from bwvtool.store import open_workspace

    path, _ = spoken
    (tmp_path / "cat.csv").write_text(
        "clip_id,incident_id,recorded_at,duration_s,officer_ref,borough,media_path\n"
        f"A1,I1,2026-11-01T10:00:00Z,21,PC1,Lambeth,{path}\n"
        f"N1,I2,2026-11-02T10:00:00Z,24,PC1,Lambeth,{REPO / 'sample_media' / 'odd_60fps_noaudio.mp4'}\n"
    )
    run_cli("init")
    code, out, _ = run_cli("catalogue", "import", str(tmp_path / "cat.csv"), "--analyse", "--json")
    assert code == 1 and json.loads(out)["audio"] == {"analysed": 1, "failed": 1}  # N1's video has no sound
    with open_workspace(workspace_location) as ws:
        assert audio_rows.get(ws.conn, "A1") is not None and audio_rows.clips_needing_analysis(ws.conn) == [
            "N1"
        ]


def test_analyse_a_whole_sample(media_workspace, run_cli, tmp_path):
    """Every clip of a sample with media is analysed; one that cannot be is reported and the rest go on."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "name: Everything with media\nunit: clip\n"
        "frame:\n  window: {from: '2026-11-01', to: '2026-11-30'}\n  where: {field: media, op: present}\n"
        "design:\n  census:\n    - {name: all, where: {field: media, op: present}}\n"
    )
    code, out, err = run_cli("sample", "draw", str(plan), "--json")
    assert code == 0, err
    sample_id = json.loads(out)["sample_id"]
    code, out, err = run_cli("media", "analyse", "--sample", str(sample_id), "--json")
    rows = {r["clip_id"]: r["status"] for r in json.loads(out)}
    assert code == 1  # partial: some clips could not be analysed
    assert rows["A1"] == "analysed" and rows["A2"] == "analysed"
    assert rows["N1"] == "failed" and rows["B1"] == "failed" and rows["M1"] == "failed"


def test_an_analysis_can_be_cancelled(spoken):
    import threading

    from bwvtool.audio.analyse import Cancelled

    path, _ = spoken
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled, match="spoken.wav: analysis cancelled"):
        analyse_file(path, cancel=stop)
