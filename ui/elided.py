"""A one-line label that never widens the window: a long text is shortened with … and shown whole in its tooltip.

A plain QLabel asks its layout for the width of its whole text, so one long message (a refusal, a long path) can
push the main window wider than the screen; this label asks for a few characters and elides the rest.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MIN_CHARS = 12  # the least a shortened text shows


class ElidedLabel(QLabel):
    """Plain text on one line, elided at ``mode`` when it does not fit; the full text is the tooltip when cut."""

    def __init__(
        self,
        text: str = "",
        parent: QWidget | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(parent)
        self.mode = mode
        self._tip = ""  # a tooltip set by the caller wins over the full text
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def setToolTip(self, tip: str) -> None:
        self._tip = tip
        super().setToolTip(tip or self._elided_tip())

    def setText(self, text: str) -> None:
        super().setText(text)
        super().setToolTip(self._tip or self._elided_tip())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().averageCharWidth() * MIN_CHARS), hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        super().setToolTip(self._tip or self._elided_tip())

    def shown_text(self) -> str:
        """The text as drawn at the current width."""
        room = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), self.mode, max(room, 0))

    def _elided_tip(self) -> str:
        return self.text() if self.shown_text() != self.text() else ""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(
            self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.shown_text()
        )
