"""Roles the server enforces: each test connects as a reviewer, researcher, supervisor or admin and tries raw SQL.

Nothing here goes through bwvtool's own checks: what is refused is refused by PostgreSQL's privileges, row-level
security and triggers (server migrations 0001 onwards), so a script with the person's login gets no further.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest

from bwvtool.store import open_workspace, queue
from bwvtool.store.postgres import roles

NOW = "2026-11-02T10:00:00.000Z"


def _as(url: str, login: str) -> psycopg.Connection:
    return psycopg.connect(psycopg.conninfo.make_conninfo(url, user=login), autocommit=True)


@pytest.fixture
def team(server_url):
    """A server workspace with five people and three clips: C1 blind double-coded by the two reviewers, C2 the
    first reviewer's alone, C3 the second's alone; each reviewer has an event on each of their clips."""
    tag = uuid.uuid4().hex[:6]
    people = {kind: f"{kind}_{tag}" for kind in ("alice", "bob", "rita", "sam", "ada")}
    ws = open_workspace(server_url, create=True)
    for kind, role in (("alice", "reviewer"), ("bob", "reviewer"), ("rita", "researcher"), ("sam", "supervisor"),
                       ("ada", "admin")):  # fmt: skip
        roles.add_user(ws, people[kind], role, actor="postgres")
    ids = {k: ws.find_coder(v) for k, v in people.items()}
    conn = ws.conn
    conn.execute("INSERT INTO incidents (incident_id, created_at) VALUES ('I1', ?)", (NOW,))
    for clip in ("C1", "C2", "C3"):
        conn.execute(
            "INSERT INTO clips (clip_id, incident_id, recorded_at, recorded_ts, duration_s, officer_ref, borough,"
            " row_hash, created_at, updated_at) VALUES (?, 'I1', ?, 1793613600, 60, 'PC101', 'Lambeth', 'h', ?, ?)",
            (clip, NOW, NOW, NOW),
        )
    sample = conn.execute(
        "INSERT INTO samples (name, plan_text, plan_sha256, seed, unit, drawn_at, drawn_by, frame_sha256,"
        " frame_size, manifest_sha256) VALUES ('s', '', '', 1, 'clip', ?, 'ada', '', 3, '')",
        (NOW,),
    ).lastrowid
    book = conn.execute(
        "INSERT INTO codebooks (key, version, title, body, sha256, imported_at) VALUES ('k', 1, 't', '{}', 's', ?)",
        (NOW,),
    ).lastrowid
    work = [("C1", "alice", "primary"), ("C1", "bob", "reliability"), ("C2", "alice", "primary"),
            ("C3", "bob", "primary")]  # fmt: skip
    for clip, who, role in work:
        conn.execute(
            "INSERT INTO assignments (sample_id, clip_id, coder_id, role, assigned_at) VALUES (?, ?, ?, ?, ?)",
            (sample, clip, ids[who], role, NOW),
        )
        conn.execute(
            "INSERT INTO events (clip_id, coder_id, codebook_id, track, code, actor, onset_ms, onset_frame,"
            " created_at, updated_at) VALUES (?, ?, ?, 't', 'command', 'officer_1', 1000, 25, ?, ?)",
            (clip, ids[who], book, NOW, NOW),
        )
        conn.execute(
            "INSERT INTO clip_reviews (clip_id, coder_id, codebook_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (clip, ids[who], book, NOW, NOW),
        )
    yield {"url": server_url, "ws": ws, "people": people, "ids": ids, "book": book}
    ws.close()


def _refused(conn: psycopg.Connection, statement: str, params: tuple = (), match: str = "") -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, params)
    message = str(caught.value)
    assert match in message
    return message


def test_reviewer_sees_only_own_coding_on_a_blind_double_coded_clip(team):
    ids = team["ids"]
    with _as(team["url"], team["people"]["alice"]) as alice:
        clips = [r[0] for r in alice.execute("SELECT clip_id FROM clips ORDER BY clip_id")]
        assert clips == ["C1", "C2"]  # only what is assigned to her
        events = alice.execute("SELECT clip_id, coder_id FROM events ORDER BY clip_id, coder_id").fetchall()
        assert ("C1", ids["bob"]) not in events  # blind: bob's coding of C1 is invisible
        assert {("C1", ids["alice"]), ("C2", ids["alice"])} <= set(events)
        reviews = alice.execute("SELECT clip_id, coder_id FROM clip_reviews").fetchall()
        assert ("C1", ids["bob"]) not in reviews
        assert alice.execute("SELECT count(*) FROM assignments").fetchone()[0] == 2  # her own


def test_reviewer_cannot_code_for_others_or_unassigned_clips(team):
    ids, book = team["ids"], team["book"]
    insert = (
        "INSERT INTO events (clip_id, coder_id, codebook_id, track, code, actor, onset_ms, onset_frame,"
        " created_at, updated_at) VALUES (%s, %s, %s, 't', 'command', 'officer_1', 5, 0, 'x', 'x')"
    )
    with _as(team["url"], team["people"]["alice"]) as alice:
        _refused(alice, insert, ("C3", ids["alice"], book), "row-level security")
        _refused(alice, insert, ("C1", ids["bob"], book), "row-level security")
        alice.execute(insert, ("C1", ids["alice"], book))  # her own assignment: fine
        assert alice.execute("UPDATE events SET note = 'x' WHERE coder_id = %s", (ids["bob"],)).rowcount == 0
        _refused(alice, "UPDATE clips SET borough = 'x'", (), "permission denied")
        _refused(alice, "INSERT INTO samples (name) VALUES ('x')", (), "permission denied")


def test_nobody_changes_the_audit_log_or_writes_as_someone_else(team):
    for kind in ("alice", "rita", "sam", "ada"):
        with _as(team["url"], team["people"][kind]) as conn:
            _refused(conn, "UPDATE audit_log SET actor = 'x'", (), "permission denied")
            _refused(conn, "DELETE FROM audit_log", (), "permission denied")
            _refused(conn, "TRUNCATE audit_log", (), "permission denied")
            _refused(
                conn,
                "INSERT INTO audit_log (at, actor, action, entity, prev_hash, hash) VALUES ('t', 'mallory', 'a', 'e', '', '')",
                (),
                "is not the logged-in user",
            )
    assert team["ws"].verify_audit().ok


def test_researcher_reads_coding_but_identified_fields_only_when_granted(team):
    rita = team["people"]["rita"]
    with _as(team["url"], rita) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 4
        assert len(conn.execute("SELECT clip_id, borough, recorded_ts FROM clips").fetchall()) == 3
        _refused(conn, "SELECT officer_ref FROM clips", (), "permission denied")
        _refused(conn, "SELECT * FROM clips", (), "permission denied")
        _refused(conn, "SELECT * FROM debrief_notes", (), "permission denied")
        _refused(conn, "SELECT * FROM column_snapshot", (), "permission denied")
        _refused(conn, "DELETE FROM events", (), "permission denied")
    roles.grant(team["ws"], rita, "identified", actor="postgres")
    with _as(team["url"], rita) as conn:
        assert conn.execute("SELECT DISTINCT officer_ref FROM clips").fetchall() == [("PC101",)]
    grant = (
        team["ws"]
        .conn.execute(
            "SELECT actor, action, detail FROM audit_log WHERE entity_id = ? ORDER BY id DESC LIMIT 1",
            (rita,),
        )
        .fetchone()
    )
    assert grant[:2] == ("postgres", "server.grant") and "officer_ref" in grant[2]
    roles.grant(team["ws"], rita, "identified", actor="postgres", revoke=True)
    with _as(team["url"], rita) as conn:
        _refused(conn, "SELECT officer_ref FROM clips", (), "permission denied")


def test_supervisor_reads_coding_and_writes_debriefs_only(team):
    ids = team["ids"]
    with _as(team["url"], team["people"]["sam"]) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 4
        conn.execute(
            "INSERT INTO debrief_notes (clip_id, coder_id, version, narrative, sha256, review_updated_at, saved_at,"
            " saved_by) VALUES ('C2', %s, 1, '{}', 's', 'x', 'x', 'sam')",
            (ids["alice"],),
        )
        _refused(conn, "UPDATE events SET note = 'x'", (), "permission denied")
        _refused(conn, "INSERT INTO clips (clip_id) VALUES ('C9')", (), "permission denied")


def test_admin_runs_the_catalogue_but_cannot_rewrite_history(team):
    with _as(team["url"], team["people"]["ada"]) as conn:
        conn.execute("UPDATE clips SET borough = 'Croydon' WHERE clip_id = 'C3'")
        assert conn.execute("SELECT count(*) FROM column_snapshot").fetchone()[0] == 0
        _refused(conn, "UPDATE samples SET name = 'x'", (), "permission denied")
        _refused(conn, "DELETE FROM debrief_notes", (), "permission denied")


def test_reviewer_codes_through_the_store_with_her_own_login(team):
    from bwvtool.coding.model import Event
    from bwvtool.store import events

    alice = team["people"]["alice"]
    url = psycopg.conninfo.make_conninfo(team["url"], user=alice)
    with open_workspace(url) as ws:
        assert [item.clip_id for item in queue.for_coder(ws.conn, alice)] == ["C1", "C2"]
        with ws.transaction(alice) as tx:
            coder = ws.coder_id(tx, alice)
            events.insert(tx, Event("C2", coder, team["book"], "t", "reason", "officer_1", 2000, 50))
            tx.audit("event.add", "event", "C2")
        assert len(events.for_clip(ws.conn, "C1")) == 1  # bob's coding of the blind clip stays hidden
        assert ws.verify_audit().ok
        with pytest.raises(Exception, match="is not the logged-in user"), ws.transaction("bob") as tx:
            tx.audit("event.add", "event", "C2")


def test_a_reviewer_is_not_sent_the_import_journal_query_the_server_would_refuse(team, monkeypatch):
    """Opening the app as a reviewer looked for interrupted imports and the server logged "permission denied for
    table catalogue_imports" (the error swallowed): the role's grants are asked first, nothing refused is sent."""
    from bwvtool.catalogue.recovery import interrupted_imports

    alice = team["people"]["alice"]
    with open_workspace(psycopg.conninfo.make_conninfo(team["url"], user=alice)) as ws:
        sent: list[str] = []
        execute = ws.conn.execute
        monkeypatch.setattr(
            ws.conn, "execute", lambda sql, *a, **k: sent.append(sql) or execute(sql, *a, **k)
        )
        assert interrupted_imports(ws) == []
        assert not any("FROM catalogue_imports" in sql for sql in sent), sent
    ada = team["people"]["ada"]
    with open_workspace(psycopg.conninfo.make_conninfo(team["url"], user=ada)) as ws:
        assert interrupted_imports(ws) == []  # an admin reads the journal: none is left applying


