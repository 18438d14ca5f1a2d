"""The server engine's own guarantees: the audit chain computed inside PostgreSQL is the chain bwvtool computes,
appends from many processes at once stay one chain, the log is append-only even for its owner, the migrations
match SQLite's, and a workspace moves between engines with every id, hash and timestamp."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bwvtool.errors import StoreError
from bwvtool.store import audit, catalogue, migrations, open_workspace
from bwvtool.store.postgres import migrations as server_migrations
from bwvtool.store.postgres.copy import copy_workspace
from tests.conftest import REPO

# Any text a workspace can hold: PostgreSQL text cannot hold NUL, and lone surrogates are not UTF-8 on either engine.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


def test_server_migrations_match_sqlite_numbers_and_names():
    assert [m.name for m in server_migrations.available()] == [m.name for m in migrations.available()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=TEXT, actor=TEXT, action=TEXT, entity=TEXT, entity_id=st.none() | TEXT, detail=TEXT)
def test_database_hash_is_row_hash(server_ws, at, actor, action, entity, entity_id, detail):
    """Whatever the client sends as links, the trigger stores row_hash over the previous row's hash."""
    conn = server_ws.conn
    prev = audit.last_hash(conn)
    cursor = conn.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, 'forged', 'forged')",
        (at, actor, action, entity, entity_id, detail),
    )
    stored = conn.execute(
        "SELECT prev_hash, hash FROM audit_log WHERE id = ?", (cursor.lastrowid,)
    ).fetchone()
    assert stored == (prev, audit.row_hash(prev, at, actor, action, entity, entity_id, detail))


@pytest.fixture
def server_ws(server_url):
    ws = open_workspace(server_url, create=True)
    yield ws
    ws.close()


