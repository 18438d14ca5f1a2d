"""The event a reviewer just added is the selected event: on the timeline and in the event table, whose row is
scrolled into view, while the keyboard stays with the desk and nothing on screen moves. Undo leaves no stale
selection behind; redo selects the event again. The table follows the timeline once the window has painted the
key's own feedback (a zero timer), so each check waits for that first."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bwvtool.store import events as event_rows
from tests.ui.test_desk import _open, _seek, desk, desk_ws  # noqa: F401 (fixtures)
from tests.ui.test_desk_layout import _places

FRAMES = 600  # the sample clip: 24 s at 25 frames a second


def _table_event(qtbot, widget) -> int | None:
    """The event of the table's current row (checking that row is also the one selected), or None, once the
    table has followed the timeline."""
    qtbot.waitUntil(lambda: not widget._table_follows.isActive(), timeout=5_000)
    current = widget.table.selectionModel().currentIndex()
    selected = widget.table.selectionModel().selectedRows()
    if not current.isValid():
        assert not selected
        return None
    assert [index.row() for index in selected] == [current.row()]
    return widget.model.event_at(current.row()).id


def _row_on_screen(qtbot, widget, event_id: int) -> bool:
    qtbot.waitUntil(lambda: not widget._table_follows.isActive(), timeout=5_000)
    rect = widget.table.visualRect(widget.model.index(widget.model.row_of(event_id), 0))
    return rect.isValid() and widget.table.viewport().rect().contains(rect)


def _many_events(qtbot, widget, count: int) -> None:
    """``count`` command events spread over the clip, stored in one go; the clip is then opened again."""
    _seek(qtbot, widget, 0)
    qtbot.keyClick(widget, Qt.Key.Key_C)
    template = widget.session.event(widget.timeline.selected)
    with widget.ws.transaction("alice") as tx:
        for i in range(1, count):
            frame = i * (FRAMES - 20) // count
            event_rows.insert(tx, template.with_changes(id=None, onset_ms=frame * 40, onset_frame=frame))
    widget.open_clip("S1")
    widget.setFocus()


def test_a_new_event_is_selected_in_the_table_and_the_desk_keeps_the_keys(qtbot, desk):  # noqa: F811
    _open(qtbot, desk)
    for frame in (100, 30, 200):
        _seek(qtbot, desk, frame)
        qtbot.keyClick(desk, Qt.Key.Key_C)  # command
        added = max(e.id for e in event_rows.for_clip(desk.ws.conn, "S1"))
        assert desk.timeline.selected == added
        assert _table_event(qtbot, desk) == added
        assert desk.model.event_at(desk.table.currentIndex().row()).onset_frame == frame
        assert desk.hasFocus()  # the table never takes the keyboard: the next code key goes to the desk
    assert len(event_rows.for_clip(desk.ws.conn, "S1")) == 3


def test_the_new_row_is_scrolled_into_view_and_nothing_moves(qtbot, desk):  # noqa: F811
    _open(qtbot, desk)
    _many_events(qtbot, desk, 1000)  # more than the table's first page of rows
    qtbot.wait(50)
    assert desk.model.rowCount() < len(desk.session)
    before = _places(desk)
    _seek(qtbot, desk, FRAMES - 5)  # after every stored event: the last row, far below the first page
    qtbot.keyClick(desk, Qt.Key.Key_E)  # explains
    qtbot.wait(50)
    added = desk.timeline.selected
    assert desk.session.event(added).code == "explains_process"
    assert _table_event(qtbot, desk) == added and desk.model.row_of(added) == len(desk.session) - 1
    assert _row_on_screen(qtbot, desk, added)
    assert desk.table.horizontalScrollBar().value() == 0
    assert _places(desk) == before and desk.hasFocus()
    _seek(qtbot, desk, 3)  # and back at the top: the table scrolls up to the new row
    qtbot.keyClick(desk, Qt.Key.Key_C)
    qtbot.wait(50)
    early = desk.timeline.selected
    assert desk.session.event(early).onset_frame == 3
    assert _table_event(qtbot, desk) == early and _row_on_screen(qtbot, desk, early)
    assert _places(desk) == before and desk.hasFocus()


def test_undo_leaves_no_selection_and_redo_selects_the_event_again(qtbot, desk):  # noqa: F811
    _open(qtbot, desk)
    _seek(qtbot, desk, 40)
    qtbot.keyClick(desk, Qt.Key.Key_C)
    first = desk.timeline.selected
    _seek(qtbot, desk, 80)
    qtbot.keyClick(desk, Qt.Key.Key_E)
    second = desk.timeline.selected
    assert _table_event(qtbot, desk) == second != first
    qtbot.keyClick(desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the second
    assert [e.id for e in event_rows.for_clip(desk.ws.conn, "S1")] == [first]
    assert desk.timeline.selected is None and _table_event(qtbot, desk) is None  # not its neighbour either
    qtbot.keyClick(
        desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    (again,) = [e for e in event_rows.for_clip(desk.ws.conn, "S1") if e.id != first]
    assert desk.timeline.selected == again.id and _table_event(qtbot, desk) == again.id
    assert desk.hasFocus()
    qtbot.keyClick(desk, Qt.Key.Key_Delete)  # delete the selected event: nothing is left selected
    assert desk.timeline.selected is None and _table_event(qtbot, desk) is None
    qtbot.keyClick(desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undoing the delete re-adds it
    assert desk.timeline.selected == again.id and _table_event(qtbot, desk) == again.id


def test_moving_the_selected_event_keeps_it_selected(qtbot, desk):  # noqa: F811
    _open(qtbot, desk)
    for frame in (40, 80, 120):
        _seek(qtbot, desk, frame)
        qtbot.keyClick(desk, Qt.Key.Key_C)
    moved = desk.timeline.selected  # the one at frame 120
    desk.session.edit(moved, onset_ms=20 * 40, onset_frame=20)  # as a drag on the timeline does
    assert desk.timeline.selected == moved and _table_event(qtbot, desk) == moved
    assert desk.table.currentIndex().row() == 0
