"""The timeline widget on a real coding session: seeking, dragging with frame snapping, deleting, painting."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from bwvtool.coding.session import CodingSession
from bwvtool.store import events as event_rows
from bwvtool.ui.timeline.geometry import LaneIndex, View, format_ms, ruler_step_ms
from bwvtool.ui.timeline.widget import LABEL_W, LANE_H, RULER_H, Lane, TimelineWidget
from tests.core.test_coding_session import Codes, _codebook_id


@pytest.fixture
def timeline(qtbot, clip_workspace):
    session = CodingSession(
        clip_workspace, clip_id="C001", coder="alice", codebook_id=_codebook_id(clip_workspace), codes=Codes()
    )
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(LABEL_W + 1000, 200)
    lanes = [
        Lane("officer_language", "officer_1", "Officer language · O1", "#61afef"),
        Lane("subject_behaviour", "subject_1", "Subject · S1", "#e06c75"),
    ]
    widget.set_session(session, lanes, duration_ms=100_000)
    widget.show()
    return widget, session


def _x(widget, ms):
    return int(LABEL_W + widget.view.x_of(ms))


def test_click_on_empty_lane_requests_a_seek(qtbot, timeline):
    widget, _ = timeline
    with qtbot.waitSignal(widget.seekRequested) as signal:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(_x(widget, 50_000), RULER_H + 5))
    assert abs(signal.args[0] - 50_000) <= widget.view.ms_per_px


def test_dragging_a_state_moves_it_snapped_to_frames_and_commits(qtbot, timeline):
    widget, session = timeline
    session.code_key("calm", at_ms=10_000, at_frame=250, actor="subject_1")
    session.code_key("calm", at_ms=20_000, at_frame=500, actor="subject_1")
    y = RULER_H + LANE_H + LANE_H // 2
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(_x(widget, 15_000), y))
    qtbot.mouseMove(widget, QPoint(_x(widget, 15_000) + 37, y))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(_x(widget, 15_000) + 37, y))
    stored = event_rows.for_clip(session.ws.conn, "C001")[0]
    assert stored.onset_ms > 10_000 and stored.onset_ms % 40 == 0
    assert stored.onset_frame == stored.onset_ms // 40
    assert stored.offset_ms - stored.onset_ms == 10_000
    session.undo()
    assert event_rows.for_clip(session.ws.conn, "C001")[0].onset_ms == 10_000


def test_dragging_an_edge_resizes_only_that_edge(qtbot, timeline):
    widget, session = timeline
    session.code_key("calm", at_ms=10_000, at_frame=250, actor="subject_1")
    session.code_key("calm", at_ms=20_000, at_frame=500, actor="subject_1")
    y = RULER_H + LANE_H + LANE_H // 2
    end_x = _x(widget, 20_000) - 1
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=QPoint(end_x, y))
    qtbot.mouseMove(widget, QPoint(end_x + 50, y))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(end_x + 50, y))
    stored = event_rows.for_clip(session.ws.conn, "C001")[0]
    assert stored.onset_ms == 10_000 and stored.offset_ms > 20_000


def test_select_and_delete_key_removes_the_event(qtbot, timeline):
    widget, session = timeline
    session.code_key("command", at_ms=30_000, at_frame=750, actor="officer_1")
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(_x(widget, 30_000), RULER_H + LANE_H // 2))
    assert widget.selected == session.events[0].id
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    assert len(session) == 0 and event_rows.for_clip(session.ws.conn, "C001") == []


def test_paints_many_events_and_new_lanes_appear(qtbot, timeline):
    widget, session = timeline
    for i in range(300):
        session.code_key("command", at_ms=i * 300, at_frame=i * 7, actor=f"officer_{1 + i % 3}")
    widget.zoom_by(0.1, 5_000)
    image = widget.grab()
    assert not image.isNull()
    assert {lane.actor for lane in widget.lanes} >= {"officer_1", "officer_2", "officer_3"}


def test_geometry_visible_range_and_ruler():
    index = LaneIndex()
    index.add(1, 0, 50_000)  # long state
    index.add(2, 10_000, 10_000)  # point
    index.add(3, 70_000, 71_000)
    assert sorted(index.visible(40_000, 60_000)) == [1]
    assert sorted(index.visible(9_000, 11_000)) == [1, 2]
    index.remove(1)
    assert index.visible(40_000, 60_000) == []
    view = View(start_ms=0, ms_per_px=10, width_px=1000, duration_ms=100_000)
    view.zoom(0.5, 5_000)
    assert view.x_of(5_000) == pytest.approx(500)
    assert ruler_step_ms(0.2, 40.0) == 40.0  # frames when zoomed far in
    assert ruler_step_ms(50, 40.0) >= 1_000
    assert format_ms(61_234) == "1:01.234" and format_ms(3_600_000, 60_000) == "1:00:00"


def test_the_header_counts_events_in_plain_english(qtbot, timeline):
    widget, session = timeline
    assert widget.header_text() == "0 events"
    session.code_key("command", at_ms=30_000, at_frame=750, actor="officer_1")
    assert widget.header_text() == "1 event"
    session.code_key("command", at_ms=40_000, at_frame=1000, actor="officer_1")
    assert widget.header_text() == "2 events"
