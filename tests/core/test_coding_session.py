"""A coder's session: key presses become committed events; states toggle and exclude; undo and redo."""

from __future__ import annotations

import pytest

from bwvtool.coding.session import CodeSpec, CodingError, CodingSession
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace

# The store's behaviour is the same on both engines (tests/pg.py starts the PostgreSQL one).
pytestmark = pytest.mark.both_engines

SPECS = {
    "command": CodeSpec("command", "officer_language", is_state=False, exclusive=False),
    "reason": CodeSpec("reason", "officer_language", is_state=False, exclusive=False),
    "calm": CodeSpec("calm", "subject_behaviour", is_state=True, exclusive=True),
    "verbal_resist": CodeSpec("verbal_resist", "subject_behaviour", is_state=True, exclusive=True),
    "handcuffed": CodeSpec("handcuffed", "force", is_state=True, exclusive=False),
    "restraint": CodeSpec("restraint", "force", is_state=True, exclusive=False),
}


class Codes:
    def spec(self, code_id: str) -> CodeSpec:
        return SPECS[code_id]


# The same codes as a stored codebook: the commands check their rules against the stored version.
CODEBOOK = """\
key: test
version: 1
title: Test
tracks:
  - {id: officer_language, label: Officer language, exclusive: false}
  - {id: subject_behaviour, label: Subject behaviour}
  - {id: force, label: Force, exclusive: false}
codes:
  - {id: command, label: Command, track: officer_language, type: point}
  - {id: reason, label: Reason, track: officer_language, type: point}
  - {id: calm, label: Calm, track: subject_behaviour, type: state}
  - {id: verbal_resist, label: Verbal resistance, track: subject_behaviour, type: state}
  - {id: handcuffed, label: Handcuffed, track: force, type: state}
  - {id: restraint, label: Restraint, track: force, type: state}
"""


def _codebook_id(ws) -> int:
    from bwvtool.codebook import parse_codebook
    from bwvtool.store.codebooks import import_codebook

    return import_codebook(ws, parse_codebook(CODEBOOK, "test.yaml"), actor="test").id


@pytest.fixture
def session(clip_workspace):
    return CodingSession(
        clip_workspace, clip_id="C001", coder="alice", codebook_id=_codebook_id(clip_workspace), codes=Codes()
    )


def test_point_key_commits_an_event_before_returning(session):
    event = session.code_key("command", at_ms=1040, at_frame=26, actor="officer_1")
    stored = event_rows.get(session.ws.conn, event.id)
    assert stored is not None and stored.onset_frame == 26 and stored.offset_ms is None
    # A second connection (another app instance) sees it: it is committed, not just in memory.
    other = open_workspace(session.ws.path)
    assert [e.id for e in event_rows.for_clip(other.conn, "C001")] == [event.id]
    other.close()


def test_state_key_toggles_and_exclusive_state_switches_in_one_step(session):
    session.code_key("calm", at_ms=0, at_frame=0, actor="subject_1")
    session.code_key("verbal_resist", at_ms=4000, at_frame=100, actor="subject_1")
    calm, resist = session.events
    assert (calm.code, calm.offset_ms, calm.offset_frame) == ("calm", 4000, 100)
    assert resist.offset_ms is None
    session.code_key("verbal_resist", at_ms=6000, at_frame=150, actor="subject_1")
    assert session.events[1].offset_ms == 6000
    # Undo of the switch restores both: calm running again, no resistance.
    session.undo()
    session.undo()
    assert [(e.code, e.offset_ms) for e in session.events] == [("calm", None)]
    assert session.open_state("subject_behaviour", "subject_1").code == "calm"


def test_states_of_different_actors_do_not_exclude_each_other(session):
    session.code_key("calm", at_ms=0, at_frame=0, actor="subject_1")
    session.code_key("verbal_resist", at_ms=1000, at_frame=25, actor="subject_2")
    assert all(e.offset_ms is None for e in session.events)


