"""``?`` on the desk: every key it answers to — the player's, the desk's and the open codebook's — in one sheet."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from bwvtool.codebook.keys import PLAYER_KEYS
from bwvtool.codebook.model import Codebook


def keys_sheet(codebook: Codebook | None, desk_actions: dict[str, QAction]) -> str:
    """The sheet as HTML: three tables, one per owner of the keys."""
    player = [(key.name if key.char in (None, " ") else key.char, key.purpose) for key in PLAYER_KEYS]
    player = [row for row in player if not row[0].isdigit()] + [
        ("1–9, 0", "choose the actor of the next code")
    ]
    # The desk binds some of the player's keys itself (Page Up/Down open the neighbouring clip): each key once.
    listed = {_key_text(key.name) for key in PLAYER_KEYS if key.char is None}
    desk = [
        (action.shortcut().toString(), action.text())
        for action in desk_actions.values()
        if not action.shortcut().isEmpty() and action.shortcut().toString() not in listed
    ]
    parts = [_table("Player and desk", player + desk)]
    if codebook is not None:
        for track in codebook.tracks:
            codes = [(code.shortcut, f"{code.label} ({'state' if code.is_state else 'point'})")
                     for code in codebook.codes_in_track(track.id) if code.shortcut]  # fmt: skip
            if codes:
                parts.append(_table(f"{codebook.title} · {track.label}", codes))
    return "".join(parts)


def _key_text(name: str) -> str:
    """A player key's name ("PageUp") as Qt writes its shortcut ("PgUp")."""
    key = getattr(Qt.Key, f"Key_{name}", None)
    return QKeySequence(key).toString() if key is not None else name


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<tr><td><b><code>{escape(key)}</code></b></td><td>{escape(what)}</td></tr>" for key, what in rows
    )
    return f"<h3>{escape(title)}</h3><table cellspacing='0' cellpadding='3'>{body}</table>"


class KeysHelp(QDialog):
    def __init__(
        self, codebook: Codebook | None, desk_actions: dict[str, QAction], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Every key on the desk")
        self.resize(620, 720)
        self.text = QTextBrowser()
        self.text.setHtml(keys_sheet(codebook, desk_actions))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
