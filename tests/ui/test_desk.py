"""The coding desk driven by the keyboard on the real widgets offscreen, on the frame-coded sample clip.

Each recorded event's frame must be the frame on screen when the key was pressed: the frame index is read back
from the displayed picture's own pixel code, not from the player's arithmetic.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.media import framecode
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from bwvtool.store import reviews as review_rows
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook
from bwvtool.ui.desk.review_form import MultipleChoice
from tests.conftest import REPO

SAMPLE = REPO / "sample_media" / "framecode_720p25.mp4"


@pytest.fixture
def desk_ws(workspace_location, tmp_path):
    media = tmp_path / "clip.mp4"
    shutil.copy(SAMPLE, media)
    (tmp_path / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path,sources\n"
        "S1,2026-11-02T10:00:00Z,24,PC7,Lambeth,clip.mp4,stop_search\n"
        "S2,2026-11-02T11:00:00Z,24,PC7,Lambeth,missing.mp4,stop_search\n"
    )
    ws = open_workspace(workspace_location, create=True)
    import_catalogue(ws, tmp_path / "cat.csv", actor="test")
    ensure_default_codebooks(ws, actor="test")
    yield ws
    ws.close()


@pytest.fixture
def desk(qtbot, desk_ws):
    from bwvtool.ui.desk.desk import CodingDesk

    widget = CodingDesk(desk_ws, "alice")
    qtbot.addWidget(widget)
    widget.resize(1500, 950)
    index = widget.codebook_choice.findText("S&S", Qt.MatchFlag.MatchContains)
    widget.codebook_choice.setCurrentIndex(max(0, index))
    widget.show()
    yield widget
    widget.shutdown()  # as the app does before its workspace closes (the workspace fixture closes it next)


def _open(qtbot, desk, clip_id="S1"):
    with qtbot.waitSignal(desk.player.durationKnown, timeout=20_000):
        desk.open_clip(clip_id)
    qtbot.waitUntil(lambda: desk.player.current_frame()[0] >= 0, timeout=30_000)
    desk.setFocus()


def _shown_code(desk) -> int | None:
    frame = desk.player.displayed_frame()
    image = frame.toImage().convertToFormat(QImage.Format.Format_RGB888)
    array = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return framecode.decode(array[:, : image.width() * 3].reshape(image.height(), image.width(), 3))


def _seek(qtbot, desk, frame: int):
    desk.player.seek_frame(frame)
    qtbot.waitUntil(lambda: desk.player.current_frame()[0] == frame, timeout=30_000)


def test_keyboard_codes_land_on_the_frame_on_screen(qtbot, desk):
    _open(qtbot, desk)
    for target in (12, 137, 300, 451):
        _seek(qtbot, desk, target)
        qtbot.keyClick(desk, Qt.Key.Key_C)  # command (point)
    stored = event_rows.for_clip(desk.ws.conn, "S1")
    assert [e.onset_frame for e in stored] == [12, 137, 300, 451]
    for event in stored:  # seek back to each event and read the picture's own frame code
        _seek(qtbot, desk, event.onset_frame)
        assert _shown_code(desk) == event.onset_frame
        assert event.onset_ms == event.onset_frame * 40


def test_digit_picks_the_actor_and_states_toggle(qtbot, desk):
    _open(qtbot, desk)
    _seek(qtbot, desk, 50)
    qtbot.keyClick(desk, Qt.Key.Key_2)
    qtbot.keyClick(desk, Qt.Key.Key_Semicolon)  # verbal resistance (subject state) starts, subject 2
    _seek(qtbot, desk, 120)
    qtbot.keyClick(desk, Qt.Key.Key_2)
    qtbot.keyClick(desk, Qt.Key.Key_Semicolon)  # the same key for the same actor ends it
    (state,) = event_rows.for_clip(desk.ws.conn, "S1")
    assert (state.code, state.actor, state.onset_frame, state.offset_frame) == (
        "verbal_resistance",
        "subject_2",
        50,
        120,
    )
    qtbot.keyClick(desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the end
    assert event_rows.for_clip(desk.ws.conn, "S1")[0].offset_ms is None


def test_modifier_prompt_is_answered_with_the_keyboard(qtbot, desk, monkeypatch):
    from bwvtool.ui.desk import modifier_prompt

    _open(qtbot, desk)
    _seek(qtbot, desk, 80)

    def answer(self):  # the dialog is modal: answer it the way a coder would, with number keys
        self.show()
        lists = [w for w in self._inputs.values() if isinstance(w, modifier_prompt._OptionList)]
        qtbot.keyClick(lists[0], Qt.Key.Key_3)
        return self.result() or 1

    monkeypatch.setattr(modifier_prompt.ModifierPrompt, "exec", answer)
    qtbot.keyClick(desk, Qt.Key.Key_I)  # subject demeanour: asks for its level
    (event,) = event_rows.for_clip(desk.ws.conn, "S1")
    codebook = get_codebook(desk.ws.conn, "ss_language_behaviour").codebook
    level = codebook.code("demeanour").modifiers[0]
    assert event.modifiers == {"level": level.option_ids[2]}


def test_review_form_completes_only_when_required_items_are_answered(qtbot, desk):
    _open(qtbot, desk)
    form = desk.review
    assert not form.complete_button.isEnabled()
    items = [i for i in desk.codebook.review_items if i.required]

    def first(item):
        return [item.choices[0]] if item.type == "multiple" else item.choices[0]

    for item in items[:-1]:
        form.answer(item.id, first(item))
    assert not form.complete_button.isEnabled()
    form.answer(items[-1].id, first(items[-1]))
    assert form.complete_button.isEnabled()
    qtbot.mouseClick(form.complete_button, Qt.MouseButton.LeftButton)
    coder_id = desk.session.coder_id
    stored = review_rows.get(desk.ws.conn, "S1", coder_id)
    assert stored.status == "complete" and len(stored.answers) == len(items)


def test_missing_media_blocks_coding_but_the_desk_keeps_working(qtbot, desk):
    messages = []
    desk.status.connect(messages.append)
    with qtbot.waitSignal(desk.player.error, timeout=30_000):
        desk.open_clip("S2")
    qtbot.keyClick(desk, Qt.Key.Key_C)
    assert event_rows.for_clip(desk.ws.conn, "S2") == []
    assert any("Not recorded" in m for m in messages)
    _open(qtbot, desk, "S1")
    qtbot.keyClick(desk, Qt.Key.Key_C)
    assert len(event_rows.for_clip(desk.ws.conn, "S1")) == 1


def test_whole_review_form_with_the_keyboard_alone(qtbot, desk):
    """Ctrl+R opens the form on the first unanswered item; Down picks an answer, Tab moves on; Ctrl+Return
    completes once every required item is answered."""
    _open(qtbot, desk)
    qtbot.keyClick(desk, Qt.Key.Key_C)
    qtbot.keyClick(desk, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    required = [i for i in desk.codebook.review_items if i.required]
    for _ in required:
        field = desk.focusWidget() or desk.review.focusWidget()
        if isinstance(field, MultipleChoice):
            qtbot.keyClick(field, Qt.Key.Key_1)  # the first option of a multiple-choice list
        else:
            qtbot.keyClick(field, Qt.Key.Key_Down)  # first real answer after the blank
        desk.review.focus_first()
    messages = []
    desk.status.connect(messages.append)
    qtbot.keyClick(desk.review, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    stored = review_rows.get(desk.ws.conn, "S1", desk.session.coder_id)
    assert stored is not None and stored.status == "complete"
    # The last word in the status bar says so, as the button's does, even when the next clip opens at once.
    assert "Review of S1 marked complete" in messages[-1], messages
    qtbot.keyClick(desk.review, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert desk.side.currentWidget() is desk.palette


def test_multiple_choice_item_with_the_keyboard(qtbot, desk):
    """The learning themes list: focus, Up/Down, Space and number keys toggle, every change saved; "none" only
    alone; Space toggles an option rather than playing the clip; an empty list counts as unanswered."""
    _open(qtbot, desk)
    form, coder_id = desk.review, desk.session.coder_id
    for item in desk.codebook.review_items:  # every required item but the themes answered: they come first
        if item.required and item.id != "learning_themes":
            form.answer(item.id, item.choices[0])
    qtbot.keyClick(desk, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    themes = form._inputs["learning_themes"]
    assert isinstance(themes, MultipleChoice) and desk.focusWidget() is themes and themes.currentRow() == 0

    def saved():
        stored = review_rows.get(desk.ws.conn, "S1", coder_id)
        return stored.answers.get("learning_themes")

    qtbot.keyClick(themes, Qt.Key.Key_Down)
    qtbot.keyClick(themes, Qt.Key.Key_Down)
    qtbot.keyClick(themes, Qt.Key.Key_Space)  # third option
    assert saved() == ["de_escalation"] and not desk.player.engine.is_playing
    qtbot.keyClick(themes, Qt.Key.Key_1)
    assert saved() == ["de_escalation", "reasons_grounds"]  # stored sorted
    assert form.complete_button.isEnabled()
    qtbot.keyClick(themes, Qt.Key.Key_0)  # the tenth option: no learning, which clears the themes
    assert saved() == ["none"] and themes.value() == ["none"]
    assert [themes.item(r).checkState() == Qt.CheckState.Checked for r in range(themes.count())].count(
        True
    ) == 1
    qtbot.keyClick(themes, Qt.Key.Key_6)  # a theme clears "none"
    assert saved() == ["officer_welfare"]
    qtbot.keyClick(themes, Qt.Key.Key_6)  # untick the last one: unanswered again
    assert saved() is None and not form.complete_button.isEnabled()
    desk.setFocus()
    form.focus_first()
    assert desk.focusWidget() is themes  # an empty multiple item is the first unanswered one
    themes.item(4).setCheckState(Qt.CheckState.Checked)  # what a mouse click on its box does
    assert saved() == ["bwv_recording"]
    form.answer("learning_themes", ["officer_welfare", "bwv_recording"])
    assert saved() == ["bwv_recording", "officer_welfare"] and themes.value() == saved()
    form.load(desk.ws, clip_id="S1", coder="alice", coder_id=coder_id, codebook=form.codebook,
              codebook_id=form.codebook_id)  # fmt: skip
    assert form._inputs["learning_themes"].value() == ["bwv_recording", "officer_welfare"]


def test_a_file_that_fails_its_sha256_blocks_coding(qtbot, desk_ws, tmp_path):
    """The catalogue says one SHA-256, the file has another: a banner, and codes are refused."""
    from bwvtool.ui.desk.desk import CodingDesk

    (tmp_path / "cat2.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path,sha256\n"
        f"S3,2026-11-02T12:00:00Z,24,PC7,Lambeth,clip.mp4,{'ab' * 32}\n"
    )
    import_catalogue(desk_ws, tmp_path / "cat2.csv", actor="test")
    widget = CodingDesk(desk_ws, "alice")
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.waitSignal(widget.player.integrityFailed, timeout=20_000):
        widget.open_clip("S3")
    qtbot.waitUntil(lambda: widget.player.current_frame()[0] >= 0, timeout=30_000)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_C)
    assert event_rows.for_clip(desk_ws.conn, "S3") == []
    assert widget.player.view.banner and "sha" in widget.player.view.banner.lower()


def test_undo_and_redo_name_codes_by_their_labels(qtbot, desk):
    """The status bar says what was undone as saves say it: with the codebook's label, never the code id."""
    _open(qtbot, desk)
    said: list[str] = []
    desk.status.connect(said.append)
    _seek(qtbot, desk, 50)
    qtbot.keyClick(desk, Qt.Key.Key_Semicolon)  # verbal resistance starts
    label = desk.codebook.code("verbal_resistance").label
    assert label != "verbal_resistance"
    qtbot.keyClick(desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(
        desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert f"Undone: start {label}" in said and f"Redone: start {label}" in said
    assert not [message for message in said if "verbal_resistance" in message]


def test_the_keys_sheet_lists_each_key_once(desk):
    import re

    from PySide6.QtGui import QKeySequence

    from bwvtool.ui.desk.keys_help import keys_sheet

    def as_qt_writes_it(key: str) -> str:  # "PageUp" (the player's name) and "PgUp" (a shortcut) are one key
        code = getattr(Qt.Key, f"Key_{key}", None)
        return QKeySequence(code).toString() if code is not None else key

    sheet = keys_sheet(desk.codebook, desk.actions_by_name)
    first_table = sheet.split("<h3>")[1]
    keys = [as_qt_writes_it(key) for key in re.findall(r"<code>(.*?)</code>", first_table)]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert keys.count("PgUp") == keys.count("PgDown") == 1
