"""Faults on a server workspace: a cut session, a restarted server, a killed client. An action is either saved
and reported saved, or not saved and reported not saved; the next action works without reopening anything."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import psycopg
import pytest

from bwvtool.store import open_workspace
from bwvtool.store.postgres.connection import PgConnectionLost
from tests import pg
from tests.conftest import REPO


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


def test_coding_goes_on_across_a_server_restart():
    """A private cluster (the shared one is not ours to restart): code, restart the server, code on."""
    if pg.bin_dir() is None:
        pytest.skip("no PostgreSQL server binaries to start a private cluster")
    from bwvtool.coding.model import Event
    from bwvtool.store import events
    from tests.core.test_pg_server import _add_clip

    base = Path(tempfile.mkdtemp(prefix="bwvtool-pg-restart-"))
    base.chmod(0o755)
    cluster = pg.start(base / "cluster")
    try:
        url = cluster.new_database()
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
            cluster.restart()
            with ws.transaction("ana") as tx:  # the first statement finds the session gone and reconnects
                events.insert(tx, Event("C1", coder, book, "t", "reason", "officer_1", 9000, 225))
                tx.audit("event.add", "event", "after restart")
            assert len(events.for_clip(ws.conn, "C1")) == 4
            assert ws.verify_audit().ok
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