def test_audit_log_is_append_only_even_for_its_owner(server_ws):
    with server_ws.transaction("alice") as tx:
        tx.audit("thing.do", "thing", "1", {"x": 1})
    for statement in (
        "UPDATE audit_log SET actor = 'mallory'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            server_ws.conn.execute(statement)
    assert server_ws.verify_audit().ok


def test_tampering_is_found_by_the_same_verify(server_ws):
    with server_ws.transaction("alice") as tx:
        for i in range(5):
            tx.audit("thing.do", "thing", str(i), {"i": i})
    server_ws.conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
    server_ws.conn.execute("UPDATE audit_log SET detail = '{\"i\":99}' WHERE id = 3")
    report = server_ws.verify_audit()
    assert not report.ok and report.first_broken_id == 3


APPENDER = textwrap.dedent(
    """
    import sys
    from bwvtool.store import open_workspace
    url, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open_workspace(url) as ws:
        for i in range(n):
            with ws.transaction(who) as tx:
                tx.audit("key.press", "event", f"{who}-{i}", {"i": i})
                tx.audit("key.saved", "event", f"{who}-{i}", {"i": i})
    """
)


def test_appends_from_many_processes_stay_one_chain(server_ws, server_url):
    procs = [
        subprocess.Popen([sys.executable, "-c", APPENDER, server_url, f"coder{k}", "25"], cwd=REPO)
        for k in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    report = server_ws.verify_audit()
    assert report.ok and report.rows == 200
    # The two rows of one transaction are neighbours: appends are serialised until commit.
    rows = server_ws.conn.execute("SELECT entity_id FROM audit_log ORDER BY id").fetchall()
    assert all(rows[i] == rows[i + 1] for i in range(0, 200, 2))


def _add_clip(ws, tx, clip_id: str) -> None:
    row = dict.fromkeys(catalogue.CLIP_COLUMNS)
    row.update(clip_id=clip_id, incident_id=f"I-{clip_id}", recorded_at="2026-11-02T10:00:00Z",
               recorded_ts=1_793_613_600, duration_s=120.5, officer_ref="PC101", borough="Lambeth",
               sources='["stop_search"]', sources_mask=4, uof_tactics="[]", uof_mask=0, assault_types="[]",
               assault_mask=0, extra="{}", row_hash=f"h-{clip_id}", media_status="unchecked",
               retention_until="2026-12-03", notes="Ünïcode ‘quote’", created_at=tx.at, updated_at=tx.at)  # fmt: skip
    catalogue.insert_incidents(tx, [row["incident_id"]])
    catalogue.insert_clips(tx, [tuple(row[c] for c in catalogue.CLIP_COLUMNS)])


def _fill(ws) -> None:
    from bwvtool.coding.model import Event
    from bwvtool.store import events

    with ws.transaction("ana") as tx:
        for clip in ("C1", "C2"):
            _add_clip(ws, tx, clip)
        coder = ws.coder_id(tx, "ana")
        book = tx.execute(
            "INSERT INTO codebooks (key, version, title, body, sha256, imported_at) VALUES ('k', 1, 't', '{}', 's', ?)",
            (tx.at,),
        ).lastrowid
        first = events.insert(
            tx, Event("C1", coder, book, "t", "command", "officer_1", 1000, 25, note="a note")
        )
        events.insert(
            tx,
            Event(
                "C1",
                coder,
                book,
                "t",
                "calm",
                "subject_1",
                2000,
                50,
                3000,
                75,
                {"m": 1},
                starred=True,
                caused_by=first.id,
            ),  # fmt: skip
        )
        tx.audit("test.fill", "workspace", None, {"text": 'é\n"x"'})


def test_copy_sqlite_to_server_and_back_keeps_every_row(tmp_path, server_url):
    source = open_workspace(tmp_path / "a.sqlite", create=True)
    _fill(source)
    to_server = copy_workspace(source, server_url)
    back = tmp_path / "b.sqlite"
    with open_workspace(server_url) as server:
        from_server = copy_workspace(server, back)
        assert server.counts() == source.counts()
    assert to_server.last_hash == from_server.last_hash == audit.last_hash(source.conn)
    copy = open_workspace(back)
    for table in ("clips", "events", "coders", "codebooks", "audit_log"):
        assert (
            copy.conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            == source.conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        )
    copy.close()
    with pytest.raises(StoreError, match="already"):
        copy_workspace(source, server_url)
    with pytest.raises(StoreError, match="already exists"):
        copy_workspace(source, back)
    source.close()


def test_server_ids_continue_after_a_copy(tmp_path, server_url):
    source = open_workspace(tmp_path / "a.sqlite", create=True)
    _fill(source)
    copy_workspace(source, server_url)
    source.close()
    with open_workspace(server_url) as server, server.transaction("bo") as tx:
        assert server.coder_id(tx, "bo") == 2
        tx.audit("after.copy", "thing")
    with open_workspace(server_url) as server:
        assert server.verify_audit().ok


def test_cli_server_init_copy_and_verify(run_cli, tmp_path, server_url):
    run_cli("init", db=tmp_path / "ws.sqlite")
    code, out, err = run_cli("workspace", "copy", str(tmp_path / "ws.sqlite"), server_url, "--json")
    assert code == 0, err
    assert json.loads(out)["audit_rows"] == 1
    code, out, err = run_cli("audit", "verify", db=server_url)
    assert code == 0, err
    code, out, err = run_cli("workspace", "copy", str(tmp_path / "ws.sqlite"), server_url)
    assert code == 2 and "already holds a workspace" in err and "Error" not in err


def test_server_commands_refuse_a_sqlite_file(run_cli, tmp_path):
    run_cli("init", db=tmp_path / "ws.sqlite")
    code, _out, err = run_cli("server", "user", "add", "amy", "--role", "reviewer", db=tmp_path / "ws.sqlite")
    assert code == 2 and "team commands need a server" in err


def test_every_command_refuses_another_name_than_the_login_in_one_line(run_cli, server_url, monkeypatch):
    """As the app does: a team member is who they signed in as, in any command; the administrator (who sets the
    server up and, as the server allows, records in other people's names) still acts as the name given."""
    from tests.core.team_fixture import as_login, people

    open_workspace(server_url, create=True).close()
    login = people(server_url, ["ravi"])["ravi"]
    at = as_login(server_url, login)
    monkeypatch.delenv("BWVTOOL_USER", raising=False)
    for command in (["status"], ["audit", "verify"], ["server", "user", "list"]):
        code, _out, err = run_cli("--user", "rosa", *command, db=at)
        assert code == 2 and err.count("\n") == 1, (command, err)
        assert f"--user says 'rosa', but this server signed you in as '{login}'" in err
    monkeypatch.setenv("BWVTOOL_USER", "rosa")
    code, _out, err = run_cli("status", db=at)
    assert code == 2 and f"$BWVTOOL_USER says 'rosa', but this server signed you in as '{login}'" in err
    code, _out, err = run_cli("--user", login, "status", db=at)
    assert code == 0, err
    code, _out, err = run_cli("--user", "rosa", "status", db=server_url)  # the administrator
    assert code == 0, err
