"""The desk's event table on a real coding session: rows in onset order, found by bisecting, paged into the view."""

from __future__ import annotations

import random

import pytest

from bwvtool.coding.session import CodingSession
from bwvtool.store import events as event_rows
from bwvtool.ui.desk.event_table import PAGE_ROWS, EventTableModel
from tests.core.test_coding_session import Codes, _codebook_id


@pytest.fixture
def session(clip_workspace):
    return CodingSession(
        clip_workspace, clip_id="C001", coder="alice", codebook_id=_codebook_id(clip_workspace), codes=Codes()
    )


def _shown_ids(model: EventTableModel) -> list[int]:
    return [model.event_at(row).id for row in range(model.rowCount())]


def test_rows_follow_adds_moves_deletes_undo_and_redo(qtmodeltester, session):
    model = EventTableModel(session, {"command": "Command"})
    qtmodeltester.check(model, force_py=True)
    rng = random.Random(7)
    for step in range(120):
        roll = rng.random()
        if roll < 0.6 or len(session) < 3:
            session.code_key("command", at_ms=rng.randrange(0, 50_000, 40), at_frame=0, actor="officer_1")
        elif roll < 0.75:
            session.delete(rng.choice(session.events).id)
        elif roll < 0.9:
            moved = rng.choice(session.events)
            session.edit(moved.id, onset_ms=rng.randrange(0, 50_000, 40))
        elif roll < 0.95:
            session.edit(rng.choice(session.events).id, note=f"note {step}")
        else:
            session.undo()
        assert _shown_ids(model) == [e.id for e in session.events]
        for event in session.events:
            assert model.row_of(event.id) == session.row_of(event.id)
    assert model.row_of(10**9) == -1


def test_a_large_clip_is_paged_into_the_view_and_lookups_load_through_the_row(qtmodeltester, session):
    template = session.code_key("command", at_ms=0, at_frame=0, actor="officer_1")
    with session.ws.transaction("alice") as tx:  # stored in one go, then opened as a coder opens the clip
        for i in range(1, PAGE_ROWS * 2 + 50):
            event_rows.insert(tx, template.with_changes(id=None, onset_ms=i * 40, onset_frame=i))
    session = CodingSession(
        session.ws, clip_id="C001", coder="alice", codebook_id=session.codebook_id, codes=Codes()
    )
    model = EventTableModel(session, {"command": "Command"})
    assert model.rowCount() == PAGE_ROWS and model.canFetchMore()
    last = session.events[-1]
    assert model.row_of(last.id) == len(session) - 1 == model.rowCount() - 1  # selecting it shows its page
    assert not model.canFetchMore()
    qtmodeltester.check(model, force_py=True)

    fresh = EventTableModel(session, {"command": "Command"})
    far = session.code_key("command", at_ms=10**7, at_frame=1, actor="officer_1")  # beyond the shown page
    assert fresh.rowCount() == PAGE_ROWS
    early = session.code_key("command", at_ms=20, at_frame=0, actor="officer_1")  # inside it: shown at once
    assert fresh.rowCount() == PAGE_ROWS + 1 and fresh.event_at(1).id == early.id
    while fresh.canFetchMore():
        fresh.fetchMore()
    assert _shown_ids(fresh) == [e.id for e in session.events] and fresh.event_at(fresh.rowCount() - 1) == far
