"""The workspace store: pragmas, migrations, the append-only hash-chained audit log, backup."""

from __future__ import annotations

import sqlite3

import pytest

from bwvtool.errors import StoreError
from bwvtool.store import dialect, migrations, open_workspace


@pytest.mark.sqlite_only("checks SQLite's own settings of the file (WAL, foreign keys, synchronous)")
def test_new_workspace_has_wal_foreign_keys_and_latest_schema(workspace):
    conn = workspace.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert workspace.schema_version == len(migrations.available())
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for table in (
        "clips",
        "incidents",
        "catalogue_imports",
        "samples",
        "sample_items",
        "assignments",
        "coders",
        "codebooks",
        "events",
        "clip_reviews",
        "audit_log",
    ):
        assert table in tables


@pytest.mark.both_engines
def test_audit_log_refuses_update_and_delete(workspace):
    with workspace.transaction("alice") as tx:
        tx.audit("thing.do", "thing", "1", {"x": 1})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        workspace.conn.execute("UPDATE audit_log SET actor = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        workspace.conn.execute("DELETE FROM audit_log")
    assert workspace.verify_audit().ok


def test_audit_chain_reports_first_broken_link(workspace_location):
    ws = open_workspace(workspace_location, create=True)
    with ws.transaction("alice") as tx:
        for i in range(5):
            tx.audit("thing.do", "thing", str(i), {"i": i})
    # A tamperer with raw access drops the trigger and edits row 3.
    dialect.drop_trigger(ws.conn, "audit_log_no_update", "audit_log")
    ws.conn.execute("UPDATE audit_log SET detail = '{\"i\":99}' WHERE id = 3")
    report = ws.verify_audit()
    assert not report.ok and report.first_broken_id == 3
    ws.close()


@pytest.mark.both_engines
def test_failed_action_leaves_no_change_and_no_audit_row(workspace):
    with pytest.raises(RuntimeError), workspace.transaction("alice") as tx:
        workspace.coder_id(tx, "bob")
        raise RuntimeError("crash mid-action")
    assert workspace.counts()["coders"] == 0
    assert workspace.counts()["audit_log"] == 0


def test_reopen_is_idempotent_and_newer_schema_is_refused(tmp_path):
    path = tmp_path / "w.sqlite"
    open_workspace(path, create=True).close()
    ws = open_workspace(path)
    assert migrations.pending(ws.conn) == []
    ws.conn.execute("PRAGMA user_version = 999")
    ws.close()
    with pytest.raises(StoreError, match="newer than this bwvtool"):
        open_workspace(path)


def test_not_a_database_is_a_clear_error(tmp_path):
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a bwvtool workspace"):
        open_workspace(bogus)


@pytest.mark.both_engines
def test_backup_is_a_complete_consistent_copy(workspace, tmp_path):
    with workspace.transaction("alice") as tx:
        workspace.coder_id(tx, "carol")
    dest = tmp_path / "copy.sqlite"
    workspace.backup(dest)
    copy = open_workspace(dest)
    assert copy.counts() == workspace.counts()
    assert copy.verify_audit().ok and copy.integrity_check() == []
    copy.close()
    with pytest.raises(StoreError, match="already exists"):
        workspace.backup(dest)
