"""`bwvtool catalogue ...` through the command line: exit codes 0/1/2, JSON output, generate/show/list."""

from __future__ import annotations

import json

from bwvtool.store import catalogue as store
from bwvtool.store import open_workspace

HEADER = "clip_id,recorded_at,duration_s,officer_ref,borough"


def test_exit_codes_0_1_2(workspace_location, run_cli, tmp_path):
    db = workspace_location
    assert run_cli("init")[0] == 0
    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER}\nC1,2021-01-01T00:00:00Z,5,1,Brent\n")
    code, out, err = run_cli("catalogue", "import", str(good))
    assert code == 0 and "inserted 1" in out and err == ""

    mixed = tmp_path / "mixed.csv"
    mixed.write_text(f"{HEADER}\nC2,2021-01-01T00:00:00Z,5,1,Brent\nC3,2021-01-01T00:00:00,5,1,Brent\n")
    code, out, _ = run_cli("catalogue", "import", str(mixed))
    assert code == 1
    assert "rejected 1" in out and "line 3 [recorded_at]" in out and "mixed.rejects.csv" in out

    code, out, _ = run_cli("catalogue", "import", str(mixed), "--json")
    data = json.loads(out)
    assert code == 1 and data["unchanged"] == 1 and data["rejects"][0]["line"] == 3

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, out, err = run_cli("catalogue", "import", str(empty))
    assert code == 2 and "empty" in err and err.count("\n") == 1 and "Traceback" not in err
    code, _, err = run_cli("catalogue", "import", str(tmp_path / "nope.csv"))
    assert code == 2 and "no catalogue file" in err
    code, _, err = run_cli("catalogue", "import", str(good), "--format", "xml")
    assert code == 2
    with open_workspace(db) as ws:
        assert store.count_clips(ws.conn) == 2
        assert ws.verify_audit().ok


def test_import_without_workspace_is_exit_2(run_cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(f"{HEADER}\nC1,2021-01-01T00:00:00Z,5,1,Brent\n")
    code, _, err = run_cli("catalogue", "import", str(path), db=tmp_path / "none.sqlite")
    assert code == 2 and "no workspace" in err


def test_generate_import_show_list(run_cli, tmp_path):
    run_cli("init")
    out_csv = tmp_path / "gen.csv"
    code, out, _ = run_cli("catalogue", "generate", str(out_csv), "--rows", "300", "--seed", "7", "--json")
    assert code == 0 and json.loads(out)["rows"] == 300
    code, out, _ = run_cli(
        "catalogue",
        "generate",
        str(tmp_path / "gen.jsonl"),
        "--rows",
        "50",
        "--start",
        "2022-05-01",
        "--end",
        "2022-05-08",
    )
    assert code == 0 and "50" in out
    first = json.loads((tmp_path / "gen.jsonl").read_text().splitlines()[0])
    assert first["recorded_at"].startswith("2022-05-0")
    code, _, err = run_cli("catalogue", "generate", str(tmp_path / "x.csv"), "--rows", "5", "--start", "soon")
    assert code == 2 and "--start" in err

    assert run_cli("catalogue", "import", str(out_csv))[0] == 0
    assert run_cli("catalogue", "import", str(tmp_path / "gen.jsonl"))[0] == 0  # same ids, different content
    code, out, _ = run_cli("catalogue", "list", "--limit", "3", "--json")
    page = json.loads(out)
    assert code == 0 and page["total"] == 300 and len(page["clips"]) == 3
    clip_id = page["clips"][0]["clip_id"]
    code, out, _ = run_cli("catalogue", "show", clip_id, "--json")
    clip = json.loads(out)
    assert code == 0 and clip["clip_id"] == clip_id and isinstance(clip["sources"], list)
    code, out, _ = run_cli("catalogue", "list", "--limit", "2")
    assert code == 0 and "clip_id" in out and "of 300 clips" in out
    code, _, err = run_cli("catalogue", "show", "NO-SUCH-CLIP")
    assert code == 2 and "no clip" in err