def test_each_role_is_told_what_it_may_do_on_a_page_before_anything_is_asked(team):
    """The app asks the server's grants (bwvtool.access) before a page reads: the line names who does the work."""
    from bwvtool import access

    expected = {
        "alice": ("reviewer", True, "Debriefs are written by supervisors; {} is a reviewer"),
        "rita": ("researcher", False, "Debriefs are written by supervisors; {} is a researcher"),
        "sam": ("supervisor", False, ""),
        "ada": ("admin", True, "Debriefs are written by supervisors; {} is an admin and may only read them"),
    }
    for kind, (role, codes, debrief) in expected.items():
        login = team["people"][kind]
        with open_workspace(psycopg.conninfo.make_conninfo(team["url"], user=login)) as ws:
            assert ws.team_role() == role
            assert access.page(ws, "debrief").why == debrief.format(login)
            assert access.page(ws, "coding").write == codes
    assert team["ws"].team_role() is None  # the owner (a superuser) is in no team role
    assert access.page(team["ws"], "debrief") == access.Access()


def test_a_researcher_reads_the_catalogue_with_its_identified_fields_empty_until_granted(team):
    """A researcher could not open the app: the catalogue's query named officer_ref and was refused whole."""
    from bwvtool.store import browse

    rita = team["people"]["rita"]
    location = psycopg.conninfo.make_conninfo(team["url"], user=rita)
    with open_workspace(location) as ws:
        rows = browse.fetch_clips(ws.conn, browse.ClipFilter(text="C"), browse.ClipSort("officer"))
        assert [(r.clip_id, r.officer_ref, r.media_path) for r in rows] == [
            (c, None, None) for c in ("C1", "C2", "C3")
        ]
        assert browse.count_clips(ws.conn, browse.ClipFilter(text="C2")) == 1
        assert browse.fetch_clip(ws.conn, "C1").borough is not None
    roles.grant(team["ws"], rita, "identified", actor="postgres")
    with open_workspace(location) as ws:
        assert browse.fetch_clip(ws.conn, "C1").officer_ref is not None
