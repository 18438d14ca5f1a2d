"""A draw is shown before it is stored: `stage` computes it (n, strata, shortfalls, codebook, each coder's units)
and stores nothing; `commit` stores exactly that draw, or — when the catalogue changed meanwhile — stores nothing
and hands back the new draw. `sample draw --dry-run` prints the same summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bwvtool import sampling
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
from tests.core.test_sampling_cli import CODERS, db  # noqa: F401 - the fixture

START, END = datetime(2021, 1, 1, tzinfo=UTC), datetime(2021, 3, 31, tzinfo=UTC)


def test_stage_stores_nothing_and_commit_stores_exactly_the_staged_draw(workspace, tmp_path):
    write_jsonl(tmp_path / "cat.jsonl", synthetic_rows(3000, seed=11, start=START, end=END))
    import_catalogue(workspace, tmp_path / "cat.jsonl", actor="test")
    with workspace.transaction("test") as tx:
        for name in ("coder1", "coder2", "coder3"):
            workspace.coder_id(tx, name)
    audit_rows = workspace.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    staged = sampling.stage(
        workspace, "ss_research_study", as_of="2021-04-01", coders=["coder1", "coder2", "coder3"]
    )
    assert sampling.list_samples(workspace) == []
    assert workspace.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_rows
    shown = staged.summary
    assert shown["codebook"] == "ss_language_behaviour" and shown["seed_source"] == "generated"
    assert shown["units"] == 500 == sum(s["allocated"] for s in shown["strata"]) + shown["census_taken"]
    assert {w["coder"] for w in shown["workloads"]} == {"coder1", "coder2", "coder3"}
    assert sum(w["primary"] for w in shown["workloads"]) == 500
    assert sum(w["reliability"] for w in shown["workloads"]) == 100  # double_code: 0.2
    assert shown["shortfalls"] == [s for s in shown["shortfalls"] if s["shortfall"] > 0]

    sample_id = sampling.commit(workspace, staged, actor="lead")
    sample = sampling.get_sample(workspace, sample_id)
    assert sample["manifest_sha256"] == staged.manifest_sha256 and sample["seed"] == staged.seed
    assert sample["report"]["seed_source"] == "generated" and sample["codebook"] == "ss_language_behaviour"
    assert sample["report"]["workloads"] == shown["workloads"]
    assert sampling.verify(workspace, sample_id)["ok"]


def test_a_catalogue_changed_after_the_preview_is_said_and_nothing_stored(workspace, tmp_path):
    write_jsonl(tmp_path / "cat.jsonl", synthetic_rows(3000, seed=11, start=START, end=END))
    import_catalogue(workspace, tmp_path / "cat.jsonl", actor="test")
    staged = sampling.stage(workspace, "supervisor_dip", seed=5, as_of="2021-03-10")
    more = list(synthetic_rows(400, seed=12, start=START, end=END))
    for row in more:
        row["clip_id"] = f"NEW-{row['clip_id']}"
    write_jsonl(tmp_path / "more.jsonl", more)
    import_catalogue(workspace, tmp_path / "more.jsonl", actor="test")
    with pytest.raises(sampling.DrawChanged) as changed:
        sampling.commit(workspace, staged, actor="lead")
    assert "the catalogue changed since this draw was shown" in str(changed.value)
    assert sampling.list_samples(workspace) == []
    now = changed.value.staged
    assert now.summary["frame_size"] > staged.summary["frame_size"] and now.seed == 5
    sample_id = sampling.commit(workspace, now, actor="lead")  # the new draw, confirmed, is stored as shown
    assert sampling.get_sample(workspace, sample_id)["manifest_sha256"] == now.manifest_sha256


def test_dry_run_prints_the_confirmation(db, run_cli):  # noqa: F811 - the fixture
    args = ("sample", "draw", "ss_research_study", "--as-of", "2021-04-01", "--seed", "7", *CODERS)
    code, out, _ = run_cli(*args, "--dry-run", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["units"] == 500 and shown["codebook"] == "ss_language_behaviour"
    assert {w["coder"] for w in shown["workloads"]} == {"coder1", "coder2", "coder3", "coder4"}
    code, out, _ = run_cli(*args, "--dry-run")
    assert code == 0 and out.startswith("Dry run (nothing stored): Stop and search study as of 2021-04-01")
    assert "codebook: ss_language_behaviour" in out and "Strata:" in out and "\nCoders:\n" in out
    code, out, _ = run_cli(*args, "--json")
    assert code == 0 and json.loads(out)["manifest_sha256"] == shown["manifest_sha256"]  # what was shown
