"""The code palette: every code of the codebook with its key, grouped by track, showing the pending actor
number and which states are running. A click records the code like its key does."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from bwvtool.codebook.model import Codebook

_CHIP = (
    "QPushButton {{ text-align: left; padding: 3px 6px; border: 1px solid #d5d9e0; border-radius: 4px;"
    " background: {bg}; color: #20242b; }} QPushButton:hover {{ border-color: #4a7dd8; }}"
)


class CodePalette(QWidget):
    codeClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._buttons: dict[str, QPushButton] = {}
        self._colours: dict[str, str] = {}
        self._pending: int | None = None  # the actor number pressed before a code key
        self._utterance: str | None = None  # the transcript line picked for coding
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.actor_hint = QLabel()
        self.actor_hint.setObjectName("actorHint")
        # Two lines' room whatever it says, and no say in the panel's width: a digit pressed (an actor pending)
        # changes the text, never the layout.
        self.actor_hint.setWordWrap(True)
        self.actor_hint.setMinimumWidth(1)
        self.actor_hint.setFixedHeight(2 * self.actor_hint.fontMetrics().lineSpacing() + 6)
        layout.addWidget(self.actor_hint)
        self.body = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(scroll, 1)
        self.show_pending(None)

    def set_codebook(self, codebook: Codebook) -> None:
        old = self.body.layout()
        if old is not None:
            QWidget().setLayout(old)
        self._buttons = {}
        grid = QGridLayout(self.body)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        row = 0
        for track in codebook.tracks:
            codes = codebook.codes_in_track(track.id)
            if not codes:
                continue
            title = QLabel(f"<b>{track.label}</b>")
            title.setStyleSheet(f"border-left: 4px solid {track.colour or '#61afef'}; padding-left: 6px;")
            grid.addWidget(title, row, 0, 1, 2)
            row += 1
            for n, code in enumerate(codes):
                key = (code.shortcut or "").upper()
                kind = "◆" if code.type == "point" else "▬"
                button = QPushButton(f"{key or '·'}   {kind} {code.label}")
                button.setToolTip(code.description or code.label)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the desk
                button.clicked.connect(lambda _c=False, cid=code.id: self.codeClicked.emit(cid))
                self._buttons[code.id] = button
                self._colours[code.id] = "#ffffff"
                button.setStyleSheet(_CHIP.format(bg="#ffffff"))
                grid.addWidget(button, row + n // 2, n % 2)
            row += (len(codes) + 1) // 2
        grid.setRowStretch(row, 1)

    def show_pending(self, number: int | None) -> None:
        self._pending = number
        self._show_hint()

    def show_utterance(self, where: str | None) -> None:
        """Say that a transcript line is picked (``where``: its time and speaker): code keys code it, not the
        frame on screen. None: no line is picked."""
        self._utterance = where
        self._show_hint()

    def _show_hint(self) -> None:
        number, where = self._pending, self._utterance
        who = None if number is None else ("third party" if number == 0 else f"number {number}")
        if where is not None:  # the same two lines' room: the codes never move
            actor = f"Actor: {who} · " if who else ""
            self.actor_hint.setText(
                f"<span style='background:#ffd866; color:#20242b'>&nbsp;<b>Utterance {escape(where)} picked</b>"
                f"&nbsp;</span> {actor}a code key codes that line, not the frame on screen (Esc lets go)"
            )
        elif who is None:
            self.actor_hint.setText("Actor: default (press 1–9 first for another, 0 for a third party)")
        else:
            self.actor_hint.setText(f"<b>Actor: {who}</b> — now press a code key (Esc cancels)")

    def show_running(self, running: set[str]) -> None:
        """Highlight the codes whose states are running at the playhead's clip position."""
        for code_id, button in self._buttons.items():
            bg = "#fff4d6" if code_id in running else "#ffffff"
            if self._colours.get(code_id) != bg:
                self._colours[code_id] = bg
                button.setStyleSheet(_CHIP.format(bg=bg))
