"""`bwvtool codebook …`: exit codes, every error listed with its place, import/show/list/export."""

from __future__ import annotations

import json

from bwvtool.store import open_workspace
from bwvtool.store.codebooks import get_codebook, lock_if_unlocked
from tests.conftest import REPO
from tests.core.test_codebook_load import MINIMAL

PIOSS = REPO / "schemas" / "codebooks" / "pioss_review.yaml"
SS = REPO / "schemas" / "codebooks" / "ss_language_behaviour.yaml"


def test_validate_needs_no_workspace_and_lists_every_error(run_cli, tmp_path):
    code, out, _ = run_cli("codebook", "validate", str(PIOSS), db=tmp_path / "none.sqlite")
    assert code == 0 and out.startswith("OK") and "24 codes" in out
    assert not (tmp_path / "none.sqlite").exists()

    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("shortcut: r", "shortcut: C").replace("version: 1", "version: x"))
    code, out, _ = run_cli("codebook", "validate", str(bad))
    assert code == 2
    lines = out.strip().splitlines()
    assert lines[0].startswith(f"{bad}:2:10: $.version: ")
    assert lines[1].startswith(f"{bad}:20:15: $.codes[1].shortcut: shortcut 'C' is already used")
    assert lines[-1] == f"2 problem(s) in {bad}"

    code, out, _ = run_cli("codebook", "validate", str(bad), "--json")
    data = json.loads(out)
    assert code == 2 and data["valid"] is False
    assert [(e["line"], e["path"]) for e in data["errors"]] == [(2, "$.version"), (20, "$.codes[1].shortcut")]


def test_validate_missing_file_is_one_line_exit_2(run_cli, tmp_path):
    code, _, err = run_cli("codebook", "validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no codebook file" in err and err.strip().count("\n") == 0


def test_import_show_list_export_round_trip(workspace_location, run_cli, tmp_path):
    db = workspace_location
    assert run_cli("init")[0] == 0
    code, out, _ = run_cli("codebook", "import", str(PIOSS), "--json")
    assert code == 0 and json.loads(out)["status"] == "imported"
    code, out, _ = run_cli("codebook", "import", str(PIOSS))
    assert code == 0 and out.startswith("Unchanged")
    assert run_cli("codebook", "import", str(SS))[0] == 0

    code, out, _ = run_cli("codebook", "list", "--json")
    assert code == 0 and [r["key"] for r in json.loads(out)] == ["pioss_review", "ss_language_behaviour"]
    code, out, _ = run_cli("codebook", "list")
    assert "pioss_review" in out and "S&S language and behaviour" in out

    code, out, _ = run_cli("codebook", "show", "ss_language_behaviour")
    assert code == 0 and "Review items" in out and "gowisely_grounds" in out and "reason_given" in out
    themes = next(line for line in out.splitlines() if line.startswith("learning_themes"))
    assert (
        "multiple" in themes
        and "any of reasons_grounds/language_manner/" in themes
        and "(none alone)" in themes
    )
    code, out, _ = run_cli("codebook", "show", "pioss_review", "--version", "1", "--json")
    data = json.loads(out)
    assert code == 0 and data["codes"] == 24 and data["codebook"]["key"] == "pioss_review"
    assert data["review_items"] == 7 and "learning_themes" in {
        i["id"] for i in data["codebook"]["review_items"]
    }

    copy = tmp_path / "copy.yaml"
    code, out, _ = run_cli("codebook", "export", "pioss_review", "--out", str(copy))
    assert code == 0 and copy.exists()
    assert run_cli("codebook", "import", str(copy))[1].startswith("Unchanged")
    code, _, err = run_cli("codebook", "export", "pioss_review", "--out", str(copy))
    assert code == 2 and "already exists" in err

    with open_workspace(db) as ws:
        assert ws.verify_audit().ok


def test_locked_codebook_edit_is_refused_then_new_version(workspace_location, run_cli, tmp_path):
    db = workspace_location
    src = tmp_path / "mini.yaml"
    src.write_text(MINIMAL)
    run_cli("init")
    assert run_cli("codebook", "import", str(src))[0] == 0
    with open_workspace(db) as ws, ws.transaction("alice") as tx:
        lock_if_unlocked(tx, get_codebook(ws.conn, "mini").id)

    exported = tmp_path / "edit.yaml"
    code, _, err = run_cli("codebook", "export", "mini", "--out", str(exported))
    assert code == 0 and "locked" in err and "--new-version" in exported.read_text()
    exported.write_text(exported.read_text().replace("title: Mini", "title: Mini 2"))

    code, _, err = run_cli("codebook", "import", str(exported))
    assert code == 2 and "locked" in err and "--new-version" in err and err.strip().count("\n") == 0
    code, out, _ = run_cli("codebook", "import", str(exported), "--new-version", "--json")
    assert code == 0 and json.loads(out)["version"] == 2
    code, out, _ = run_cli("codebook", "show", "mini")
    assert "mini v2" in out and "Mini 2" in out


def test_import_of_invalid_file_lists_errors_exit_2(run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("track: subj", "track: nope"))
    run_cli("init")
    code, out, err = run_cli("codebook", "import", str(bad))
    assert code == 2 and out == "" and f"{bad}:18:12: $.codes[1].track: unknown track 'nope'" in err
    code, out, _ = run_cli("codebook", "list", "--json")
    assert json.loads(out) == []


def test_show_unknown_key_exit_2(run_cli):
    run_cli("init")
    code, _, err = run_cli("codebook", "show", "nope")
    assert code == 2 and "no codebook 'nope'" in err
