"""The desk a reviewer lives in: every key on one sheet, Tab between review items, a clip with no media, no sound."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit

from bwvtool.codebook.keys import PLAYER_KEYS
from bwvtool.ui.desk.keys_help import KeysHelp
from tests.ui.test_desk import _open, desk, desk_ws  # noqa: F401 - fixtures


def test_question_mark_shows_every_key_of_player_desk_and_codebook(qtbot, desk):  # noqa: F811
    _open(qtbot, desk)
    QTest.keyClicks(desk, "?")
    qtbot.waitUntil(lambda: any(s.isVisible() for s in desk.findChildren(KeysHelp)))
    sheet = next(s for s in desk.findChildren(KeysHelp) if s.isVisible())
    text = sheet.text.toPlainText()
    assert all(key.purpose in text for key in PLAYER_KEYS if not key.name.isdigit())
    assert "Undo" in text and "Mark review complete" in text
    assert all(code.label in text for code in desk.codebook.codes if code.shortcut)
    sheet.close()


def test_tab_moves_between_review_items_and_is_never_typed_into_an_answer(qtbot, desk):  # noqa: F811
    _open(qtbot, desk)
    desk.focus_review()
    texts = [w for w in desk.review._inputs.values() if isinstance(w, QPlainTextEdit)]
    assert texts
    texts[0].setFocus()
    qtbot.waitUntil(texts[0].hasFocus)
    QTest.keyClicks(texts[0], "Calm")
    QTest.keyClick(texts[0], Qt.Key.Key_Tab)
    assert "\t" not in texts[0].toPlainText() and not texts[0].hasFocus()


def test_a_clip_without_media_says_so_and_disables_the_codes(qtbot, desk):  # noqa: F811
    _open(qtbot, desk)
    desk.open_clip("S2")  # its media file is missing
    qtbot.waitUntil(lambda: desk.blocked is not None, timeout=20_000)
    assert not desk.palette.isEnabled()
    _open(qtbot, desk, "S1")
    assert desk.palette.isEnabled() and desk.blocked is None


def test_the_player_says_when_there_is_no_sound_device(qtbot, desk):  # noqa: F811
    player = desk.player
    assert player.sound_note.isVisibleTo(player) == (not player.has_sound)
