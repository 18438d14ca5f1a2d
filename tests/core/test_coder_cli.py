"""`bwvtool coder rename / deactivate / reactivate`: a coder's coding and assignments follow a rename; a
deactivated coder keeps them but gets no new units; every change is audited; bad input is one line, exit 2."""

from __future__ import annotations

import json

import pytest

from bwvtool.store import audit
from tests.conftest import open_test_workspace
from tests.core.test_study_codings import STUDY_PLAN, write_catalogue


@pytest.fixture
def team(run_cli, tmp_path):
    write_catalogue(tmp_path)
    (tmp_path / "study.yaml").write_text(STUDY_PLAN)
    assert run_cli("init")[0] == 0
    assert run_cli("catalogue", "import", str(tmp_path / "cat.csv"))[0] == 0
    assert run_cli("coder", "add", "coder1", "coder2", "coder3")[0] == 0
    code, out, err = run_cli("--user", "lead", "sample", "draw", str(tmp_path / "study.yaml"),
                             "--coders", "coder1,coder2", "--json")  # fmt: skip
    assert code == 0, err
    return json.loads(out)["sample_id"], tmp_path / "study.yaml"


@pytest.mark.both_engines
def test_rename_keeps_the_coding_and_is_audited(run_cli, team, workspace_location):
    sample, _plan = team
    code, _, err = run_cli("--user", "coder1", "events", "add", "S1", "--sample", str(sample), "--code",
                           "command", "--at-ms", "1000")  # fmt: skip
    assert code == 0, err
    code, out, _ = run_cli("--user", "admin1", "coder", "rename", "coder1", "ana", "--json")
    assert code == 0 and json.loads(out) == {"from": "coder1", "to": "ana"}
    code, out, _ = run_cli("--user", "ana", "queue", "--json")
    assert code == 0 and {q["clip_id"] for q in json.loads(out)} == {"S1", "S2"}  # the assignments followed
    code, out, _ = run_cli("--user", "ana", "events", "list", "S1", "--json")
    assert code == 0 and [e["code"] for e in json.loads(out)] == ["command"]  # and the coding
    code, out, _ = run_cli("sample", "show", str(sample), "--items", "--json")
    assert {i["coder"] for i in json.loads(out)["items"]} <= {"ana", "coder2"}
    code, out, _ = run_cli("coder", "list", "--json")
    assert [c["name"] for c in json.loads(out)] == ["ana", "coder2", "coder3"]
    with open_test_workspace(workspace_location) as ws:
        rows = ws.conn.execute(
            "SELECT actor, entity_id, detail FROM audit_log WHERE action = 'coder.rename'"
        ).fetchall()
        assert [(r[0], r[1], json.loads(r[2])) for r in rows] == [
            ("admin1", "ana", {"from": "coder1", "to": "ana"})
        ]
        assert audit.verify(ws.conn).ok

    code, _, err = run_cli("coder", "rename", "nobody", "x")
    assert code == 2 and err == "bwvtool: error: no coder 'nobody' (see 'bwvtool coder list')\n"
    code, _, err = run_cli("coder", "rename", "ana", "coder2")
    assert code == 2 and "'coder2' is a coder already" in err and err.count("\n") == 1
    code, _, err = run_cli("coder", "rename", "ana", "  ")
    assert code == 2 and "cannot be empty" in err and err.count("\n") == 1


@pytest.mark.both_engines
def test_a_deactivated_coder_keeps_their_work_and_gets_no_new_units(run_cli, team, workspace_location):
    sample, plan = team
    code, out, _ = run_cli("--user", "admin1", "coder", "deactivate", "coder2", "--json")
    assert code == 0 and json.loads(out)["changed"] is True
    code, out, _ = run_cli("coder", "deactivate", "coder2")
    assert code == 0 and "was deactivated already" in out
    code, out, _ = run_cli("coder", "list")
    assert code == 0 and any(line.split()[:3] == ["coder2", "reviewer", "no"] for line in out.splitlines())
    code, out, _ = run_cli("--user", "coder2", "queue", "--json")
    assert code == 0 and len(json.loads(out)) == 2  # the open assignments stay theirs

    code, _, err = run_cli("sample", "draw", str(plan), "--coders", "coder1,coder2", "--dry-run")
    assert code == 2 and "coder 'coder2' is deactivated" in err and err.count("\n") == 1
    code, _, err = run_cli("sample", "draw", str(plan), "--coders", "coder1,coder2")
    assert code == 2 and "bwvtool coder reactivate coder2" in err
    with open_test_workspace(workspace_location) as ws:
        assert ws.conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 1  # nothing drawn

    code, out, _ = run_cli("--user", "admin1", "coder", "reactivate", "coder2")
    assert code == 0 and out == "Coder coder2 reactivated\n"
    code, out, err = run_cli("sample", "draw", str(plan), "--coders", "coder1,coder2", "--json")
    assert code == 0, err
    with open_test_workspace(workspace_location) as ws:
        actions = [
            r[0]
            for r in ws.conn.execute(
                "SELECT action FROM audit_log WHERE action LIKE 'coder.%activate' ORDER BY id"
            ).fetchall()
        ]
        assert actions == ["coder.deactivate", "coder.reactivate"]
    code, _, err = run_cli("coder", "deactivate", "nobody")
    assert code == 2 and err == "bwvtool: error: no coder 'nobody' (see 'bwvtool coder list')\n"


def test_a_renamed_study_lead_still_opens_the_study(run_cli, team):
    sample, _plan = team
    assert run_cli("coder", "add", "lead")[0] == 0
    assert run_cli("coder", "rename", "lead", "lead2")[0] == 0
    code, _, err = run_cli("--user", "lead2", "sample", "unblind", str(sample))
    assert code == 2 and "not complete yet" in err  # refused for the coding, not for who asks
    code, _, err = run_cli("--user", "coder3", "sample", "unblind", str(sample))
    assert code == 2 and "only the study lead (lead, who drew" in err
