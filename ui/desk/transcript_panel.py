"""The transcript beside the player: utterances that follow playback, the suggested codes, and a search over every
transcript in the workspace. It shows and signals; the desk's audio part (:mod:`bwvtool.ui.desk.desk_audio`)
loads the data and acts on the signals."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwvtool.media.frametimes import format_clock as clock

AUTOMATIC_NOTE = "AUTOMATIC transcript ({engine}, {model}): check every line against the audio"
PICKED_MARK = "▶ PICKED — a code key codes this line\n"
PICKED_BACKGROUND, PICKED_TEXT = QBrush(QColor("#ffd866")), QBrush(QColor("#20242b"))


class _List(QListWidget):
    """A list that leaves typed characters to the desk (they are code keys there, not a quick search).

    ``keyMoved`` says the reviewer moved its current row with a key (Up, Down, Page Up…) while the list had the
    keyboard. Nothing else does: ``currentRowChanged`` also fires when the list is filled or emptied (PySide's
    ``clear()`` removes the rows one at a time and the view moves the current row off each, to a row that is
    about to go), so it never stands for a choice the reviewer made."""

    keyMoved = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.text().isprintable() and event.text() and mods in (Qt.KeyboardModifier.NoModifier,
                                                                      Qt.KeyboardModifier.ShiftModifier):  # fmt: skip
            event.ignore()
            return
        before = self.currentRow()
        super().keyPressEvent(event)
        if self.currentRow() != before and self.currentRow() >= 0:
            self.keyMoved.emit(self.currentRow())


class TranscriptPanel(QWidget):
    seekRequested = Signal(int)  # ms
    utteranceChosen = Signal(int)  # the utterance the reviewer picked (click, arrow key in the list)
    acceptRequested = Signal(int)  # suggestion id
    dismissRequested = Signal(int)
    searchRequested = Signal(str)
    hitActivated = Signal(str, int)  # clip id, ms
    importRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picked: int | None = None  # the row shown as picked for coding
        self._init_widgets()
        self._init_layout()
        self._connect_signals()

    def _init_widgets(self) -> None:
        self.header = QLabel("No transcript")
        self.header.setWordWrap(True)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip(
            "Store a WebVTT, SRT or Word (.docx) transcript as this clip's next version"
        )
        self.import_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # code keys stay with the desk
        self.lines = _List()
        self.lines.setObjectName("utterances")
        self.lines.setWordWrap(True)
        self.suggestions_title = QLabel("Suggested codes (Alt+Enter accept, Alt+Backspace dismiss)")
        self.suggestions = _List()
        self.suggestions.setObjectName("suggestions")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search all transcripts (Ctrl+T)…")
        self.hits = _List()
        self.hits.setObjectName("hits")

    def _init_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addWidget(self.lines, 3)
        layout.addWidget(self.suggestions_title)
        layout.addWidget(self.suggestions, 1)
        layout.addWidget(self.search)
        layout.addWidget(self.hits, 1)

    def _connect_signals(self) -> None:
        # Only the reviewer's own click or key picks a line (see _List): never a change of the current row alone.
        self.lines.itemClicked.connect(lambda item: self._choose(self.lines.row(item)))
        self.lines.keyMoved.connect(self._choose)
        self.suggestions.itemActivated.connect(
            lambda item: self.acceptRequested.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        self.suggestions.itemClicked.connect(self._suggestion_seek)
        self.suggestions.keyMoved.connect(lambda row: self._suggestion_seek(self.suggestions.item(row)))
        self.import_button.clicked.connect(self.importRequested)
        self.search.returnPressed.connect(lambda: self.searchRequested.emit(self.search.text()))
        self.hits.itemActivated.connect(
            lambda item: self.hitActivated.emit(*item.data(Qt.ItemDataRole.UserRole))
        )

    # -- content ------------------------------------------------------------------------------------------------
    def set_transcript(self, found) -> None:
        """``found``: a :class:`~bwvtool.transcripts.library.ClipTranscript`, or None."""
        self._picked = None
        self.lines.clear()
        if found is None:
            self.header.setText("No transcript for this clip: Import… one (WebVTT, SRT or Word)")
            return
        t = found.transcript
        if found.automatic:
            self.header.setText(AUTOMATIC_NOTE.format(engine=t.engine, model=t.model))
            self.header.setStyleSheet("color: #e5c07b; font-weight: bold")
        else:
            self.header.setText(f"Transcript v{t.version}, imported from {t.format.upper()}")
            self.header.setStyleSheet("")
        for u in found.utterances:
            item = QListWidgetItem(f"{clock(u.start_ms)}  {u.speaker or ''}\n{u.text}")
            item.setData(Qt.ItemDataRole.UserRole, u.start_ms)
            self.lines.addItem(item)

    def set_suggestions(self, suggestions: list[dict]) -> None:
        current = self.current_suggestion()
        self.suggestions.clear()
        for s in suggestions:
            if s["status"] == "dismissed":
                continue
            mark = "✓ " if s["status"] == "accepted" else ""
            rule = "" if s["rule"] == s["code"] else f" ({s['rule'].replace('_', ' ')})"
            item = QListWidgetItem(f"{mark}{clock(s['onset_ms'])}  {s['code']}{rule} — “{s['evidence']}”")
            item.setData(Qt.ItemDataRole.UserRole, s["id"])
            item.setData(Qt.ItemDataRole.UserRole + 1, s["onset_ms"])
            item.setToolTip(f"{s['rule']}: {s['reason']}")
            if s["status"] == "accepted":
                item.setForeground(QColor("#98c379"))
            self.suggestions.addItem(item)
            if s["id"] == current:
                self.suggestions.setCurrentItem(item)

    def set_hits(self, hits: list[dict]) -> None:
        self.hits.clear()
        for h in hits:
            auto = "[automatic] " if h["origin"] == "automatic" else ""
            item = QListWidgetItem(f"{h['clip_id']}  {clock(h['start_ms'])}  {auto}{h['text']}")
            item.setData(Qt.ItemDataRole.UserRole, (h["clip_id"], h["start_ms"]))
            self.hits.addItem(item)
        if not hits:
            self.hits.addItem("(no transcript says that)")

    # -- following playback, choosing -----------------------------------------------------------------------------
    def follow(self, index: int | None) -> None:
        """Highlight the utterance playing now without seeking (it is not picked for coding)."""
        if index is None:
            self.lines.clearSelection()
        elif index != self.lines.currentRow():
            self.lines.setCurrentRow(index)
            self.lines.scrollToItem(self.lines.item(index))

    def choose(self, index: int) -> None:
        """Pick utterance ``index`` (as a click does): it is picked for coding and the player goes there."""
        if 0 <= index < self.lines.count():
            self.lines.setCurrentRow(index)
            self._choose(index)

    def _choose(self, index: int) -> None:
        if 0 <= index < self.lines.count():
            self.utteranceChosen.emit(index)
            self.seekRequested.emit(self.lines.item(index).data(Qt.ItemDataRole.UserRole))

    def show_picked(self, index: int | None) -> None:
        """Mark the line picked for coding (a coloured row saying so), or none."""
        for row in (self._picked, index):
            item = self.lines.item(row) if row is not None else None
            if item is None:
                continue
            text = item.text().removeprefix(PICKED_MARK)
            item.setText(PICKED_MARK + text if row == index else text)
            item.setBackground(PICKED_BACKGROUND if row == index else QBrush())
            item.setForeground(PICKED_TEXT if row == index else QBrush())
        self._picked = index

    def current_suggestion(self) -> int | None:
        item = self.suggestions.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def choose_suggestion(self, step: int) -> None:
        """Move to the next (or previous) suggestion in the list and show it."""
        count = self.suggestions.count()
        if count:
            row = self.suggestions.currentRow()
            self.suggestions.setCurrentRow(
                (row + step) % count if row >= 0 else (0 if step > 0 else count - 1)
            )
            self._suggestion_seek(self.suggestions.currentItem())

    def _suggestion_seek(self, item: QListWidgetItem | None) -> None:
        if item is not None and item.data(Qt.ItemDataRole.UserRole + 1) is not None:
            self.seekRequested.emit(item.data(Qt.ItemDataRole.UserRole + 1))
