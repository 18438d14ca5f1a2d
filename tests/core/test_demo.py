"""`bwvtool demo --headless`: a demo workspace with the synthetic catalogue and real clips; safe to run again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bwvtool.cli import main
from bwvtool.demo import build_demo, builder
from bwvtool.demo import incident as demo_incident
from bwvtool.errors import UsageError
from bwvtool.media.probe import probe
from bwvtool.store import browse, open_workspace


def _media_rows(db: Path) -> list[browse.ClipRow]:
    """The synthetic catalogue's clips with video (the demo's multi-camera incident has its own, see below)."""
    with open_workspace(db) as ws:
        rows = browse.fetch_clips(ws.conn, limit=1_000_000)
    return [r for r in rows if r.media_path and r.incident_id != demo_incident.INCIDENT]


def test_demo_headless_builds_a_workspace_and_running_it_again_changes_nothing(
    run_cli, tmp_path, workspace_location
):
    demo_dir, db = tmp_path / "demo", workspace_location
    code, out, err = run_cli("demo", "--headless", "--dir", str(demo_dir), "--clips", "400")
    assert code == 0, err
    assert str(db) in out and "400 clips" in out
    with open_workspace(db) as ws:
        assert browse.count_clips(ws.conn) == 400 + demo_incident.CAMERAS  # and the incident's cameras
        assert ws.verify_audit().ok and not ws.integrity_check()
    linked = _media_rows(db)
    files = {str(p) for p in (demo_dir / "media").glob("*.mp4")}
    assert len(files) >= 3 and {row.media_path for row in linked} == files
    assert len(linked) > len(files)  # every clip of the last weeks has a video, as in an evidence system
    for row in linked:
        assert Path(row.media_path).is_file() and row.media_status == "ok"
        assert row.duration_s == pytest.approx(probe(row.media_path).duration_s, abs=0.01)
    files_before = sorted((p.name, p.stat().st_mtime_ns) for p in (demo_dir / "media").iterdir())

    code, out, err = run_cli("demo", "--headless", "--dir", str(demo_dir), "--clips", "400", "--json")
    assert code == 0, err
    import json

    again = json.loads(out)
    assert again["import"] == {"inserted": 0, "updated": 0, "unchanged": 400, "rejected": 0}
    assert again["created"] is False
    with open_workspace(db) as ws:
        assert browse.count_clips(ws.conn) == 400 + demo_incident.CAMERAS
        assert ws.verify_audit().ok
    assert [r.clip_id for r in _media_rows(db)] == [r.clip_id for r in linked]
    assert sorted((p.name, p.stat().st_mtime_ns) for p in (demo_dir / "media").iterdir()) == files_before


def test_demo_puts_the_workspace_in_its_folder_without_db(tmp_path, monkeypatch, capfd):
    monkeypatch.delenv("BWVTOOL_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--headless", "--clips", "50"])
    assert exit_info.value.code == 0
    assert (tmp_path / "bwvtool-demo" / "bwvtool.sqlite").is_file()
    assert not (tmp_path / "bwvtool.sqlite").exists()
    assert "bwvtool-demo" in capfd.readouterr().out


def test_demo_generates_clips_when_there_is_no_sample_media(tmp_path, monkeypatch):
    """An installed wheel has no sample_media/: the demo makes its clips with the generator."""
    monkeypatch.setattr(builder, "SAMPLE_MEDIA", tmp_path / "no-such-folder")
    monkeypatch.setattr(
        builder,
        "GENERATED",
        (
            builder.GeneratedClip("a.mp4", 2, seed=1),
            builder.GeneratedClip("b.mp4", 1.5, seed=2, fps="30000/1001"),
        ),
    )
    report = build_demo(tmp_path / "demo", clips=120, actor="tester")
    assert report.media_origin == "generated" and report.created
    assert sorted(p.name for p in (tmp_path / "demo" / "media").iterdir()) == ["a.mp4", "b.mp4"]
    linked = _media_rows(report.db)
    assert {Path(r.media_path).name for r in linked} == {"a.mp4", "b.mp4"}
    assert all(r.media_status == "ok" for r in linked)
    assert probe(tmp_path / "demo" / "media" / "b.mp4").video.avg_frame_rate == "30000/1001"

    again = build_demo(tmp_path / "demo", clips=120, actor="tester")
    assert again.import_counts["unchanged"] == 120 and not again.created


def test_demo_links_clips_to_rows_that_fit_them(tmp_path):
    report = build_demo(tmp_path / "demo", clips=2_000, actor="tester")
    by_id = {r.clip_id: r for r in _media_rows(report.db)}
    kinds = {link["kind"]: by_id[link["clip_id"]] for link in report.media}
    from bwvtool.catalogue import vocab

    assault = kinds["Op Hampshire assault"]
    assert assault.sources_mask & vocab.mask_of(["op_hampshire"], vocab.SOURCES) and assault.assault_mask
    assert kinds["stop and search"].ss_outcome == "arrest"
    assert kinds["PAVA used"].uof_mask & vocab.mask_of(["Irritant spray - used"], vocab.UOF_TACTICS)


def test_demo_refuses_a_workspace_that_holds_real_data(clip_workspace, run_cli, tmp_path):
    db = clip_workspace.path
    clip_workspace.close()
    code, out, err = run_cli("demo", "--headless", "--dir", str(tmp_path / "demo"), "--clips", "20", db=db)
    assert code == 2 and "not a demo" in err and err.strip().count("\n") == 0
    with open_workspace(db) as ws:
        assert browse.count_clips(ws.conn) == 3  # nothing mixed in, nothing lost
    with pytest.raises(UsageError, match="not a demo"):
        build_demo(tmp_path / "demo", clips=20, db=db)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clips", "0"], "0"),
        (["--clips", "many"], "many"),
    ],
)
def test_demo_bad_options_are_one_line_exit_2(run_cli, tmp_path, args, message):
    code, _, err = run_cli("demo", "--headless", "--dir", str(tmp_path / "d"), *args)
    assert code == 2 and message in err and err.strip().count("\n") == 0
    assert not (tmp_path / "ws.sqlite").exists()


def test_demo_dir_that_is_a_file_is_refused(run_cli, tmp_path):
    target = tmp_path / "afile"
    target.write_text("x")
    code, _, err = run_cli("demo", "--headless", "--dir", str(target))
    assert code == 2 and err.strip().count("\n") == 0
    assert target.read_text() == "x"


def test_demo_builds_no_qt():
    """The demo is core: building one never imports Qt (the app is imported only to open the window)."""
    import subprocess
    import sys

    code = (
        "import sys, tempfile\n"
        "from bwvtool.demo import build_demo\n"
        "build_demo(tempfile.mkdtemp(), clips=10, actor='t')\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'bwvtool.ui'))]\n"
    )
    env = {**os.environ, "BWVTOOL_USER": "t"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
