"""The desk's layout at a real window size: the event table fits its columns without a sideways scroll bar at
1600 px, and neither a pending actor nor a new lane moves anything on screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.ui.test_desk import _open, _seek, desk, desk_ws  # noqa: F401 (fixtures)


def _places(widget) -> dict[str, tuple]:
    widgets = {
        "player": widget.player, "timeline": widget.timeline, "table": widget.table, "side": widget.side,
        "palette": widget.palette.body, "queue": widget.queue,
    }  # fmt: skip
    return {name: (w.mapTo(widget, QPoint(0, 0)), w.size()) for name, w in widgets.items()}


def test_the_event_table_fits_at_1600_px(qtbot, desk):  # noqa: F811 (the fixture)
    desk.resize(1600, 1000)
    _open(qtbot, desk)
    _seek(qtbot, desk, 40)
    qtbot.keyClick(desk, Qt.Key.Key_C)  # command
    session = desk.session
    event = session.event(desk.timeline.selected)
    session.edit(
        event.id,
        note="The officer repeats the command twice while the subject asks why he is being stopped " * 3,
    )
    session.edit(event.id, modifiers={"tone": "raised", "words": ["repeated", "loud", "sworn"]})
    qtbot.wait(100)
    table, header = desk.table, desk.table.horizontalHeader()
    assert header.length() <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    metrics = table.fontMetrics()
    for column in (0, 1):  # times and frames are never cut
        text = str(desk.model.data(desk.model.index(0, column)))
        assert header.sectionSize(column) > metrics.horizontalAdvance(text)
    assert desk.model.data(desk.model.index(0, 6), Qt.ItemDataRole.ToolTipRole).startswith("The officer")


@pytest.mark.parametrize("size", [(1600, 1000), (1024, 700)])
def test_a_pending_actor_and_a_new_lane_move_nothing(qtbot, desk, size):  # noqa: F811 (the fixture)
    desk.resize(*size)
    _open(qtbot, desk)
    _seek(qtbot, desk, 60)
    qtbot.wait(50)
    before = _places(desk)
    lanes = {
        (lane.track, lane.actor): desk.timeline._lane_rect(i).top()
        for i, lane in enumerate(desk.timeline.lanes)
    }
    qtbot.keyClick(desk, Qt.Key.Key_2)  # officer 2 pending
    qtbot.wait(50)
    assert "number 2" in desk.palette.actor_hint.text() and _places(desk) == before
    qtbot.keyClick(desk, Qt.Key.Key_C)  # command by officer 2: a lane appears
    qtbot.wait(50)
    assert ("officer_language", "officer_2") in {(lane.track, lane.actor) for lane in desk.timeline.lanes}
    assert _places(desk) == before
    after = {
        (lane.track, lane.actor): desk.timeline._lane_rect(i).top()
        for i, lane in enumerate(desk.timeline.lanes)
    }
    assert {key: after[key] for key in lanes} == lanes
