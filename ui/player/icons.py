"""Transport icons drawn as vector shapes, so they are crisp at any scale and light on the dark player.

Qt's standard media icons are dark glyphs meant for light toolbars; on a dark transport bar they vanish.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPainterPathStroker, QPen, QPixmap

_SIZE = 48  # drawn at 48 px on a 24-unit grid, shown at 20–28 px


def _triangle(path: QPainterPath, x: float, width: float, pointing_right: bool = True) -> None:
    tip, base = (x + width, x) if pointing_right else (x, x + width)
    path.moveTo(base, 5)
    path.lineTo(tip, 12)
    path.lineTo(base, 19)
    path.closeSubpath()


def _play(path: QPainterPath) -> None:
    _triangle(path, 7, 12)


def _pause(path: QPainterPath) -> None:
    path.addRoundedRect(QRectF(6.5, 5, 4, 14), 1, 1)
    path.addRoundedRect(QRectF(13.5, 5, 4, 14), 1, 1)


def _step_back(path: QPainterPath) -> None:
    path.addRect(QRectF(5, 6, 2.5, 12))
    _triangle(path, 9, 9, pointing_right=False)
    path.addRect(QRectF(18, 6, 1.5, 12))


def _step_forward(path: QPainterPath) -> None:
    path.addRect(QRectF(4.5, 6, 1.5, 12))
    _triangle(path, 6, 9)
    path.addRect(QRectF(16.5, 6, 2.5, 12))


def _rewind(path: QPainterPath) -> None:
    _triangle(path, 2.5, 9.5, pointing_right=False)
    _triangle(path, 11.5, 9.5, pointing_right=False)


def _fast_forward(path: QPainterPath) -> None:
    _triangle(path, 2.5, 9.5)
    _triangle(path, 11.5, 9.5)


def _speaker(path: QPainterPath) -> None:
    path.moveTo(3, 9)
    path.lineTo(7, 9)
    path.lineTo(12, 4.5)
    path.lineTo(12, 19.5)
    path.lineTo(7, 15)
    path.lineTo(3, 15)
    path.closeSubpath()


def _volume(path: QPainterPath) -> None:
    _speaker(path)
    for radius in (4.0, 7.5):
        arc = QPainterPath()
        arc.arcMoveTo(QRectF(12 - radius, 12 - radius, 2 * radius, 2 * radius), -45)
        arc.arcTo(QRectF(12 - radius, 12 - radius, 2 * radius, 2 * radius), -45, 90)
        path.addPath(_stroke(arc, 1.6))


def _muted(path: QPainterPath) -> None:
    _speaker(path)
    cross = QPainterPath()
    cross.moveTo(15, 9)
    cross.lineTo(21, 15)
    cross.moveTo(21, 9)
    cross.lineTo(15, 15)
    path.addPath(_stroke(cross, 1.8))


def _stroke(line: QPainterPath, width: float) -> QPainterPath:
    """The outline of a line, so strokes are filled like the other shapes."""
    stroker = QPainterPathStroker()
    stroker.setWidth(width)
    stroker.setCapStyle(Qt.PenCapStyle.RoundCap)
    return stroker.createStroke(line)


_SHAPES: dict[str, Callable[[QPainterPath], None]] = {
    "play": _play,
    "pause": _pause,
    "step_back": _step_back,
    "step_forward": _step_forward,
    "rewind": _rewind,
    "fast_forward": _fast_forward,
    "volume": _volume,
    "muted": _muted,
}


def icon(name: str, colour: str = "#e8eaef", disabled: str = "#5a606b") -> QIcon:
    """The icon ``name`` (a key of the shapes above) in ``colour``, greyed when its button is disabled."""
    result = QIcon()
    for mode, fill in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled)):
        result.addPixmap(_render(_SHAPES[name], QColor(fill)), mode)
    return result


def _render(shape: Callable[[QPainterPath], None], colour: QColor) -> QPixmap:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    shape(path)
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(_SIZE / 24, _SIZE / 24)
    painter.setPen(QPen(Qt.PenStyle.NoPen))
    painter.setBrush(colour)
    painter.drawPath(path)
    painter.end()
    return pixmap
