"""`--hash`: media files hashed and probed during import; mismatches rejected, missing files reported."""

from __future__ import annotations

import json

import pytest

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.media.hashing import sha256_file
from bwvtool.store import catalogue as store

HEADER = "clip_id,recorded_at,duration_s,officer_ref,borough,media_path,sha256"


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    from bwvtool.media import synth

    root = tmp_path_factory.mktemp("media")
    synth.make_clip(root / "clips" / "a.mp4", seconds=1.0, fps=25, width=320, height=180)
    (root / "clips" / "garbage.mp4").write_bytes(b"this is not a video at all" * 100)
    return root


def test_hash_checks_files(workspace, tmp_path, media_dir):
    clip = media_dir / "clips" / "a.mp4"
    digest = sha256_file(clip)
    lines = [
        HEADER,
        f"M1,2021-01-01T00:00:00Z,1,1,Brent,clips/a.mp4,{digest.upper()}",  # matches (case-insensitive)
        "M2,2021-01-01T00:00:00Z,1,1,Brent,clips/a.mp4,",  # no hash given: filled in
        f"M3,2021-01-01T00:00:00Z,1,1,Brent,clips/a.mp4,{'0' * 64}",  # mismatch: rejected
        "M4,2021-01-01T00:00:00Z,1,1,Brent,clips/gone.mp4,",  # missing: reported, imported
        "M5,2021-01-01T00:00:00Z,1,1,Brent,clips/garbage.mp4,",  # unreadable: reported, imported
        f"M6,2021-01-01T00:00:00Z,1,1,Brent,{clip},",  # absolute path
        "M7,2021-01-01T00:00:00Z,1,1,Brent,,",  # no media at all
    ]
    path = tmp_path / "cat.csv"
    path.write_text("\n".join(lines) + "\n")
    report = import_catalogue(workspace, path, media_root=media_dir, hash_media=True)
    assert report.inserted == 6
    assert [(r.line, r.clip_id, r.column) for r in report.rejects] == [(4, "M3", "sha256")]
    assert "does not match" in report.rejects[0].reason
    assert report.media == {"ok": 3, "mismatch": 1, "missing": 1, "unreadable": 1}
    assert [(m.clip_id, m.status) for m in report.media_issues] == [("M4", "missing"), ("M5", "unreadable")]
    assert report.partial
    clips = {c: store.get_clip(workspace.conn, c) for c in ("M1", "M2", "M4", "M5", "M6", "M7")}
    assert clips["M1"]["media_status"] == "ok" and clips["M1"]["sha256"] == digest
    assert clips["M2"]["sha256"] == digest
    probe = json.loads(clips["M1"]["media_probe"])
    assert probe and clips["M1"]["media_checked_at"]
    assert clips["M4"]["media_status"] == "missing" and clips["M4"]["media_probe"] is None
    assert clips["M5"]["media_status"] == "unreadable"
    assert clips["M6"]["media_status"] == "ok"
    assert clips["M7"]["media_status"] == "unchecked"
    assert (tmp_path / "cat.rejects.csv").read_text().splitlines() == [HEADER, lines[3]]

    # Without --hash nothing is read; the same rows are unchanged and keep their media results.
    again = import_catalogue(workspace, path, media_root=media_dir)
    assert again.unchanged == 6 and store.get_clip(workspace.conn, "M1")["media_status"] == "ok"

    # A later change to M2 that still omits the hash keeps the known hash and the media result.
    path.write_text("\n".join([HEADER, lines[2].replace(",1,1,Brent", ",2,1,Brent")]) + "\n")
    changed = import_catalogue(workspace, path, media_root=media_dir)
    assert changed.updated == 1
    m2 = store.get_clip(workspace.conn, "M2")
    assert (m2["duration_s"], m2["sha256"], m2["media_status"]) == (2.0, digest, "ok")


def test_hash_through_the_cli(run_cli, tmp_path, media_dir):
    run_cli("init")
    digest = sha256_file(media_dir / "clips" / "a.mp4")
    path = tmp_path / "cat.csv"
    path.write_text(f"{HEADER}\nH1,2021-01-01T00:00:00Z,1,1,Brent,clips/a.mp4,{digest}\n")
    code, out, _ = run_cli("catalogue", "import", str(path), "--hash", "--media-root", str(media_dir))
    assert code == 0 and "ok 1" in out
    path.write_text(f"{HEADER}\nH1,2021-01-01T00:00:00Z,1,1,Brent,clips/missing.mp4,{digest}\n")
    code, out, _ = run_cli(
        "catalogue", "import", str(path), "--hash", "--media-root", str(media_dir), "--json"
    )
    data = json.loads(out)
    assert code == 1 and data["updated"] == 1 and data["media_issues"][0]["status"] == "missing"


def test_the_report_keeps_the_first_media_issues_and_counts_them_all(
    workspace, tmp_path, media_dir, monkeypatch
):
    """Like rejects: a catalogue whose media are all missing does not make an object per row in the report."""
    from bwvtool.catalogue import importer

    monkeypatch.setattr(importer, "REPORTED_REJECTS", 3)
    path = tmp_path / "gone.csv"
    path.write_text(
        "\n".join([HEADER, *(f"G{i},2021-01-01T00:00:00Z,1,1,Brent,clips/gone{i}.mp4," for i in range(7))])
    )
    report = import_catalogue(workspace, path, media_root=media_dir, hash_media=True)
    assert report.inserted == 7 and report.media == {"missing": 7} and report.partial
    assert [m.clip_id for m in report.media_issues] == ["G0", "G1", "G2"]
    assert store.get_clip(workspace.conn, "G6")["media_status"] == "missing"
