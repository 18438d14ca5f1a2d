"""A lost tail of the audit log is noticed: anchors outside the workspace (issue 9, part 4)."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from bwvtool.anchors import anchor_file, check_tail, read_anchors, record_anchor
from bwvtool.export.context import ExportOptions
from bwvtool.export.run import export_sample
from bwvtool.store import open_workspace
from tests.core.test_export_fixtures import build_coded_sample


def _audit_head(db) -> int:
    with open_workspace(db) as ws:
        return ws.conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]


def _act(run_cli, n: int) -> None:
    """``n`` audited actions, each its own transaction, as commands write them."""
    for i in range(n):
        with open_workspace(run_cli.db) as ws, ws.transaction("alice") as tx:
            tx.audit("test.action", "test", str(i))


@pytest.fixture
def cli(run_cli, workspace_location):
    run_cli.db = workspace_location
    assert run_cli("init")[0] == 0
    return run_cli


def _restore(backup, db) -> None:
    """Put an old copy in place of the workspace, as a user restoring a file would (no -wal/-shm left)."""
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, db)


@pytest.mark.sqlite_only("restores an old copy of the workspace file in its place")
def test_restoring_an_old_copy_is_reported_with_the_rows_missing(cli, tmp_path):
    db = cli.db
    _act(cli, 3)
    old = tmp_path / "monday.sqlite"
    code, out, err = cli("backup", str(old), "--json")
    assert code == 0, err
    first = json.loads(out)["anchor"]
    assert first["reason"] == "backup" and first["where"] == str(old.resolve())
    _act(cli, 34)
    newer = tmp_path / "friday.sqlite"
    assert cli("backup", str(newer))[0] == 0
    seen = _audit_head(db)
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "its end matches an anchor from" in out and str(newer.resolve()) in out

    _restore(old, db)
    ends = _audit_head(db)
    code, out, err = cli("audit", "verify")
    assert code == 2
    line = out.strip()
    assert f"the workspace's audit log ends at row {ends} but an anchor from " in line
    assert f"(backup, {newer.resolve()}) saw row {seen}: {seen - ends} rows are missing" in line
    assert line.endswith("was an old copy restored?") and len(line.splitlines()) == 1
    code, out, _ = cli("audit", "verify", "--json")
    report = json.loads(out)
    assert code == 2 and report["ok"] is True and report["tail"]["missing_rows"] == seen - ends

    # Restored on purpose: the loss is accepted once, with a reason kept in the audit log, and verify passes.
    code, out, err = cli("audit", "accept-loss", "--reason", "restored Monday's backup after a disk fault")
    assert code == 0 and "Accepted the loss" in out, err
    _act(cli, 40)  # new rows now reuse the lost ids with other hashes: the accepted anchors stay quiet
    code, out, _ = cli("audit", "verify")
    assert code == 0, out


@pytest.mark.sqlite_only("restores an old copy of the workspace file in its place")
def test_a_copy_that_went_its_own_way_past_the_anchor_is_reported(cli, tmp_path):
    db = cli.db
    _act(cli, 2)
    old = tmp_path / "old.sqlite"
    assert cli("backup", str(old))[0] == 0
    _act(cli, 5)
    assert cli("audit", "anchor")[0] == 0
    anchored = _audit_head(db)
    _restore(old, db)
    _act(cli, 10)  # other rows under the same ids
    assert _audit_head(db) > anchored
    code, out, _ = cli("audit", "verify")
    assert code == 2 and f"audit row {anchored} is not the row an anchor from" in out and "(manual)" in out


def test_a_workspace_without_anchors_verifies_and_says_so(cli):
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "no anchor recorded yet" in out


def test_the_anchor_log_lives_outside_the_workspace_and_survives_a_torn_line(cli, tmp_path):
    with open_workspace(cli.db) as ws:
        anchor = record_anchor(ws, "app-close")
        path = anchor_file(anchor.workspace_id)
        assert tmp_path not in path.parents and path.is_file()
        with path.open("a", encoding="utf-8") as handle:
            handle.write('{"workspace_id": "torn')  # a crash while appending
        assert [a.row_id for a in read_anchors(anchor.workspace_id)] == [anchor.row_id]
        assert check_tail(ws).ok


def test_an_unwritable_anchor_log_warns_but_the_backup_stands(cli, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    code, out, err = cli("backup", str(tmp_path / "b.sqlite"))
    assert code == 0 and (tmp_path / "b.sqlite").is_file()
    assert err.startswith("warning: cannot record the audit anchor in ") and "Traceback" not in err


def test_an_export_records_the_head_in_its_manifest_and_in_the_anchor_log(tmp_path):
    coded = build_coded_sample(tmp_path / "coded")
    with coded.open() as ws:
        result = export_sample(
            ws, coded.sample_id, tmp_path / "out", ExportOptions(fmt="jsonl", identified=True)
        )
        in_manifest = json.loads((result.out / "manifest.json").read_text())["audit_anchor"]
        anchors = read_anchors(in_manifest["workspace_id"])
    assert set(in_manifest) == {"workspace_id", "row_id", "hash"}
    assert anchors[-1].reason == "export" and anchors[-1].where == str((tmp_path / "out").resolve())
    assert anchors[-1].row_id > in_manifest["row_id"]  # the export's own audit row came after the manifest


def test_a_locked_codebook_version_cannot_be_changed_or_deleted_by_plain_sql(workspace):
    from bwvtool.codebook import load_default_codebook
    from bwvtool.store.codebooks import import_codebook, lock_if_unlocked

    stored = import_codebook(workspace, load_default_codebook("pioss_review.yaml"), actor="test")
    unlocked = import_codebook(workspace, load_default_codebook("ss_language_behaviour.yaml"), actor="test")
    with workspace.transaction("test") as tx:
        lock_if_unlocked(tx, stored.id)
    for sql in (
        "UPDATE codebooks SET title = 'Changed' WHERE id = ?",
        "UPDATE codebooks SET body = '{}', sha256 = '' WHERE id = ?",
        "UPDATE codebooks SET locked_at = NULL WHERE id = ?",
        "DELETE FROM codebooks WHERE id = ?",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="this codebook version is locked"):
            workspace.conn.execute(sql, (stored.id,))
    workspace.conn.execute(
        "UPDATE codebooks SET title = 'Draft' WHERE id = ?", (unlocked.id,)
    )  # not yet used


def test_a_weekly_report_written_to_a_file_records_an_anchor(cli, tmp_path):
    out = tmp_path / "week.html"
    code, _, err = cli("report", "weekly", "--week", "2026-W45", "--html", "--out", str(out))
    assert code == 0 and out.is_file(), err
    with open_workspace(cli.db) as ws:
        workspace_id = ws.conn.execute("SELECT uuid FROM workspace_identity").fetchone()[0]
        (anchor,) = read_anchors(workspace_id)
        assert (anchor.reason, anchor.where, anchor.row_id) == (
            "report",
            str(out.resolve()),
            _audit_head(cli.db),
        )
