"""Asks for a code's modifiers after its key is pressed; answered with the keyboard alone.

Single choice: press the option's number (or arrow + Enter). Multiple choice: numbers toggle, Enter accepts.
Number: type it, Enter accepts. Escape cancels: the event is not recorded.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bwvtool.codebook.model import Code, ModifierSet


class _OptionList(QListWidget):
    """Options numbered 1–9; a number picks (single) or toggles (multiple)."""

    def __init__(self, modifier: ModifierSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.modifier = modifier
        self.multiple = modifier.type == "multiple"
        for number, option in enumerate(modifier.options, start=1):
            item = QListWidgetItem(f"{number}  {option.label}")
            item.setData(Qt.ItemDataRole.UserRole, option.id)
            if self.multiple:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                defaults = modifier.default or ()
                checked = option.id in defaults
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.addItem(item)
        default_row = (
            modifier.option_ids.index(modifier.default) if modifier.default in modifier.option_ids else 0
        )
        self.setCurrentRow(default_row)
        self.setMaximumHeight(22 * min(9, max(2, len(modifier.options))) + 6)

    def value(self) -> Any:
        if self.multiple:
            return [
                self.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked
            ]
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt)
        text = event.text()
        if text.isdigit() and 1 <= int(text) <= self.count():
            row = int(text) - 1
            self.setCurrentRow(row)
            if self.multiple:
                item = self.item(row)
                checked = item.checkState() == Qt.CheckState.Checked
                item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
            else:
                self.window().focusNextChild()
                dialog = self.window()
                if isinstance(dialog, ModifierPrompt) and dialog.is_last(self):
                    dialog.accept()
            return
        if text == " " and self.multiple and self.currentItem():
            item = self.currentItem()
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
            return
        super().keyPressEvent(event)


class ModifierPrompt(QDialog):
    def __init__(self, code: Code, actor_text: str, at_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(code.label)
        self.code = code
        self._inputs: dict[str, _OptionList | QDoubleSpinBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{code.label}</b> · {actor_text} · {at_text}"))
        form = QFormLayout()
        for modifier in code.modifiers:
            if modifier.type == "number":
                box = QDoubleSpinBox()
                box.setDecimals(0 if modifier.integer else 2)
                box.setRange(modifier.minimum or 0, modifier.maximum if modifier.maximum is not None else 1e9)
                if isinstance(modifier.default, int | float):
                    box.setValue(float(modifier.default))
                if modifier.unit:
                    box.setSuffix(f" {modifier.unit}")
                widget: _OptionList | QDoubleSpinBox = box
            else:
                widget = _OptionList(modifier)
            self._inputs[modifier.id] = widget
            form.addRow(modifier.label + ("" if modifier.type != "multiple" else " (numbers toggle)"), widget)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        first = next(iter(self._inputs.values()), None)
        if first is not None:
            first.setFocus()

    def is_last(self, widget: QWidget) -> bool:
        return list(self._inputs.values())[-1] is widget

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for modifier in self.code.modifiers:
            widget = self._inputs[modifier.id]
            if isinstance(widget, QDoubleSpinBox):
                value: Any = int(widget.value()) if modifier.integer else widget.value()
            else:
                value = widget.value()
            if value not in (None, []):
                result[modifier.id] = value
        return result
