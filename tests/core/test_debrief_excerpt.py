"""`bwvtool excerpt`: stream copy on keyframes, accurate re-encode elsewhere, the original untouched, all audited."""

from __future__ import annotations

import json
import shutil

import pytest

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.debrief import cut_excerpt
from bwvtool.debrief.excerpt import frame_range, keyframes
from bwvtool.errors import MediaError, UsageError
from bwvtool.media import framecode
from bwvtool.media.frame import grab_frame
from bwvtool.media.hashing import sha256_file
from bwvtool.media.probe import read_media
from bwvtool.store import audit, open_workspace
from tests.core.test_debrief import CATALOGUE, clip_file  # noqa: F401 - the session fixture

FRAME_MS = 40  # 25 fps


@pytest.fixture
def media_ws(tmp_path, clip_file, workspace_location):  # noqa: F811 - the imported fixture
    shutil.copyfile(clip_file, tmp_path / "clip.mp4")
    (tmp_path / "cat.csv").write_text(CATALOGUE, encoding="utf-8")
    ws = open_workspace(workspace_location, create=True)
    import_catalogue(ws, tmp_path / "cat.csv", media_root=tmp_path, hash_media=True, actor="importer")
    yield ws
    ws.close()


def _frames_of(path) -> list[int | None]:
    """The frame-code index drawn into the first and the last frame of a file."""
    _, times = read_media(path)
    middle_of_last = (times.pts_ms(len(times) - 1) + times.end_ms) / 2
    return [framecode.decode(grab_frame(path, at, times=times).rgb) for at in (0, middle_of_last)]


def test_keyframes_and_frame_ranges(clip_file):  # noqa: F811
    _, times = read_media(clip_file)
    keys = keyframes(clip_file, times, 30)
    assert [i for i, key in enumerate(keys) if key] == [0, 25, 50, 75]
    assert frame_range(times, 1000, 2000) == (25, 50)
    assert frame_range(times, 1039, 2001) == (
        25,
        51,
    )  # frame 25 is on screen at 1039 ms; frame 50 starts before
    assert frame_range(times, 0, times.end_ms) == (0, len(times))


def test_a_cut_on_keyframes_is_a_stream_copy_of_exactly_those_frames(media_ws, tmp_path):
    source = tmp_path / "clip.mp4"
    before = sha256_file(source)
    out = tmp_path / "excerpt.mp4"
    result = cut_excerpt(media_ws, "D001", 1000, 3000, out, actor="sgt")
    assert result.method == "stream_copy" and result.reason == "the cut is on keyframes"
    assert (result.first_frame, result.frames, result.duration_ms) == (25, 50, 2000.0)
    _, times = read_media(out)
    assert len(times) == 50 and _frames_of(out) == [25, 74]
    assert sha256_file(source) == before  # the original is never modified
    assert result.sha256 == sha256_file(out) and result.source_sha256 == before
    row = audit.recent(media_ws.conn, 1, entity="clip")[0]
    assert row["action"] == "excerpt.create" and row["entity_id"] == "D001" and row["actor"] == "sgt"
    assert row["detail"]["sha256"] == result.sha256 and row["detail"]["source_sha256"] == before
    assert row["detail"]["method"] == "stream_copy" and row["detail"]["path"] == str(out.resolve())


def test_a_cut_between_keyframes_is_re_encoded_frame_accurately(media_ws, tmp_path):
    out = tmp_path / "excerpt.mp4"
    result = cut_excerpt(media_ws, "D001", 1050, 2230, out)
    assert result.method == "reencode" and result.reason == "the cut is not on keyframes"
    assert (result.first_frame, result.frames) == (26, 30)  # frames 26..55 start in [1050, 2230)
    info, times = read_media(out)
    assert len(times) == 30 and _frames_of(out) == [26, 55]
    assert info.duration_s == pytest.approx(1.2, abs=0.05)
    assert info.has_audio
    forced = cut_excerpt(media_ws, "D001", 1000, 3000, tmp_path / "forced.mp4", method="reencode")
    assert forced.method == "reencode" and forced.reason == "re-encode asked for" and forced.frames == 50


def test_bad_excerpts_are_refused_and_leave_nothing_behind(media_ws, tmp_path):
    out = tmp_path / "x.mp4"
    cases = [
        ((2000, 1000, out), UsageError, "end after it starts"),
        ((0, 99_000, out), MediaError, "after the end of the video"),
        ((0, 1000, tmp_path / "x.mov"), UsageError, "written as .mp4"),
        ((0, 1000, tmp_path / "clip.mp4"), UsageError, "already exists"),
        ((0, 1000, tmp_path / "no" / "x.mp4"), UsageError, "does not exist"),
    ]
    for (start, end, path), error, message in cases:
        with pytest.raises(error, match=message):
            cut_excerpt(media_ws, "D001", start, end, path)
    with pytest.raises(UsageError, match="not on keyframes"):
        cut_excerpt(media_ws, "D001", 1040, 2000, out, method="copy")
    with pytest.raises(MediaError, match="no video file"):
        cut_excerpt(media_ws, "D002", 0, 1000, out)
    (tmp_path / "clip.mp4").write_bytes((tmp_path / "clip.mp4").read_bytes()[:-10] + b"0123456789")
    with pytest.raises(MediaError, match="does not match the catalogue's SHA-256"):
        cut_excerpt(media_ws, "D001", 0, 1000, out)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".mp4") == ["clip.mp4"]
    assert not [r for r in audit.recent(media_ws.conn, 20) if r["action"] == "excerpt.create"]


def test_cli_excerpt(media_ws, run_cli, tmp_path):
    db = media_ws.path
    out = tmp_path / "cli.mp4"
    code, stdout, err = run_cli("excerpt", "D001", "--from-ms", "2000", "--to-ms", "4000", "--out", str(out),
                                "--json", db=db)  # fmt: skip
    assert code == 0, err
    data = json.loads(stdout)
    assert data["method"] == "stream_copy" and data["frames"] == 50 and out.is_file()
    code, _, err = run_cli("excerpt", "D001", "--from-ms", "-5", "--to-ms", "40", "--out", str(out), db=db)
    assert code == 2 and err.strip().count("\n") == 0
