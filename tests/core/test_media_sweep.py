"""`bwvtool media check`: every catalogued clip's file is found, read and compared with its SHA-256."""

from __future__ import annotations

import json
import shutil

from bwvtool.store import catalogue as clip_rows
from bwvtool.store import open_workspace
from tests.conftest import REPO

CLIP = REPO / "sample_media" / "framecode_720p25.mp4"


def make(tmp_path, run_cli):
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        shutil.copy(CLIP, tmp_path / name)
    (tmp_path / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path\n"
        "A,2026-11-02T10:00:00Z,24,PC1,Lambeth,a.mp4\n"
        "B,2026-11-02T11:00:00Z,24,PC2,Lambeth,b.mp4\n"
        "C,2026-11-02T12:00:00Z,24,PC3,Lambeth,c.mp4\n"
        "D,2026-11-02T13:00:00Z,24,PC4,Lambeth,\n"
    )
    assert run_cli("init")[0] == 0
    code, _out, err = run_cli("catalogue", "import", str(tmp_path / "cat.csv"), "--hash")
    assert code == 0, err


def test_a_sweep_finds_missing_changed_and_good_files_and_stores_each_status(
    workspace_location, tmp_path, run_cli
):
    make(tmp_path, run_cli)
    (tmp_path / "b.mp4").unlink()  # purged from the share
    with (tmp_path / "c.mp4").open("ab") as handle:  # replaced by another file
        handle.write(b"tampered")
    code, out, err = run_cli("media", "check", "--all", "--json")
    assert code == 1, err  # problems found: exit 1, work done
    data = json.loads(out)
    assert (data["ok"], data["missing"], data["mismatch"], data["no_media_path"]) == (1, 1, 1, 1)
    assert {p["clip_id"]: p["status"] for p in data["problems"]} == {"B": "missing", "C": "mismatch"}
    ws = open_workspace(workspace_location)
    try:
        assert {c: clip_rows.get_clip(ws.conn, c)["media_status"] for c in "ABC"} == {
            "A": "ok", "B": "missing", "C": "mismatch",
        }  # fmt: skip
        assert ws.verify_audit().ok
    finally:
        ws.close()


def test_bad_requests_are_one_line_and_change_nothing(tmp_path, run_cli):
    make(tmp_path, run_cli)
    code, _out, err = run_cli("media", "check")
    assert code == 2 and err.strip() == "bwvtool: error: give CLIP_IDS, --sample ID or --all (one of them)"
    code, _out, err = run_cli("media", "check", "A", "NOPE")
    assert code == 2 and "not in the catalogue: NOPE" in err and "Error" not in err