def test_ending_a_state_before_it_began_is_refused_and_nothing_changes(session):
    session.code_key("calm", at_ms=5000, at_frame=125, actor="subject_1")
    with pytest.raises(CodingError, match="cannot end earlier"):
        session.code_key("calm", at_ms=1000, at_frame=25, actor="subject_1")
    assert session.events[0].offset_ms is None


def test_undo_redo_round_trip_matches_the_store(session):
    for i in range(20):
        session.code_key("command" if i % 2 else "reason", at_ms=i * 500, at_frame=i * 12, actor="officer_1")
    moved = session.edit(session.events[3].id, onset_ms=99_000, onset_frame=2475, note="late")
    session.delete(session.events[0].id)
    for _ in range(5):
        session.undo()
    for _ in range(3):
        session.redo()
    stored = event_rows.for_clip(session.ws.conn, "C001")
    assert [(e.id, e.code, e.onset_ms, e.note) for e in stored] == [
        (e.id, e.code, e.onset_ms, e.note) for e in session.events
    ]
    assert moved.note == "late"
    assert session.ws.verify_audit().ok


def test_reopening_a_session_restores_events_and_running_states(session):
    session.code_key("calm", at_ms=0, at_frame=0, actor="subject_1")
    session.code_key("command", at_ms=300, at_frame=7, actor="officer_1")
    again = CodingSession(
        session.ws, clip_id="C001", coder="alice", codebook_id=session.codebook_id, codes=Codes()
    )
    assert len(again) == 2
    assert again.open_state("subject_behaviour", "subject_1") is not None
    assert again.neighbour(0, +1).code == "command"
    assert again.neighbour(300, -1).code == "calm"


def test_states_of_an_overlapping_track_toggle_each_by_its_own_key(session):
    session.code_key("handcuffed", at_ms=1000, at_frame=25, actor="officer_1")
    session.code_key("restraint", at_ms=2000, at_frame=50, actor="officer_1")
    session.code_key(
        "restraint", at_ms=3000, at_frame=75, actor="officer_1"
    )  # ends restraint, not a second one
    session.code_key("handcuffed", at_ms=4000, at_frame=100, actor="officer_1")
    assert [(e.code, e.onset_ms, e.offset_ms) for e in session.events] == [
        ("handcuffed", 1000, 4000),
        ("restraint", 2000, 3000),
    ]


def test_refresh_reads_the_coding_only_when_another_connection_changed_it(tmp_path, workspace_location):
    """An import step elsewhere moves SQLite's data version but not this coding: nothing is re-read; another
    window's edit of this coding is picked up."""
    from bwvtool.coding.session import CodebookCodes
    from bwvtool.store import events as event_rows
    from bwvtool.store.codebooks import ensure_default_codebooks, list_codebooks
    from tests.reliability.workspaces import coding_workspace

    path = coding_workspace(tmp_path, location=workspace_location)
    here, there = open_workspace(path), open_workspace(path)
    try:
        ensure_default_codebooks(here, actor="t")
        stored = next(c for c in list_codebooks(here.conn) if c.key.startswith("ss_"))
        mine = CodingSession(
            here, clip_id="K1", coder="alice", codebook_id=stored.id, codes=CodebookCodes(stored.codebook)
        )
        other = CodingSession(
            there, clip_id="K1", coder="alice", codebook_id=stored.id, codes=CodebookCodes(stored.codebook)
        )
        mine.code_key("command", at_ms=1000, at_frame=25, actor="officer_1")
        reads = []
        original = event_rows.coding_columns
        event_rows.coding_columns = lambda *a: reads.append(a) or original(*a)
        try:
            with there.transaction("bob") as tx:  # a commit elsewhere that does not touch the coding
                tx.audit("test.elsewhere", "workspace")
            assert mine.refresh() == 0 and reads == []
            other.code_key("reason_given", at_ms=2000, at_frame=50, actor="officer_1")
            assert mine.refresh() == 1 and len(reads) == 1
            assert [e.code for e in mine.events] == ["command", "reason_given"]
        finally:
            event_rows.coding_columns = original
    finally:
        here.close()
        there.close()
