"""The incident's timeline: one row per camera showing when it filmed on the incident clock, and a playhead.

Clips placed by their sound are drawn solid, clips placed by the catalogue only are drawn hatched (their place is
a guess to a second or so). A click or drag seeks every camera to that incident time.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

_ROW = 18
_LABEL = 130


@dataclass(frozen=True)
class Span:
    clip_id: str
    start_ms: float
    end_ms: float
    by_sound: bool


@dataclass(frozen=True)
class Mark:
    """An event on the incident clock: a point (``end_ms`` None) or a state (its end; a running state: the
    incident's end)."""

    start_ms: float
    end_ms: float | None
    label: str
    colour: str


class CoverageBar(QWidget):
    seekRequested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spans: list[Span] = []
        self.marks: list[Mark] = []
        self.position_ms: float | None = None
        self.setMinimumHeight(_ROW + 8)
        self.setToolTip(
            "When each camera filmed, on the incident clock (hatched: placed by the catalogue only)"
        )

    def set_spans(self, spans: list[Span]) -> None:
        self.spans = spans
        self.setMinimumHeight(_ROW * (max(len(spans), 1) + 1) + 8)
        self.update()

    def set_marks(self, marks: list[Mark]) -> None:
        """The incident's events, drawn on a row of their own under the cameras."""
        self.marks = marks
        self.update()

    def set_position(self, ms: float) -> None:
        self.position_ms = ms
        self.update()

    @property
    def end_ms(self) -> float:
        return max((s.end_ms for s in self.spans), default=0.0)

    def x_of(self, ms: float) -> float:
        width = max(self.width() - _LABEL - 8, 1)
        return _LABEL + width * (ms / self.end_ms if self.end_ms else 0.0)

    def ms_at(self, x: float) -> float:
        width = max(self.width() - _LABEL - 8, 1)
        return min(max((x - _LABEL) / width, 0.0), 1.0) * self.end_ms

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        for row, span in enumerate(self.spans):
            top = 4 + row * _ROW
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(4, top, _LABEL - 8, _ROW), Qt.AlignmentFlag.AlignVCenter, span.clip_id)
            bar = QRectF(
                self.x_of(span.start_ms), top + 3, self.x_of(span.end_ms) - self.x_of(span.start_ms), _ROW - 6
            )
            colour = QColor("#2f7fc1")
            style = Qt.BrushStyle.SolidPattern if span.by_sound else Qt.BrushStyle.BDiagPattern
            painter.setPen(QPen(colour))
            painter.setBrush(QBrush(colour, style))
            painter.drawRect(bar)
        if self.spans:
            self._paint_marks(painter, 4 + len(self.spans) * _ROW)
        if self.position_ms is not None and self.spans:
            x = self.x_of(self.position_ms)
            painter.setPen(QPen(QColor("#d62728"), 2))
            painter.drawLine(int(x), 0, int(x), self.height())
        painter.end()

    def _paint_marks(self, painter: QPainter, top: float) -> None:
        painter.setPen(self.palette().text().color())
        painter.drawText(QRectF(4, top, _LABEL - 8, _ROW), Qt.AlignmentFlag.AlignVCenter, "codes")
        for mark in self.marks:
            colour = QColor(mark.colour)
            x = self.x_of(mark.start_ms)
            if mark.end_ms is None:  # a point: a diamond
                painter.setPen(QPen(colour.darker(130)))
                painter.setBrush(QBrush(colour))
                middle = top + _ROW / 2
                painter.drawPolygon([QPointF(x, middle - 6), QPointF(x + 5, middle), QPointF(x, middle + 6),
                                     QPointF(x - 5, middle)])  # fmt: skip
            else:
                painter.setPen(QPen(colour.darker(130)))
                painter.setBrush(QBrush(colour))
                painter.drawRect(QRectF(x, top + 4, max(self.x_of(mark.end_ms) - x, 2), _ROW - 8))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.spans and event.position().x() >= _LABEL:
            self.seekRequested.emit(self.ms_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.mousePressEvent(event)
