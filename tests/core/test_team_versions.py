"""Row versions: two people (two processes, two connections) change the same event or review; the second is told
who changed it and when, and nothing of theirs is written. On SQLite and on PostgreSQL (reviewer logins)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bwvtool.coding import claims
from bwvtool.coding.scripted import open_session
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from bwvtool.store import reviews as review_rows
from bwvtool.store.codebooks import ensure_default_codebooks
from tests.core.team_fixture import REPO, as_login, people, pooled_sample, run_bwvtool

pytestmark = pytest.mark.both_engines

# One desk: reads the coding (or review), says what version it read, waits to be told to go, then changes it.
DESK = """
import sys
from bwvtool.coding import review
from bwvtool.coding.scripted import open_session
from bwvtool.errors import ChangedElsewhere
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import get_codebook
location, user, what, value = sys.argv[1:5]
with open_workspace(location) as ws:
    if what == "review":
        coder_id = ws.find_coder(user)
        assignment = ws.conn.execute("SELECT id FROM assignments WHERE clip_id = 'P0000'").fetchone()[0]
        loaded = review.load_review(ws, "P0000", coder_id, assignment)
        print(loaded.version, flush=True)
    else:
        session = open_session(ws, "P0000", user, None)
        event = session.events[0]
        print(event.version, flush=True)
    sys.stdin.readline()
    try:
        if what == "edit":
            session.edit(event.id, note=value)
        elif what == "delete":
            session.delete(event.id)
        else:
            stored = get_codebook(ws.conn, "pioss_review")
            review.save_answer(ws, clip_id="P0000", coder=user, codebook=stored.codebook, codebook_id=stored.id,
                               item_id="outcome", value=value, assignment_id=assignment, version=loaded.version)
        print("saved", flush=True)
    except ChangedElsewhere as exc:
        print("refused:", exc, flush=True)
"""


@pytest.fixture
def coded(workspace, workspace_location):
    """P0000 claimed by rosa, with one event of hers on it; returns (rosa's location, her login, the event)."""
    ensure_default_codebooks(workspace, actor="test")
    sample = pooled_sample(workspace, 2, codebook="pioss_review")
    claims.share_sample(workspace, sample, "ada")
    login = people(workspace_location, ["rosa"])["rosa"]
    location = as_login(workspace_location, login)
    with open_workspace(location) as ws:
        assert claims.claim_next(ws, login).clip_id == "P0000"
        session = open_session(ws, "P0000", login, None)
        event = session.code_key("complies", at_ms=1000, at_frame=25, actor="subject_1")
    return location, login, event


def _desks(location, login, first: tuple[str, str], second: tuple[str, str]) -> tuple[str, str]:
    """Two desk processes read the same row; the first changes it, then the second tries: their last lines."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DESK, str(location), login, what, value],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for what, value in (first, second)
    ]
    read = [proc.stdout.readline().strip() for proc in procs]
    assert read[0] == read[1], read  # both read the same version
    outcome = []
    for proc in procs:  # one after the other: the second acts on what it read before the first saved
        proc.stdin.write("go\n")
        proc.stdin.flush()
        outcome.append(proc.stdout.readline().strip())
    for proc in procs:
        proc.communicate(timeout=120)
        assert proc.returncode == 0
    return outcome[0], outcome[1]


def test_the_second_edit_of_an_event_is_refused_with_who_and_when(workspace, coded):
    location, login, event = coded
    first, second = _desks(location, login, ("edit", "from desk one"), ("edit", "from desk two"))
    assert first == "saved"
    assert second.startswith(f"refused: event {event.id} was changed by {login} at ")
    assert second.endswith(" UTC")
    stored = event_rows.get(workspace.conn, event.id)
    assert stored.note == "from desk one" and stored.version == 2  # desk two's note never written


def test_a_delete_of_an_event_changed_meanwhile_is_refused(workspace, coded):
    location, login, event = coded
    first, second = _desks(location, login, ("edit", "kept"), ("delete", ""))
    assert first == "saved" and second.startswith(f"refused: event {event.id} was changed by {login}")
    assert event_rows.get(workspace.conn, event.id).note == "kept"
    first, second = _desks(location, login, ("delete", ""), ("edit", "too late"))
    assert first == "saved" and second == f"refused: event {event.id} was deleted by someone else meanwhile"
    assert event_rows.get(workspace.conn, event.id) is None


def test_the_second_save_of_a_review_is_refused(workspace, coded):
    location, login, _event = coded
    # neither desk has a review yet (version 0): the second to save one must not replace the first's
    first, second = _desks(location, login, ("review", "no_action"), ("review", "support_offered"))
    assert first == "saved" and second.startswith(f"refused: the review of P0000 was changed by {login}")
    (stored,) = review_rows.for_clips(workspace.conn, ["P0000"])
    assert stored.answers == {"outcome": "no_action"} and stored.version == 1
    first, second = _desks(location, login, ("review", "support_offered"), ("review", "no_action"))
    assert first == "saved" and second.startswith("refused:")
    (stored,) = review_rows.for_clips(workspace.conn, ["P0000"])
    assert stored.answers == {"outcome": "support_offered"} and stored.version == 2


def test_the_command_line_names_the_version_it_read(workspace, coded):
    location, login, event = coded
    with open_workspace(location) as ws:  # someone edits the event after the user listed it at version 1
        open_session(ws, "P0000", login, None).edit(event.id, note="changed")
    refused = run_bwvtool(location, login, "events", "delete", str(event.id), "--version", "1")
    assert refused.returncode == 1
    line = refused.stderr.strip()
    assert line == f"bwvtool: error: event {event.id} was changed by {login} at {line[-9:]}"
    assert event_rows.get(workspace.conn, event.id) is not None
    assert run_bwvtool(location, login, "events", "delete", str(event.id), "--version", "2").returncode == 0
    stale = run_bwvtool(
        location, login, "review", "answer", "P0000", "outcome", "no_action", "--version", "3"
    )
    assert stale.returncode == 1 and stale.stderr.strip().startswith(
        "bwvtool: error: the review of P0000 was"
    )
    saved = run_bwvtool(
        location, login, "review", "answer", "P0000", "outcome", "no_action", "--version", "0"
    )
    assert saved.returncode == 0, saved.stderr
    (stored,) = review_rows.for_clips(workspace.conn, ["P0000"])
    assert stored.answers == {"outcome": "no_action"} and stored.version == 1 and stored.updated_by == login
