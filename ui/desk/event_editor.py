"""Edit one event: its code (another of the same kind), actor, modifiers, note and star, as one undoable change."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from bwvtool.codebook.model import Code, Codebook
from bwvtool.coding.actors import actor_label
from bwvtool.coding.model import Event
from bwvtool.ui.timeline.geometry import format_ms


def actor_choices(code: Code, numbers: int = 9) -> list[str]:
    """Every actor a code may be recorded for: officer_1…9, subject_1…9, third_party."""
    found: list[str] = []
    for kind in code.actors:
        found += ["third_party"] if kind == "third_party" else [f"{kind}_{n}" for n in range(1, numbers + 1)]
    return found


class EventEditor(QDialog):
    def __init__(self, event: Event, codebook: Codebook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edited = event
        self.codebook = codebook
        current = codebook.code(event.code)
        self.setWindowTitle(f"Edit {current.label}")
        span = format_ms(event.onset_ms) + (
            f" – {format_ms(event.offset_ms)}" if event.offset_ms is not None else ""
        )
        self.code = QComboBox()
        for code in codebook.codes:
            if code.type == current.type:  # a point stays a point, a state a state
                self.code.addItem(f"{code.label}  ({codebook.track(code.track).label})", code.id)
        self.code.setCurrentIndex(self.code.findData(event.code))
        self.actor = QComboBox()
        self.note = QPlainTextEdit(event.note or "")
        self.note.setFixedHeight(70)
        self.starred = QCheckBox("Key moment (★) for the debrief")
        self.starred.setChecked(event.starred)
        self.modifiers_hint = QLabel()
        form = QFormLayout()
        form.addRow("Code", self.code)
        form.addRow("Actor", self.actor)
        form.addRow("Modifiers", self.modifiers_hint)
        form.addRow("Note", self.note)
        form.addRow("", self.starred)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{span}</b>, frame {event.onset_frame}"))
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.code.currentIndexChanged.connect(self._code_changed)
        self._code_changed()
        self.actor.setCurrentIndex(max(0, self.actor.findData(event.actor)))

    def chosen_code(self) -> Code:
        return self.codebook.code(self.code.currentData())

    def _code_changed(self) -> None:
        code = self.chosen_code()
        keep = self.actor.currentData() or self.edited.actor
        self.actor.clear()
        for actor in actor_choices(code):
            self.actor.addItem(actor_label(actor), actor)
        self.actor.setCurrentIndex(max(0, self.actor.findData(keep)))
        same = code.id == self.edited.code
        if not code.modifiers:
            self.modifiers_hint.setText("none")
        elif same:
            self.modifiers_hint.setText(
                ", ".join(f"{k}: {v}" for k, v in self.edited.modifiers.items()) or "—"
            )
        else:
            self.modifiers_hint.setText("asked for after OK")

    def changes(self) -> dict[str, Any]:
        """The fields to change (modifiers are asked for separately when the code changes)."""
        code = self.chosen_code()
        return {
            "code": code.id,
            "track": code.track,
            "actor": self.actor.currentData(),
            "note": self.note.toPlainText().strip() or None,
            "starred": self.starred.isChecked(),
        }
