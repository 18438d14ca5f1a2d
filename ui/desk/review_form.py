"""The clip review form, built from the codebook's clip-level items. Every answer is committed as it is given;
"Mark complete" is refused until each required item is answered.

Keyboard: Tab moves between items; a choice opens with Up/Down; a multiple-choice item is a checkable list where
Up/Down move, Space toggles the current option and the number keys 1–9 (0 for the tenth) toggle that option.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from bwvtool.codebook.model import Codebook, ReviewItem, is_unanswered
from bwvtool.coding import review
from bwvtool.errors import BwvError, ChangedElsewhere
from bwvtool.store import Workspace

_UNANSWERED = "—"


class MultipleChoice(QListWidget):
    """A multiple-choice review item as a compact checkable list; each toggle emits the new answer at once.

    Up/Down move, Space toggles the current option, 1–9 (0: the tenth) toggle that option. Ticking an exclusive
    option (``none``) clears the others and ticking another option clears it (:meth:`ReviewItem.toggle`).
    """

    changed = Signal(object)  # the new answer: a sorted list of option ids, or None

    def __init__(self, item: ReviewItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review_item = item
        self._value: list[str] | None = None
        for number, option in enumerate(item.options, start=1):
            key = str(number % 10) if number <= 10 else " "
            row = QListWidgetItem(f"{key}  {option.label}")
            row.setData(Qt.ItemDataRole.UserRole, option.id)
            row.setFlags(
                Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable
            )
            row.setCheckState(Qt.CheckState.Unchecked)
            row.setToolTip(option.description)
            self.addItem(row)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCurrentRow(0)
        rows = max(1, self.count())
        self.setFixedHeight(self.sizeHintForRow(0) * rows + 2 * self.frameWidth() + 2)
        self.itemChanged.connect(self._clicked)  # a mouse click on a check box

    def value(self) -> list[str] | None:
        return list(self._value) if self._value else None

    def set_value(self, value: Any) -> None:
        """Show ``value`` (a stored answer) without emitting :attr:`changed`."""
        self._value = self.review_item.normalise(value) if isinstance(value, list | tuple) else None
        chosen = set(self._value or ())
        self.blockSignals(True)
        for row in range(self.count()):
            widget_item = self.item(row)
            checked = widget_item.data(Qt.ItemDataRole.UserRole) in chosen
            widget_item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.blockSignals(False)

    def toggle_row(self, row: int) -> None:
        """Tick or untick the option in ``row`` and emit the new answer."""
        if not 0 <= row < self.count():
            return
        self.setCurrentRow(row)
        new = self.review_item.toggle(self._value, self.item(row).data(Qt.ItemDataRole.UserRole))
        self.set_value(new)
        self.changed.emit(self.value())

    def _clicked(self, widget_item: QListWidgetItem) -> None:
        # Qt has already flipped the box; the answer is worked out from the stored value, then shown.
        self.toggle_row(self.row(widget_item))

    def event(self, event: QEvent) -> bool:
        # Space is the player's play/pause shortcut on the desk: inside this list it toggles an option instead.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt)
        text = event.text()
        plain = (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier) == Qt.KeyboardModifier.NoModifier
        if plain and text.isdigit() and len(text) == 1:
            self.toggle_row(int(text) - 1 if text != "0" else 9)
            return
        if plain and event.key() == Qt.Key.Key_Space:
            self.toggle_row(self.currentRow())
            return
        super().keyPressEvent(event)


class ReviewForm(QWidget):
    saved = Signal(str)  # a status message after each commit
    failed = Signal(str)
    completed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.assignment_id: int | None = None
        self.version = 0  # the stored review's version as last read or saved here (0: none saved)
        self.coder_id: int | None = None
        self._inputs: dict[str, QComboBox | QPlainTextEdit | MultipleChoice] = {}
        self._typing: list[QTimer] = []  # text answers wait for a pause in typing; flush() saves them at once
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status = QLabel()
        self.body = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        self.complete_button = QPushButton("Mark review complete")
        self.complete_button.clicked.connect(self.mark_complete)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.complete_button)

    def flush(self) -> None:
        """Save text still waiting for a pause in typing (leaving the field or the clip, quitting)."""
        for timer in self._typing:
            if timer.isActive():
                timer.stop()
                timer.timeout.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if event.type() == QEvent.Type.FocusOut and isinstance(watched, QPlainTextEdit):
            self.flush()
        return False

    def load(
        self,
        ws: Workspace,
        *,
        clip_id: str,
        coder: str,
        coder_id: int,
        codebook: Codebook,
        codebook_id: int,
        assignment_id: int | None = None,
    ) -> None:
        self.flush()  # the previous clip's typed text belongs to the previous clip
        self.assignment_id = assignment_id  # the review belongs to the assignment being worked on
        self.ws, self.clip_id, self.coder, self.codebook, self.codebook_id = (
            ws,
            clip_id,
            coder,
            codebook,
            codebook_id,
        )
        self.coder_id = coder_id
        loaded = review.load_review(ws, clip_id, coder_id, assignment_id)
        answers, state, self.version = loaded.answers, loaded.status, loaded.version
        self._build(codebook.review_items)
        self._loading = True
        for item in codebook.review_items:
            self._set_widget(item, answers.get(item.id))
        self._loading = False
        self._show_state(state, answers)

    def _build(self, items: tuple[ReviewItem, ...]) -> None:
        old = self.body.layout()
        if old is not None:
            QWidget().setLayout(old)  # reparent the old layout so it is deleted
        self._inputs = {}
        self._typing = []
        outer = QVBoxLayout(self.body)
        sections: dict[str, QFormLayout] = {}
        for item in items:
            title = item.section or "Review"
            if title not in sections:
                box = QGroupBox(title)
                sections[title] = QFormLayout(box)
                outer.addWidget(box)
            label = QLabel(item.label + (" *" if item.required else ""))
            label.setWordWrap(True)
            if item.help:
                label.setToolTip(item.help)
            widget = self._make_widget(item)
            widget.setToolTip(item.help)
            self._inputs[item.id] = widget
            sections[title].addRow(label, widget)
        outer.addStretch(1)

    def _make_widget(self, item: ReviewItem) -> QComboBox | QPlainTextEdit | MultipleChoice:
        if item.type == "multiple":
            options = MultipleChoice(item)
            options.changed.connect(lambda value, i=item: self._answer(i, value))
            return options
        if item.type == "text":
            edit = QPlainTextEdit()
            edit.setFixedHeight(64)
            edit.setTabChangesFocus(
                True
            )  # Tab moves to the next review item; it is never typed into an answer
            timer = QTimer(edit, singleShot=True, interval=600)  # commit once typing pauses
            edit.textChanged.connect(timer.start)
            timer.timeout.connect(lambda i=item, e=edit: self._answer(i, e.toPlainText().strip() or None))
            edit.installEventFilter(self)  # leaving the field saves at once
            self._typing.append(timer)
            return edit
        combo = QComboBox()
        combo.addItem(_UNANSWERED, None)
        if item.type == "choice":
            for option in item.options:
                combo.addItem(option.label, option.id)
        elif item.type == "yes_no":
            combo.addItem("Yes", "yes")
            combo.addItem("No", "no")
        else:
            for value in range(5):
                anchor = item.anchors[value] if value < len(item.anchors) else ""
                combo.addItem(f"{value}" + (f" – {anchor}" if anchor else ""), value)
        combo.currentIndexChanged.connect(lambda _i, it=item, c=combo: self._answer(it, c.currentData()))
        return combo

    def _set_widget(self, item: ReviewItem, value: Any) -> None:
        widget = self._inputs[item.id]
        widget.blockSignals(True)  # showing a stored answer is not a new answer
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value or "")
        elif isinstance(widget, MultipleChoice):
            widget.set_value(value)
        else:
            widget.setCurrentIndex(max(0, widget.findData(value)) if value is not None else 0)
        widget.blockSignals(False)

    def focus_first(self) -> None:
        """Focus the first unanswered required field (else the first field)."""
        for item in self.codebook.review_items:
            widget = self._inputs[item.id]
            if item.required and isinstance(widget, QComboBox | MultipleChoice) and self._empty(widget):
                widget.setFocus()
                return
        first = next(iter(self._inputs.values()), None)
        if first is not None:
            first.setFocus()

    @staticmethod
    def _empty(widget: QComboBox | MultipleChoice) -> bool:
        return widget.value() is None if isinstance(widget, MultipleChoice) else widget.currentData() is None

    def answer(self, item_id: str, value: Any) -> None:
        """Set an answer as if the coder chose it (used by tests and keyboard shortcuts)."""
        item = self.codebook.review_item(item_id)
        value = item.normalise(value)
        self._set_widget(item, value)
        self._answer(item, value)

    def _answer(self, item: ReviewItem, value: Any) -> None:
        if self._loading or self.ws is None:
            return
        try:
            answers = review.save_answer(
                self.ws, **self._this_review(), item_id=item.id, value=value, version=self.version
            )
        except ChangedElsewhere as exc:
            self._reload_after(exc)
            return
        except BwvError as exc:
            self.failed.emit(str(exc))
            return
        self.version += 1
        self._show_state("draft", answers)
        self.saved.emit(f"Saved: {item.label}")

    def _show_state(self, state: str, answers: dict[str, Any]) -> None:
        missing = [
            i.label for i in self.codebook.review_items if i.required and is_unanswered(answers.get(i.id))
        ]
        if state == "complete":
            self.status.setText("<b style='color:#2e7d32'>Review complete</b>")
        elif missing:
            self.status.setText(f"Draft · {len(missing)} required item(s) unanswered")
        else:
            self.status.setText("Draft · all required items answered")
        self.complete_button.setEnabled(state != "complete" and not missing)

    def _this_review(self) -> dict[str, Any]:
        """The review this form shows, named as the core's review functions (and :meth:`load`) name it."""
        return {
            "clip_id": self.clip_id,
            "coder": self.coder,
            "codebook": self.codebook,
            "codebook_id": self.codebook_id,
            "assignment_id": self.assignment_id,
        }

    def mark_complete(self) -> bool:
        if self.ws is None:
            return False
        try:
            review.complete(self.ws, **self._this_review(), version=self.version)
        except ChangedElsewhere as exc:
            self._reload_after(exc)
            return False
        except BwvError as exc:
            self.failed.emit(str(exc))
            return False
        self.version += 1
        self._show_state("complete", {})
        self.saved.emit(f"Review of {self.clip_id} marked complete")
        self.completed.emit()
        return True

    def follow_store(self) -> bool:
        """Show the review as stored when someone else saved it since this form read it (not while an answer is
        being typed here); True when it was re-read."""
        if self.ws is None or self._loading or any(timer.isActive() for timer in self._typing):
            return False
        if (
            review.load_review(self.ws, self.clip_id, self.coder_id, self.assignment_id).version
            == self.version
        ):
            return False
        self.load(self.ws, **self._this_review(), coder_id=self.coder_id)
        self.saved.emit("The review was saved at another desk: shown as stored")
        return True

    def _reload_after(self, exc: ChangedElsewhere) -> None:
        """Someone else saved this review since it was read: show what is stored now, never overwrite it."""
        for timer in self._typing:
            timer.stop()  # what was being typed was answered against the old review: it goes with the reload
        self.load(self.ws, **self._this_review(), coder_id=self.coder_id)
        self.failed.emit(f"{exc} — reloaded")
