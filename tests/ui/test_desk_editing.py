"""Editing a coded event from the desk (Enter on the selected event) and zooming the timeline with keys."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bwvtool.store import events as event_rows
from tests.ui.test_desk import _open, _seek, desk, desk_ws  # noqa: F401 (fixtures)


def test_enter_edits_code_actor_note_and_star_as_one_undoable_change(qtbot, desk, monkeypatch):  # noqa: F811
    from bwvtool.ui.desk import event_editor

    _open(qtbot, desk)
    _seek(qtbot, desk, 60)
    qtbot.keyClick(desk, Qt.Key.Key_C)  # command, officer 1
    (event,) = event_rows.for_clip(desk.ws.conn, "S1")
    assert desk.timeline.selected == event.id  # a new event is selected

    def edit(self):
        self.code.setCurrentIndex(self.code.findData("reason_given"))
        self.actor.setCurrentIndex(self.actor.findData("officer_2"))
        self.note.setPlainText("said why before searching")
        self.starred.setChecked(True)
        return 1

    monkeypatch.setattr(event_editor.EventEditor, "exec", edit)
    qtbot.keyClick(desk, Qt.Key.Key_Return)
    (edited,) = event_rows.for_clip(desk.ws.conn, "S1")
    assert (edited.code, edited.actor, edited.note, edited.starred) == (
        "reason_given",
        "officer_2",
        "said why before searching",
        True,
    )
    assert edited.onset_frame == 60
    qtbot.keyClick(desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    (undone,) = event_rows.for_clip(desk.ws.conn, "S1")
    assert (undone.code, undone.actor, undone.note, undone.starred) == ("command", "officer_1", None, False)


def test_timeline_zooms_with_keys(qtbot, desk):  # noqa: F811
    _open(qtbot, desk)
    before = desk.timeline.view.ms_per_px
    qtbot.keyClick(desk, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert desk.timeline.view.ms_per_px < before
    qtbot.keyClick(desk, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert desk.timeline.view.start_ms <= 0
