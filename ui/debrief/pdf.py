"""The debrief note as an A4 PDF, made without a browser: Qt's rich-text engine lays out the core's print HTML
(:func:`bwvtool.debrief.render_print`) and :class:`QPdfWriter` receives it page by page, with a running header
(the security marking) and a footer (the note, its version, "Page n of N") painted on every page.

The timeline arrives as SVG; Qt's rich text cannot show SVG, so it is rasterised here with :class:`QSvgRenderer`
at the page's full resolution (300 dpi) before layout.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtSvg import QSvgRenderer

from bwvtool.debrief import DebriefNote, render_print
from bwvtool.debrief.html import MARKING

DPI = 300
CSS_DPI = 96
MARGINS_MM = QMarginsF(17, 14, 17, 14)  # left, top, right, bottom
HEADER_PT = 18
FOOTER_PT = 24


def _application() -> QGuiApplication:
    """Qt needs an application object for fonts. Reuse the app's; else make a QApplication (not a bare
    QGuiApplication), so that widgets can still be created later in the same process."""
    app = QGuiApplication.instance()
    if app is None:
        from PySide6.QtWidgets import QApplication

        app = QApplication([sys.argv[0] if sys.argv else "bwvtool"])
    return app  # type: ignore[return-value]


def _points(pt: float) -> float:
    return pt * DPI / 72


def _raster_svg(svg: bytes, width: int) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg))
    size = renderer.defaultSize()
    height = max(1, round(width * size.height() / max(size.width(), 1)))
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    return image


def note_document(
    note: DebriefNote, css_width: float, *, raster_width: int, device: QPaintDevice | None = None
) -> QTextDocument:
    """The note laid out ``css_width`` CSS pixels wide, its images as document resources.

    :param raster_width: pixels to rasterise the timeline at (the device's pixels across the text width).
    :param device: lay out for this paint device (the PDF writer) instead of the screen.
    """
    printed = render_print(note, css_width)
    document = QTextDocument()
    if device is not None:
        document.documentLayout().setPaintDevice(device)  # point sizes resolve at the device's resolution
    document.setDocumentMargin(0)
    document.setDefaultFont(QFont("Helvetica", 10))
    for name, (mime, data) in printed.resources.items():
        image = _raster_svg(data, raster_width) if mime == "image/svg+xml" else QImage.fromData(data)
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(printed.html)
    return document


def _page(y: float, page_height: float) -> int:
    return int(y // page_height)


def _heading_before(document: QTextDocument, position: int) -> QTextBlock | None:
    """The heading directly above ``position`` (the first position of a table or block), if it is one."""
    block = document.findBlock(max(position - 1, 0))
    while block.isValid() and not block.text().strip() and block.blockFormat().headingLevel() == 0:
        block = block.previous()  # skip the empty block Qt keeps between a heading and a table
    return block if block.isValid() and block.blockFormat().headingLevel() > 0 else None


def _break_before(document: QTextDocument, position: int, frame=None) -> None:
    """Start a new page at the heading above ``position`` if there is one, else at the frame or block itself."""
    heading = _heading_before(document, position)
    if heading is not None:
        cursor = QTextCursor(heading)
        fmt = heading.blockFormat()
        fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        cursor.setBlockFormat(fmt)
    elif frame is not None:
        fmt = frame.frameFormat()
        fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        frame.setFrameFormat(fmt)


def keep_together(document: QTextDocument, page_height: float, passes: int = 40) -> None:
    """Qt's rich text has no ``page-break-inside: avoid``: move each table that would straddle a page break (a
    key moment: its still and its text) to the next page, together with a heading directly above it; and move a
    heading left alone at the foot of a page to the next one."""
    layout = document.documentLayout()
    for _ in range(passes):
        document.pageCount()  # lays the document out
        for frame in document.rootFrame().childFrames():
            rect = layout.frameBoundingRect(frame)
            if rect.height() < page_height * 0.9 and _page(rect.top(), page_height) != _page(
                rect.bottom() - 1, page_height
            ):
                _break_before(document, frame.firstPosition(), frame)
                break
        else:
            block = document.begin()
            while block.isValid():
                following = block.next()
                if block.blockFormat().headingLevel() > 0 and following.isValid():
                    here = layout.blockBoundingRect(block)
                    there = layout.blockBoundingRect(following)
                    if there.height() and _page(here.top(), page_height) != _page(
                        there.bottom() - 1, page_height
                    ):
                        _break_before(document, following.position())
                        break
                block = following
            else:
                return


def write_pdf(note: DebriefNote, path: str | Path) -> int:
    """Write ``note`` as an A4 PDF at ``path``; returns the number of pages."""
    _application()
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, MARGINS_MM,
                    QPageLayout.Unit.Millimeter)
    )  # fmt: skip
    writer.setTitle(f"Debrief note — {note.facts.officer_ref}, clip {note.facts.clip_id}")
    writer.setCreator("bwvtool")
    area = writer.pageLayout().paintRectPixels(DPI)
    width, height = float(area.width()), float(area.height())
    header, footer = _points(HEADER_PT), _points(FOOTER_PT)
    body = height - header - footer
    # Rich text sizes images in CSS pixels (1/96 in) and scales them to the device itself.
    document = note_document(note, width * CSS_DPI / DPI, raster_width=int(width), device=writer)
    document.setPageSize(QSizeF(width, body))
    keep_together(document, body)
    pages = document.pageCount()
    label = f"Debrief note · {note.facts.officer_ref} · clip {note.facts.clip_id}"
    label += f" · version {note.version}" if note.version else " · draft"
    painter = QPainter(writer)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    small = QFont("Helvetica")
    small.setPointSizeF(7.5)
    marking = QFont("Helvetica")
    marking.setPointSizeF(8)
    marking.setBold(True)
    for page in range(pages):
        if page:
            writer.newPage()
        painter.save()
        painter.translate(0, header - page * body)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = QRectF(0, page * body, width, body)
        painter.setClipRect(context.clip)
        document.documentLayout().draw(painter, context)
        painter.restore()
        painter.setFont(marking)
        painter.setPen(QColor("#7b241c"))
        painter.drawText(QRectF(0, 0, width, header * 0.8), Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         MARKING)  # fmt: skip
        top = height - footer + _points(8)
        painter.setPen(QPen(QColor("#d5d8dc"), _points(0.6)))
        painter.drawLine(0, int(top), int(width), int(top))
        painter.setFont(small)
        painter.setPen(QColor("#566573"))
        text_box = QRectF(0, top + _points(3), width, footer - _points(11))
        # The label and the page number keep clear of the centred marking (a long clip id or officer reference
        # is shortened in the middle rather than run into it).
        room = (width - QFontMetricsF(marking, writer).horizontalAdvance(MARKING)) / 2 - _points(10)
        fitted = QFontMetricsF(small, writer).elidedText(label, Qt.TextElideMode.ElideMiddle, room)
        painter.drawText(text_box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, fitted)
        painter.drawText(
            text_box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, f"Page {page + 1} of {pages}"
        )
        painter.setFont(marking)
        painter.setPen(QColor("#7b241c"))
        painter.drawText(text_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, MARKING)
    painter.end()
    return pages
