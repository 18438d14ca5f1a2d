"""Typed text survives: what a user types is in the workspace before any quit or switch can drop it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from bwvtool import debrief
from bwvtool.coding import review
from bwvtool.store import open_workspace
from bwvtool.ui.debrief import DebriefPage
from tests.core.test_debrief import clip_file, make_reviewed_workspace  # noqa: F401 - the session fixture
from tests.reliability.workspaces import coding_workspace


def test_a_review_answer_typed_just_before_quitting_is_saved(
    qtbot, tmp_path, app_workspaces, workspace_location
):
    from bwvtool.ui.main_window import MainWindow

    path = coding_workspace(tmp_path, location=workspace_location)
    window = MainWindow(open_workspace(path), "alice")
    qtbot.addWidget(window)
    window.show()
    desk = window.coding_desk()
    desk.codebook_choice.setCurrentIndex(desk.codebook_choice.findText("PIOSS", Qt.MatchFlag.MatchContains))
    window.code_clip("K1")
    qtbot.waitUntil(lambda: desk.session is not None, timeout=20_000)
    edit = desk.review._inputs["individual_learning"]
    assert isinstance(edit, QPlainTextEdit)
    edit.setPlainText("Explain the grounds before the search.")
    window.close()  # at once: no pause in typing has let the answer save itself
    ws = open_workspace(path)
    try:
        coder_id = ws.find_coder("alice")
        answers, _state = review.load_answers(ws, "K1", coder_id)
    finally:
        ws.close()
    assert answers.get("individual_learning") == "Explain the grounds before the search."


def _debrief_page(ws, qtbot) -> DebriefPage:
    """The Debrief tab open on the workspace's reviewed clip, its stills loaded."""
    page = DebriefPage(lambda: ws, "sgt.test")
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.stills_loaded, timeout=60_000):
        page.show()
    return page


def test_debrief_narrative_typed_and_left_unsaved_comes_back(
    workspace_location,
    tmp_path,
    clip_file,  # noqa: F811 - the imported fixture
    qtbot,
    app_workspaces,
):
    ws = make_reviewed_workspace(tmp_path / "w", clip_file, location=workspace_location)
    page = _debrief_page(ws, qtbot)
    page.editors["next_steps"].setPlainText("Watch the stop together next week.")
    page.flush()  # what quitting (or switching notes) does first; never a version by itself
    assert debrief.versions(ws, "D001") == []
    page.wait_for_stills()
    page.close()

    again = _debrief_page(ws, qtbot)  # the app opened again
    assert again.editors["next_steps"].toPlainText() == "Watch the stop together next week."
    assert again.is_dirty() and "brought back" in again.state.text()
    assert again.save() == 1  # saving makes the version and clears the draft
    assert debrief.unsaved_draft(ws, "D001") is None
    again.wait_for_stills()
    ws.close()


def test_debrief_text_is_kept_as_typing_pauses(
    workspace_location,
    tmp_path,
    clip_file,  # noqa: F811 - the imported fixture
    qtbot,
    app_workspaces,
):
    ws = make_reviewed_workspace(tmp_path / "w", clip_file, location=workspace_location)
    page = _debrief_page(ws, qtbot)
    page.editors["went_well"].setPlainText("Calm voice throughout.")
    qtbot.waitUntil(lambda: debrief.unsaved_draft(ws, "D001") is not None, timeout=20_000)
    assert debrief.unsaved_draft(ws, "D001")[0]["went_well"] == "Calm voice throughout."
    page.wait_for_stills()
    ws.close()
