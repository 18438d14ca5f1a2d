"""Faults on a server workspace: a cut session, a restarted server, a killed client. An action is either saved
and reported saved, or not saved and reported not saved; the next action works without reopening anything."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from bwvtool import resources
from bwvtool.codebook import parse_codebook
from bwvtool.store import open_workspace
from bwvtool.store.postgres.connection import PgConnectionLost
from tests import pg
from tests.conftest import REPO

_SS_CODEBOOK = parse_codebook(resources.read_text("codebooks/ss_language_behaviour.yaml"), "ss.yaml")


def _terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _pid(ws) -> int:
    return ws.conn.execute("SELECT pg_backend_pid()").fetchone()[0]


@pytest.fixture
def server_ws(server_url):
    ws = open_workspace(server_url, create=True)
    yield ws
    ws.close()


def test_a_cut_session_reconnects_for_the_next_read(server_ws, server_url):
    old = _pid(server_ws)
    _terminate(server_url, old)
    assert server_ws.counts()["coders"] == 0
    assert _pid(server_ws) != old


def test_an_action_cut_before_commit_is_not_saved_and_says_so(server_ws, server_url):
    with pytest.raises(PgConnectionLost, match="not saved"), server_ws.transaction("ana") as tx:
        server_ws.coder_id(tx, "ana")
        _terminate(server_url, _pid(server_ws))
    assert server_ws.find_coder("ana") is None
    with server_ws.transaction("ana") as tx:  # the next action just works
        server_ws.coder_id(tx, "ana")
    assert server_ws.find_coder("ana") is not None
    assert server_ws.verify_audit().ok


def test_a_session_cut_during_commit_is_reported_by_the_commit_outcome(server_ws):
    """The session dies while committing (a deferred trigger ends it): the server says aborted, so: not saved."""
    server_ws.conn.execute(
        "CREATE FUNCTION cut_me() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(1); RETURN NULL; END $$"
    )
    server_ws.conn.execute(
        "CREATE CONSTRAINT TRIGGER cut_at_commit AFTER INSERT ON coders DEFERRABLE INITIALLY DEFERRED"
        " FOR EACH ROW WHEN (NEW.name = 'cut') EXECUTE FUNCTION cut_me()"
    )
    with (
        pytest.raises(PgConnectionLost, match="at commit; this change was not saved"),
        server_ws.transaction("cut") as tx,
    ):
        server_ws.coder_id(tx, "cut")
    assert server_ws.find_coder("cut") is None
    with server_ws.transaction("bo") as tx:
        server_ws.coder_id(tx, "bo")
    assert server_ws.verify_audit().ok


KILLED = textwrap.dedent(
    """
    import sys, time
    from bwvtool.store import open_workspace
    ws = open_workspace(sys.argv[1])
    with ws.transaction("kim") as tx:
        ws.coder_id(tx, "kim")  # its audit row holds the chain's lock until this transaction ends
        print("inside", flush=True)
        time.sleep(60)
    """
)


def test_a_killed_client_saves_nothing_and_holds_nothing(server_ws, server_url):
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED, server_url], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "inside"
    child.kill()
    child.wait()
    server_ws.set_busy_timeout(10_000)  # the server notices the dead client and releases its locks
    with server_ws.transaction("ana") as tx:
        server_ws.coder_id(tx, "ana")
    assert server_ws.find_coder("kim") is None and server_ws.find_coder("ana") is not None
    assert server_ws.verify_audit().ok


@pytest.fixture
def private_cluster():
    """A cluster of the test's own (the shared one is not ours to restart or stop)."""
    if pg.bin_dir() is None:
        pytest.skip("no PostgreSQL server binaries to start a private cluster")
    with pg.throwaway("bwvtool-pg-restart-") as cluster:
        yield cluster


