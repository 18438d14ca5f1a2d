"""`bwvtool sample …` end to end: exit codes, one-line errors, nothing stored on failure, results via the library."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest
from scipy import stats

from bwvtool import sampling
from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
from bwvtool.store import open_workspace


@pytest.fixture
def db(workspace_location, tmp_path, run_cli):
    """A workspace with 3,000 generated clips from January to March 2021."""
    source = tmp_path / "catalogue.jsonl"
    write_jsonl(source, synthetic_rows(3000, seed=11, start=datetime(2021, 1, 1, tzinfo=UTC),
                                       end=datetime(2021, 3, 31, tzinfo=UTC)))  # fmt: skip
    assert run_cli("init")[0] == 0
    code, _, err = run_cli("catalogue", "import", str(source))
    assert code == 0, err
    assert run_cli("coder", "add", "coder1", "coder2", "coder3", "coder4")[0] == 0
    return workspace_location


CODERS = ("--coders", "coder1,coder2,coder3,coder4")


def _samples(db):
    with open_workspace(db) as ws:
        return sampling.list_samples(ws)


def test_plans_and_plan_copy(run_cli, tmp_path):
    code, out, _ = run_cli("sample", "plans", "--json")
    assert code == 0 and [p["name"] for p in json.loads(out)] == sampling.builtin_plans()
    target = tmp_path / "mine.yaml"
    code, out, _ = run_cli("sample", "plan-copy", "pioss_weekly", str(target))
    assert code == 0 and target.read_text() == sampling.builtin_plan_text("pioss_weekly")
    code, _, err = run_cli("sample", "plan-copy", "pioss_weekly", str(target))
    assert code == 2 and "already exists" in err and err.count("\n") == 1
    code, _, err = run_cli("sample", "plan-copy", "nope", str(tmp_path / "x.yaml"))
    assert code == 2 and "no built-in plan called 'nope'" in err


def test_dry_run_stores_nothing_and_draw_reports(db, run_cli):
    code, out, _ = run_cli("sample", "draw", "pioss_weekly", "--as-of", "2021-03-10", "--dry-run", "--json")
    preview = json.loads(out)
    assert code == 0 and preview["frame_size"] > 0 and preview["expected_units"] == preview["census_taken"]
    code, out, _ = run_cli("sample", "draw", "pioss_weekly", "--as-of", "2021-03-10", "--dry-run")
    assert code == 0 and "Census rules (priority order)" in out and "op_hampshire" in out
    assert _samples(db) == []
    code, out, err = run_cli("sample", "draw", "pioss_weekly", "--as-of", "2020-03-10", "--dry-run")
    assert (
        code == 0 and "expected units: 0 — no incident in the window meets the plan's frame conditions" in out
    ), err
    code, out, _ = run_cli(
        "sample", "draw", "ss_research_study", "--as-of", "2021-04-01", "--seed", "7", *CODERS, "--json"
    )
    drawn = json.loads(out)
    assert code == 0 and drawn["seed"] == 7 and drawn["seed_source"] == "option" and drawn["units"] == 500
    assert [s["id"] for s in _samples(db)] == [drawn["sample_id"]]
    code, out, _ = run_cli(
        "sample", "draw", "ss_research_study", "--as-of", "2021-04-01", "--seed", "7", *CODERS
    )
    assert (
        code == 0
        and "Drew sample 2" in out
        and "codebook: ss_language_behaviour" in out
        and f"manifest sha256 {drawn['manifest_sha256']}" in out
    )
    code, out, _ = run_cli("sample", "list")
    assert code == 0 and "Stop and search study (2021-04-01)" in out


def test_show_export_and_verify(db, run_cli, tmp_path):
    code, out, _ = run_cli("sample", "draw", "supervisor_dip", "--as-of", "2021-03-10", "--json")
    sample_id = json.loads(out)["sample_id"]
    code, out, _ = run_cli("sample", "show", str(sample_id), "--items", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["seed_source"] == "generated" and len(shown["items"]) == shown["clips"]
    code, out, _ = run_cli("sample", "show", str(sample_id))
    assert code == 0 and "frame_sha256" in out and "Strata:" in out
    code, out, _ = run_cli("sample", "export", str(sample_id), "--out", str(tmp_path / "s.csv"))
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert len(rows) == shown["clips"] and {"inclusion_prob", "design_weight", "stratum"} <= set(rows[0])
    assert all(float(r["design_weight"]) == pytest.approx(1 / float(r["inclusion_prob"])) for r in rows)
    code, out, _ = run_cli("sample", "export", str(sample_id), "--out", str(tmp_path / "s.json"), "--json")
    body = json.loads((tmp_path / "s.json").read_text())
    assert code == 0 and body["sample"]["manifest_sha256"] == sampling.manifest.sha256(body["manifest"])
    code, _, err = run_cli("sample", "export", str(sample_id), "--out", str(tmp_path / "s.xlsx"))
    assert code == 2 and "export to .csv or .json" in err
    code, out, _ = run_cli("sample", "verify", str(sample_id))
    assert code == 0 and "identical" in out
    code, _, err = run_cli("sample", "show", "999")
    assert code == 2 and "no sample 999" in err


def test_bad_plans_fail_with_line_and_store_nothing(db, run_cli, tmp_path):
    plan = tmp_path / "bad.yaml"
    plan.write_text(
        sampling.builtin_plan_text("supervisor_dip").replace("allocation: fixed", "allocation: fixd")
    )
    code, out, err = run_cli("sample", "draw", str(plan), "--as-of", "2021-03-10")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "bad.yaml line" in err and "design.sample.allocation: 'fixd' is not one of" in err
    plan.write_text(
        sampling.builtin_plan_text("supervisor_dip").replace("per_stratum: 2", "per_stratum: 2\n    n: 3")
    )
    code, _, err = run_cli("sample", "draw", str(plan))
    assert code == 2 and "design.sample.n: 'n' does not go with allocation: fixed" in err
    plan.write_text(
        sampling.builtin_plan_text("pioss_weekly").replace(
            "capacity: 200",
            "capacity: 200\n  sample: {method: stratified, n: 10, strata: [borough], allocation: minimum, per_stratum: 4}",
        )
    )
    code, _, err = run_cli("sample", "draw", str(plan), "--as-of", "2021-03-10")
    assert code == 2 and "design.sample.per_stratum: minimum 4 per stratum needs" in err
    code, _, err = run_cli("sample", "draw", "pioss_weekly", "--as-of", "10/03/2021")
    assert code == 2 and "is not a date like" in err
    assert _samples(db) == []


def test_census_over_capacity_warns_but_draws(db, run_cli, tmp_path):
    plan = tmp_path / "small.yaml"
    plan.write_text(sampling.builtin_plan_text("pioss_weekly").replace("capacity: 200", "capacity: 3"))
    code, out, err = run_cli("sample", "draw", str(plan), "--as-of", "2021-03-10", "--json")
    drawn = json.loads(out)
    assert code == 0 and drawn["units"] == 3 and "census alone matches" in err
    assert sum(c["dropped"] for c in drawn["census"]) > 0


def test_sample_size(run_cli):
    code, out, _ = run_cli("sample", "size", "--rate", "0.10", "--margin", "0.05", "--json")
    data = json.loads(out)
    assert code == 0 and data["n"] == 139 and data["detect_one"]["n"] == 29  # 1.96² · 0.09 / 0.0025 = 138.3
    code, out, _ = run_cli(
        "sample", "size", "--rate", "0.10", "--margin", "0.05", "--population", "6000", "--json"
    )
    data = json.loads(out)
    assert data["n"] == 136 and data["n_without_fpc"] == 139  # 138.3 / (1 + 137.3 / 6000) = 135.2
    n = data["detect_one"]["n"]
    assert stats.hypergeom(6000, 600, n).pmf(0) <= 0.05 < stats.hypergeom(6000, 600, n - 1).pmf(0)
    code, out, _ = run_cli("sample", "size", "--rate", "0.10", "--margin", "0.05", "--population", "200")
    assert code == 0 and "n = 83 from 200" in out  # 138.3 / 1.686 = 82.002
    code, _, err = run_cli("sample", "size", "--rate", "1.5", "--margin", "0.05")
    assert code == 2 and "rate must be between 0 and 1" in err
