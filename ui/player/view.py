"""The video surface: paints the sink's latest picture letterboxed on black, plus banners and messages.

Painting the frame ourselves (rather than using QVideoWidget, a native window) keeps three things true: the
picture painted is exactly the frame whose time the counter shows, overlays such as the integrity banner can sit
on top of the video, and ``grab()`` works offscreen and under Xvfb for tests and screenshots.
``QVideoFrame.toImage()`` applies the stream's rotation, so rotated clips are painted upright. The conversion runs
only when a picture is painted (several frames arriving between two repaints cost one conversion).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent
from PySide6.QtMultimedia import QVideoFrame
from PySide6.QtWidgets import QSizePolicy, QWidget

from bwvtool.ui.theme import PLAYER_MUTED, PLAYER_TEXT

_BACKGROUND = QColor("#000000")
_BANNER = QColor("#b3261e")
_BANNER_TEXT = QColor("#ffffff")


class VideoView(QWidget):
    """Shows one :class:`QVideoFrame` at a time, with an optional red banner and a centred message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: QVideoFrame | None = None
        self._image: QImage | None = None  # the frame converted, once painted
        self._banner: str | None = None
        self._message: tuple[str, str] | None = ("No clip", "")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)

    def sizeHint(self) -> QSize:
        return QSize(960, 540)

    # -- content --------------------------------------------------------------------------------------------

    def set_frame(self, frame: QVideoFrame) -> None:
        self._frame = QVideoFrame(frame)  # shares the buffer; keeps it alive after the sink moves on
        self._image = None
        self._message = None
        self.update()

    def clear(self, title: str = "No clip", detail: str = "") -> None:
        """Drop the picture and show a message instead (e.g. why a clip cannot be shown)."""
        self._frame, self._image = None, None
        self._message = (title, detail)
        self.update()

    def set_banner(self, text: str | None) -> None:
        """A red bar across the top of the video (``None`` removes it)."""
        self._banner = text
        self.update()

    @property
    def banner(self) -> str | None:
        return self._banner

    @property
    def message(self) -> tuple[str, str] | None:
        return self._message

    def frame(self) -> QVideoFrame | None:
        """The frame being shown (``None`` if none)."""
        return self._frame

    def image(self) -> QImage | None:
        """The shown frame as an upright image (converted on demand)."""
        if self._image is None and self._frame is not None:
            self._image = self._frame.toImage()
        return self._image

    # -- painting -------------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), _BACKGROUND)
        image = self.image()
        if image is not None and not image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self._fit(image.size()), image)
        if self._message is not None:
            self._paint_message(painter, *self._message)
        if self._banner:
            self._paint_banner(painter, self._banner)
        painter.end()

    def _fit(self, size: QSize) -> QRectF:
        """The largest rectangle of the picture's shape centred in the widget."""
        scale = min(self.width() / max(size.width(), 1), self.height() / max(size.height(), 1))
        width, height = size.width() * scale, size.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def _paint_message(self, painter: QPainter, title: str, detail: str) -> None:
        box = self.rect().adjusted(32, 0, -32, 0)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(QColor(PLAYER_TEXT))
        title_rect = QRect(box.left(), box.center().y() - 40, box.width(), 36)
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, title)
        if detail:
            painter.setFont(self.font())
            painter.setPen(QColor(PLAYER_MUTED))
            detail_rect = QRect(box.left(), box.center().y(), box.width(), box.height() // 2)
            flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
            painter.drawText(detail_rect, flags, detail)

    def _paint_banner(self, painter: QPainter, text: str) -> None:
        font = QFont(self.font())
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        bounds = painter.boundingRect(self.rect().adjusted(16, 0, -16, 0), flags, text)
        bar = QRect(0, 0, self.width(), bounds.height() + 20)
        painter.fillRect(bar, _BANNER)
        painter.setPen(_BANNER_TEXT)
        painter.drawText(bar.adjusted(16, 0, -16, 0), flags, text)
