"""Opening a coding reads it as columns and makes event objects only for the events shown or edited; what the
session shows is still exactly what is stored, and another window's changes still reach it."""

from __future__ import annotations

import pytest

from bwvtool.coding.columns import PAGE
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodebookCodes, CodingSession
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import list_codebooks
from tests.core.test_coding_session import Codes, _codebook_id, session  # noqa: F401 (a fixture)

pytestmark = pytest.mark.both_engines


def _fill(ws, codebook_id: int, n: int) -> list[Event]:
    """``n`` events of alice on C001: points with notes and modifiers, closed states, one state still running."""
    with ws.transaction("alice") as tx:
        coder_id = ws.coder_id(tx, "alice")
        stored = []
        for i in range(n):
            state = i % 3 == 0
            running = i == n - 1
            code = (
                ("calm" if i % 2 else "verbal_resist") if state or running else ("command", "reason")[i % 2]
            )
            onset = (i * 37) // 2 * 40  # some onsets shared: (onset, id) order decides
            stored.append(
                event_rows.insert(
                    tx,
                    Event(
                        clip_id="C001", coder_id=coder_id, codebook_id=codebook_id,
                        track="subject_behaviour" if state or running else "officer_language", code=code,
                        actor="subject_1" if state or running else f"officer_{1 + i % 2}",
                        onset_ms=onset, onset_frame=onset // 40,
                        offset_ms=onset + 400 if state and not running else None,
                        offset_frame=onset // 40 + 10 if state and not running else None,
                        modifiers={"tone": "calm"} if i % 5 == 0 else {}, note=f"note {i}" if i % 7 == 0 else None,
                        starred=i % 11 == 0, caused_by=stored[-1].id if i % 13 == 0 and stored else None,
                    ),
                )
            )  # fmt: skip
    return sorted(stored, key=lambda e: (e.onset_ms, e.id))


def test_opening_makes_no_event_until_one_is_shown_and_then_shows_the_stored_row(clip_workspace):
    codebook_id = _codebook_id(clip_workspace)
    stored = _fill(clip_workspace, codebook_id, 700)
    opened = CodingSession(
        clip_workspace, clip_id="C001", coder="alice", codebook_id=codebook_id, codes=Codes()
    )
    assert len(opened) == 700 and opened.made_events == 0
    assert list(opened.keys()) == [(e.onset_ms, e.id) for e in stored]
    assert opened.open_state("subject_behaviour", "subject_1").id == stored[-1].id  # found from the columns
    assert opened.made_events <= PAGE
    assert opened.event(stored[300].id) == stored[300]  # every field, details included
    assert opened.made_events <= 2 * PAGE
    assert (
        opened.events
        == stored
        == event_rows.for_coding(clip_workspace.conn, "C001", stored[0].coder_id, None)
    )


def test_columns_follow_the_sessions_edits(session):  # noqa: F811 (the fixture)
    session.code_key("command", at_ms=5000, at_frame=125, actor="officer_1")
    session.code_key("calm", at_ms=1000, at_frame=25, actor="subject_1")
    session.code_key("calm", at_ms=3000, at_frame=75, actor="subject_1")
    columns = session.columns()
    assert list(columns.ids) == [e.id for e in session.events] and list(columns.onsets) == [1000, 5000]
    assert [columns.kind_values[k] for k in columns.kinds] == [
        ("subject_behaviour", "calm", "subject_1"),
        ("officer_language", "command", "officer_1"),
    ]


def test_another_windows_changes_reach_shown_and_unshown_events(tmp_path, app_workspaces, workspace_location):
    """Through the workspace worker, as in the app: a note changed on a shown event, a move of one never shown,
    a deletion and an addition are all reported by refresh, and the events then read as stored."""
    from tests.reliability.workspaces import coding_workspace

    path = coding_workspace(tmp_path, location=workspace_location)
    here, there = open_workspace(path), open_workspace(path)
    try:
        stored = next(c for c in list_codebooks(here.conn) if c.key.startswith("ss_"))
        sessions = [
            CodingSession(
                ws, clip_id="K1", coder="alice", codebook_id=stored.id, codes=CodebookCodes(stored.codebook)
            )
            for ws in (here, there)
        ]
        mine, other = sessions
        for i in range(2 * PAGE + 40):
            other.code_key("command", at_ms=40 * i, at_frame=i, actor="officer_1")
        assert mine.refresh() == 2 * PAGE + 40
        mine = CodingSession(
            here, clip_id="K1", coder="alice", codebook_id=stored.id, codes=CodebookCodes(stored.codebook)
        )
        first, far, gone = (mine.keys()[k][1] for k in (0, 2 * PAGE + 10, 5))
        assert mine.event(first).note is None and mine.made_events == PAGE  # shown: its page is made
        other.edit(first, note="seen twice")
        other.edit(far, onset_ms=99_000, onset_frame=2475)
        other.delete(gone)
        added = other.code_key("reason_given", at_ms=60_000, at_frame=1500, actor="officer_1")
        assert mine.refresh() == 4
        assert mine.event(first).note == "seen twice" and mine.event(far).onset_ms == 99_000
        assert gone not in mine and added.id in mine
        assert mine.events == event_rows.for_coding(there.conn, "K1", mine.coder_id, None)  # as stored
    finally:
        here.close()
        there.close()


def test_onset_order_keeps_equal_onsets_in_id_order():
    import bisect
    import random

    from bwvtool.coding.columns import OnsetOrder

    rng = random.Random(3)
    order, model = OnsetOrder(), []
    for event_id in rng.sample(range(1, 5000), 600):
        onset = rng.randrange(0, 40) * 40  # many events share an onset
        order.insert(order.position(onset, event_id), onset, event_id)
        bisect.insort(model, (onset, event_id))
    for onset, event_id in rng.sample(model, 200):
        order.delete(order.position(onset, event_id))
        model.remove((onset, event_id))
    assert list(order) == model and list(order.copy()) == model
    for at in (0, 40, 41, 1560, 2000):
        assert order.first_after(at) == bisect.bisect_right(model, (at, 1 << 62))
        assert order.first_from(at) == bisect.bisect_left(model, (at, -1))


def test_a_coding_read_ahead_in_the_worker_opens_the_same_session(tmp_path, app_workspaces):
    """The desk starts reading the events on the worker's second connection, builds its other widgets meanwhile
    (other requests on the first), then hands the reading to the session; an answer never collected is dropped."""
    from bwvtool.coding.session import read_ahead
    from tests.reliability.workspaces import coding_workspace

    ws = open_workspace(coding_workspace(tmp_path))
    try:
        stored = next(c for c in list_codebooks(ws.conn) if c.key.startswith("ss_"))
        codes = CodebookCodes(stored.codebook)
        plain = CodingSession(ws, clip_id="K1", coder="alice", codebook_id=stored.id, codes=codes)
        for i in range(300):
            plain.code_key("command", at_ms=40 * i, at_frame=i, actor="officer_1")
        read_ahead(ws, clip_id="K1", coder_id=plain.coder_id, codebook_id=stored.id)  # never collected
        reading = read_ahead(ws, clip_id="K1", coder_id=plain.coder_id, codebook_id=stored.id)
        assert len(list_codebooks(ws.conn)) >= 2  # the first connection answers meanwhile
        ahead = CodingSession(
            ws, clip_id="K1", coder="alice", codebook_id=stored.id, codes=codes, reading=reading
        )
        assert list(ahead.keys()) == list(plain.keys()) and ahead.events == plain.events
    finally:
        ws.close()