def test_coding_goes_on_across_a_server_restart(private_cluster):
    from bwvtool.coding.model import Event
    from bwvtool.store import events
    from tests.core.test_pg_server import _add_clip

    url = private_cluster.new_database()
    with open_workspace(url, create=True) as ws:
        with ws.transaction("ana") as tx:
            _add_clip(ws, tx, "C1")
            coder = ws.coder_id(tx, "ana")
            book = tx.execute(
                "INSERT INTO codebooks (key, version, title, body, sha256, imported_at)"
                " VALUES ('k', 1, 't', '{}', 's', ?)",
                (tx.at,),
            ).lastrowid
        for i in range(3):
            with ws.transaction("ana") as tx:
                events.insert(tx, Event("C1", coder, book, "t", "command", "officer_1", 1000 * i, 25 * i))
                tx.audit("event.add", "event", str(i))
        private_cluster.restart()
        with ws.transaction("ana") as tx:  # the first statement finds the session gone and reconnects
            events.insert(tx, Event("C1", coder, book, "t", "reason", "officer_1", 9000, 225))
            tx.audit("event.add", "event", "after restart")
        assert len(events.for_clip(ws.conn, "C1")) == 4
        assert ws.verify_audit().ok


def test_a_press_while_the_server_is_down_is_not_saved_and_the_first_after_it_is_back_is(private_cluster):
    """Nothing stays half-open on the client: the press is reported not saved (which the desk keeps and tries
    again) and the next action works as soon as the server is back."""
    from bwvtool.errors import ConnectionLost, NotSaved
    from tests.core.team_fixture import run_bwvtool

    url = private_cluster.new_database()
    with open_workspace(url, create=True) as ws:
        coder, book = _coding_setup(ws)
        _press(ws, coder, book, code="before")
        private_cluster.stop()
        command = run_bwvtool(url, "ana", "queue", "claim")  # a write from the command line: one plain line
        assert command.returncode == 2 and command.stderr.count("\n") == 1, command.stderr
        assert (
            command.stderr.startswith("bwvtool: error: cannot connect to") and "Error" not in command.stderr
        )
        with pytest.raises(ConnectionLost, match="not saved"):
            _press(ws, coder, book, code="down")
        assert not ws.conn.in_transaction
        with pytest.raises(ConnectionLost, match="cannot be reached"):  # a read says so too, in one line
            ws.counts()
        with pytest.raises(NotSaved, match=r"^the server cannot be reached$") as refused:
            ws.call(_press, coder, book, code="down")  # what the desk shows, keeping the press to try again
        # The line stays plain and short; libpq's words (which socket, what failed) are kept aside as the detail.
        assert "connection to server" in refused.value.detail and "\n" not in refused.value.detail
        private_cluster.restart()  # pg_ctl restart starts a stopped server with its last options
        _press(ws, coder, book, code="back")
        assert [len(_events(ws, code)) for code in ("before", "down", "back")] == [1, 0, 1]
        assert ws.verify_audit().ok


# -- a key press in one round trip -------------------------------------------------------------------------------
def _coding_setup(ws) -> tuple[int, int]:
    """A clip C1, the coder ana and the S&S codebook: (coder id, codebook id)."""
    from bwvtool.store import codebooks
    from tests.core.test_pg_server import _add_clip

    book = codebooks.import_codebook(ws, _SS_CODEBOOK, actor="ana").id
    with ws.transaction("ana") as tx:
        _add_clip(ws, tx, "C1")
        coder = ws.coder_id(tx, "ana")
    return coder, book


