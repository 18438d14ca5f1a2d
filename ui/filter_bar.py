"""The row of filter controls above the catalogue table; it only builds a :class:`ClipFilter` and announces it."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QMouseEvent
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from bwvtool.catalogue import vocab
from bwvtool.store.browse import ClipFilter
from bwvtool.ui import theme
from bwvtool.ui.columns import SOURCE_LABELS

_NO_DATE = QDate(2000, 1, 1)  # the minimum date of the date boxes, shown as "Any"
TEXT_DEBOUNCE_MS = 250


def _to_date(value: QDate) -> date | None:
    return None if value == _NO_DATE else date(value.year(), value.month(), value.day())


class _DateBox(QDateEdit):
    """A date box whose minimum means "no bound"; its calendar opens on the catalogue's dates, not on 2000."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("d MMM yyyy")
        self.setMinimumDate(_NO_DATE)
        self.setSpecialValueText(placeholder)
        self.setDate(_NO_DATE)
        self.setMinimumWidth(118)
        self.open_on = QDate.currentDate()
        self._watching_calendar = False

    def _watch_calendar(self) -> None:
        """Qt makes the calendar on first use; asking for it sooner costs start-up time, so wait for focus."""
        if not self._watching_calendar:
            self._watching_calendar = True
            self.calendarWidget().installEventFilter(self)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._watch_calendar()
        super().focusInEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._watch_calendar()
        super().mousePressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self.date() == _NO_DATE:
            self.calendarWidget().setCurrentPage(self.open_on.year(), self.open_on.month())
        return False


class FilterBar(QWidget):
    """Free text, borough, source and a date range. Emits ``filter_changed(ClipFilter)``."""

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_state()
        self._init_widgets()
        self._init_layout()
        self._connect_signals()

    def _init_state(self) -> None:
        self._last = ClipFilter()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(TEXT_DEBOUNCE_MS)

    def _init_widgets(self) -> None:
        self.search = QLineEdit(placeholderText="Search clip, officer or borough")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(150)
        self.borough = QComboBox()
        self.borough.addItem("All boroughs", None)
        self._narrow(self.borough, 10)
        self.borough.setMaxVisibleItems(20)
        self.source = QComboBox()
        self.source.addItem("All sources", None)
        for value in vocab.SOURCES:
            self.source.addItem(SOURCE_LABELS[value], value)
        self._narrow(self.source, 10)
        self.date_from = _DateBox("Any date")
        self.date_to = _DateBox("Any date")
        self.clear = QPushButton("Clear filters")
        self.clear.setStyleSheet(theme.LINK_BUTTON_STYLE)
        self.clear.setCursor(Qt.CursorShape.PointingHandCursor)
        self.clear.setEnabled(False)

    @staticmethod
    def _narrow(box: QComboBox, chars: int) -> None:
        """As wide as ``chars`` characters at least, not as the longest choice (the popup shows every choice
        whole): the filter bar must not make the window wider than a laptop screen."""
        box.setMinimumContentsLength(chars)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

    def _init_layout(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.search, 3)
        layout.addWidget(self.borough, 1)
        layout.addWidget(self.source, 1)
        layout.addSpacing(6)
        layout.addWidget(theme.muted(QLabel("From")))
        layout.addWidget(self.date_from)
        layout.addWidget(theme.muted(QLabel("to")))
        layout.addWidget(self.date_to)
        layout.addWidget(self.clear)

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self._announce)
        self._debounce.timeout.connect(self._announce)
        self.borough.currentIndexChanged.connect(self._announce)
        self.source.currentIndexChanged.connect(self._announce)
        self.date_from.dateChanged.connect(self._announce)
        self.date_to.dateChanged.connect(self._announce)
        self.clear.clicked.connect(self.reset)

    # -- public -------------------------------------------------------------------------------------------
    def current(self) -> ClipFilter:
        """The filter the controls describe now (a reversed date range is read as the range between them)."""
        first, last = _to_date(self.date_from.date()), _to_date(self.date_to.date())
        if first and last and first > last:
            first, last = last, first
        return ClipFilter(
            text=self.search.text().strip(),
            borough=self.borough.currentData(),
            source=self.source.currentData(),
            date_from=first,
            date_to=last,
        )

    def set_boroughs(self, names: list[str]) -> None:
        """Fill the borough choices, keeping the current choice when it still exists."""
        chosen = self.borough.currentData()
        self.borough.blockSignals(True)
        self.borough.clear()
        self.borough.addItem("All boroughs", None)
        for name in names:
            self.borough.addItem(name, name)
        self.borough.setCurrentIndex(max(0, self.borough.findData(chosen)))
        self.borough.blockSignals(False)

    def set_date_hint(self, first: date, last: date) -> None:
        """Open the calendars on the catalogue's own dates."""
        self.date_from.open_on = QDate(first.year, first.month, first.day)
        self.date_to.open_on = QDate(last.year, last.month, last.day)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def reset(self) -> None:
        """Clear every control and announce the empty filter once."""
        for widget in (self.search, self.borough, self.source, self.date_from, self.date_to):
            widget.blockSignals(True)
        self.search.clear()
        self.borough.setCurrentIndex(0)
        self.source.setCurrentIndex(0)
        self.date_from.setDate(_NO_DATE)
        self.date_to.setDate(_NO_DATE)
        for widget in (self.search, self.borough, self.source, self.date_from, self.date_to):
            widget.blockSignals(False)
        self._debounce.stop()
        self._announce()

    def _announce(self) -> None:
        self._debounce.stop()
        flt = self.current()
        self.clear.setEnabled(not flt.is_empty())
        if flt != self._last:
            self._last = flt
            self.filter_changed.emit(flt)