def _press(ws, coder: int, book: int, code: str = "command", onset_ms: int = 1000):
    """What a key press stores: the event and its audit row, in one transaction."""
    from bwvtool.coding.model import Event
    from bwvtool.store import events

    with ws.transaction("ana") as tx:
        event = events.insert(tx, Event("C1", coder, book, "t", code, "officer_1", onset_ms, onset_ms // 40))
        tx.audit("event.add", "event", str(event.id))
    return event


def _events(ws, code: str) -> list[tuple[int, str]]:
    return ws.conn.execute("SELECT id, code FROM events WHERE code = ? ORDER BY id", (code,)).fetchall()


@contextmanager
def _round_trips() -> Iterator[list[str]]:
    """Count what reaches the server: a pipeline is one round trip, so is a statement sent outside one."""
    seen: list[str] = []
    depth = [0]
    real_pipeline, real_execute = psycopg.Connection.pipeline, psycopg.Cursor.execute

    @contextmanager
    def pipeline(self, *args, **kwargs):
        seen.append("pipeline")
        depth[0] += 1
        try:
            with real_pipeline(self, *args, **kwargs) as p:
                yield p
        finally:
            depth[0] -= 1

    def execute(self, *args, **kwargs):
        if not depth[0]:
            seen.append("query")
        return real_execute(self, *args, **kwargs)

    psycopg.Connection.pipeline, psycopg.Cursor.execute = pipeline, execute
    try:
        yield seen
    finally:
        psycopg.Connection.pipeline, psycopg.Cursor.execute = real_pipeline, real_execute


def test_a_key_press_costs_one_round_trip_and_its_id_is_the_stored_one(server_ws):
    coder, book = _coding_setup(server_ws)
    _press(server_ws, coder, book, onset_ms=0)  # the session's first reserves its ids (one trip of its own)
    with _round_trips() as seen:
        pressed = [
            _press(server_ws, coder, book, onset_ms=40 * i) for i in range(1, 101)
        ]  # top-ups ride along
    assert seen == ["query"] * 100
    stored = _events(server_ws, "command")
    assert [e.id for e in pressed] == [row[0] for row in stored[1:]]
    assert server_ws.verify_audit().ok


def test_a_key_press_cut_before_its_commit_is_sent_again_once_on_a_new_session(server_ws):
    """The session dies inside the one-trip transaction (a trigger at commit ends it, the first time only): the
    witness row is not there and the old session has ended, so nothing was saved and it is sent again."""
    coder, book = _coding_setup(server_ws)
    conn = server_ws.conn
    conn.execute("CREATE SEQUENCE cuts")
    conn.execute(
        "CREATE FUNCTION cut_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF nextval('cuts') = 1 THEN"
        " PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(1); END IF; RETURN NULL; END $$"
    )
    conn.execute(
        "CREATE CONSTRAINT TRIGGER cut_at_commit AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED"
        " FOR EACH ROW WHEN (NEW.code = 'cut') EXECUTE FUNCTION cut_once()"
    )
    old = _pid(server_ws)
    event = _press(server_ws, coder, book, code="cut")
    assert _events(server_ws, "cut") == [(event.id, "cut")]
    assert _pid(server_ws) != old
    assert server_ws.verify_audit().ok


def test_a_key_press_cut_at_every_try_is_not_saved_and_says_so(server_ws):
    coder, book = _coding_setup(server_ws)
    server_ws.conn.execute(
        "CREATE FUNCTION cut_me() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(1); RETURN NULL; END $$"
    )
    server_ws.conn.execute(
        "CREATE CONSTRAINT TRIGGER cut_at_commit AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED"
        " FOR EACH ROW WHEN (NEW.code = 'cut') EXECUTE FUNCTION cut_me()"
    )
    with pytest.raises(PgConnectionLost, match="at commit; this change was not saved"):
        _press(server_ws, coder, book, code="cut")
    assert _events(server_ws, "cut") == []
    _press(server_ws, coder, book, code="after")  # the next press just works
    assert len(_events(server_ws, "after")) == 1
    assert server_ws.verify_audit().ok


def test_a_key_press_cut_after_its_commit_is_reported_saved(server_ws, server_url):
    """The session is ended after the COMMIT, before the answer comes back (its round trip goes on to top up the
    session's reserve of ids, which another session holds up): the witness row is there, so: saved, once."""
    import threading
    import time

    coder, book = _coding_setup(server_ws)
    _press(server_ws, coder, book, onset_ms=0)
    pid = _pid(server_ws)
    for _ in range(60):  # run the reserve low: the next round trip (the press) tops it up, after its COMMIT
        server_ws.conn.reserve_id("events")
    outcome: list[object] = []
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute("BEGIN")
        admin.execute("ALTER SEQUENCE events_id_seq CACHE 1")  # holds nextval until this transaction ends
        press = threading.Thread(target=lambda: outcome.append(_press(server_ws, coder, book, code="late")))
        press.start()
        deadline = time.monotonic() + 30
        while not admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'", (pid,)
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "the press never reached its top-up"
            time.sleep(0.02)
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        admin.execute("ROLLBACK")
    press.join(30)
    assert len(outcome) == 1, "the press raised instead of reporting its committed event saved"
    assert _events(server_ws, "late") == [(outcome[0].id, "late")]
    assert server_ws.verify_audit().ok


def test_a_coding_opened_on_a_server_is_ready_for_its_first_press_and_keeps_nothing(server_ws):
    """Opening a coding warms the session for its key presses (ids reserved, the events table's caches filled by
    a rolled-back insert): the first press is one round trip like every other, and nothing was stored."""
    from bwvtool.store import events

    coder, book = _coding_setup(server_ws)
    before = server_ws.counts()
    events.ready_to_code(server_ws.conn, "C1", coder, book, None)
    assert server_ws.counts() == before and not server_ws.conn.in_transaction
    with _round_trips() as seen:
        _press(server_ws, coder, book, code="first")
    assert seen == ["query"]
    assert len(_events(server_ws, "first")) == 1
    events.ready_to_code(
        server_ws.conn, "NO-SUCH-CLIP", coder, book, None
    )  # refused rows are only a rehearsal
    assert not server_ws.conn.in_transaction and server_ws.verify_audit().ok


def test_a_clip_s_first_key_press_is_one_round_trip_and_opening_it_spends_no_id(server_ws):
    """Opening a coding rehearses everything its first press does (the assignment marked started, the event, the
    audit append) and remembers its locked codebook, so the first press is one round trip like every other; the
    rehearsal keeps nothing and takes no event or audit number: the ids that follow have no gap."""
    from bwvtool.coding.session import CodebookCodes, CodingSession
    from bwvtool.store import codebooks, queue

    coder, book = _coding_setup(server_ws)
    with server_ws.transaction("ana") as tx:
        codebooks.lock_if_unlocked(tx, book)  # in use already, as in any week but a study's first
        sample = tx.execute(
            "INSERT INTO samples (name, plan_text, plan_sha256, seed, unit, drawn_at, drawn_by, frame_sha256,"
            " frame_size, manifest_sha256) VALUES ('s', '', '', 1, 'clip', ?, 'ana', '', 0, '')",
            (tx.at,),
        ).lastrowid
        tx.execute(
            "INSERT INTO assignments (sample_id, clip_id, coder_id, assigned_at) VALUES (?, 'C1', ?, ?)",
            (sample, coder, tx.at),
        )
    audit_before = server_ws.conn.execute("SELECT max(id), count(*) FROM audit_log").fetchone()
    session = CodingSession(
        server_ws, clip_id="C1", coder="ana", codebook_id=book, codes=CodebookCodes(_SS_CODEBOOK)
    )
    assert server_ws.conn.execute("SELECT max(id), count(*) FROM audit_log").fetchone() == audit_before
    assert [item.status for item in queue.for_clip(server_ws.conn, "C1", coder)] == ["not_started"]
    with _round_trips() as seen:
        first = session.code_key("command", at_ms=0, at_frame=0, actor="officer_1")
        second = session.code_key("command", at_ms=40, at_frame=1, actor="officer_1")
    assert seen == ["query", "query"]
    assert [item.status for item in queue.for_clip(server_ws.conn, "C1", coder)] == ["in_progress"]
    assert (
        second.id == first.id + 1
        and first.id == server_ws.conn.execute("SELECT min(id) FROM events").fetchone()[0]
    )
    ids = [row[0] for row in server_ws.conn.execute("SELECT id FROM audit_log ORDER BY id")]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) == audit_before[1] + 2
    assert server_ws.verify_audit().ok


def test_an_audit_row_with_a_negative_id_is_a_rehearsal_and_is_never_stored(server_ws):
    """The chain's trigger runs a rehearsed append (a negative id) through and skips the row: nothing stored, no
    number taken, the chain whole; the same insert with a positive id that does not follow is still refused."""
    before = server_ws.conn.execute("SELECT max(id), count(*) FROM audit_log").fetchone()
    server_ws.conn.execute("BEGIN IMMEDIATE")
    server_ws.conn.execute(
        "INSERT INTO audit_log (id, at, actor, action, entity, detail, prev_hash, hash)"
        " VALUES (-5, 'x', session_user, 'forged', 'event', '{}', 'p', 'h')"
    )
    server_ws.conn.execute("COMMIT")
    assert server_ws.conn.execute("SELECT max(id), count(*) FROM audit_log").fetchone() == before
    with server_ws.transaction("ana") as tx:
        tx.audit("after", "thing")
    assert server_ws.conn.execute("SELECT max(id) FROM audit_log").fetchone()[0] == (before[0] or 0) + 1
    assert server_ws.verify_audit().ok
