"""The catalogue browser's state, free of Qt: filter, sort, the rows loaded so far, and the counts.

Views observe it through :class:`Event` objects (napari's pattern): ``resetting``/``reset`` around a new filter or
sort, ``inserting``/``inserted`` around a page appended at the end. The Qt table model maps these onto
``beginResetModel``/``beginInsertRows``; tests drive the browser directly without a display.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any

from bwvtool.store import audit, browse
from bwvtool.store.browse import ClipFilter, ClipRow, ClipSort

CATALOGUE_ACTIONS = ("catalogue.", "clip.", "media.", "demo.")  # audited actions that change the clips shown


class Event:
    """A minimal observable: ``connect`` callbacks, ``emit`` calls them in order."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)


class BrowserEvents:
    def __init__(self) -> None:
        self.resetting = Event()
        self.reset = Event()
        self.inserting = Event()  # (first, last) row numbers about to be appended
        self.inserted = Event()
        self.counts_changed = Event()  # (total, matching)


class ClipBrowser:
    """Pages through the catalogue in the store: ``rows`` grows by ``page_size`` on each :meth:`fetch_more`."""

    def __init__(self, conn: sqlite3.Connection, page_size: int = browse.PAGE_SIZE) -> None:
        self.conn = conn
        self.page_size = page_size
        self.events = BrowserEvents()
        self.filter = ClipFilter()
        self.sort = ClipSort()
        self.rows: list[ClipRow] = []
        self.total = 0  # all clips in the workspace
        self.matching = 0  # clips passing the filter
        self._read_at = 0  # the newest audit row when the catalogue was last read (see follow)

    # -- reading ------------------------------------------------------------------------------------------
    @property
    def has_more(self) -> bool:
        return len(self.rows) < self.matching

    def refresh(self) -> None:
        """Recount and reload from the first page (after a filter or sort change, or new data)."""
        self.events.resetting.emit()
        self._read_at = audit.last_id(self.conn)
        self.total = browse.count_clips(self.conn)
        self.matching = self.total if self.filter.is_empty() else browse.count_clips(self.conn, self.filter)
        self.rows = self._page(0)
        self.events.reset.emit()
        self.events.counts_changed.emit(self.total, self.matching)

    def follow(self) -> bool:
        """Re-read (as :meth:`refresh`) when the catalogue was changed since it was read, by this process or another
        (a ``bwvtool catalogue import`` from a terminal, a media check): True when it did. Other work (coding,
        reviews) leaves the rows, and where the reviewer is in them, alone."""
        newest = audit.last_id(self.conn)
        if newest == self._read_at:
            return False
        if not audit.changed_since(self.conn, self._read_at, *CATALOGUE_ACTIONS):
            self._read_at = newest
            return False
        self.refresh()
        return True

    def fetch_more(self) -> int:
        """Append the next page; returns how many rows arrived (0 at the end)."""
        if not self.has_more:
            return 0
        page = self._page(len(self.rows))
        if not page:
            # Clips were removed by someone else since the count: the count is stale, not the rows.
            self.matching = len(self.rows)
            self.events.counts_changed.emit(self.total, self.matching)
            return 0
        first = len(self.rows)
        self.events.inserting.emit(first, first + len(page) - 1)
        self.rows.extend(page)
        self.events.inserted.emit()
        return len(page)

    def _page(self, offset: int) -> list[ClipRow]:
        sparse = browse.is_sparse(self.matching, self.total)
        return browse.fetch_clips(
            self.conn, self.filter, self.sort, offset=offset, limit=self.page_size, sparse=sparse
        )

    def row_of(self, clip_id: str) -> int | None:
        """The position of a loaded clip, or None when it is not (yet) loaded."""
        return next((i for i, row in enumerate(self.rows) if row.clip_id == clip_id), None)

    # -- changing what is shown ---------------------------------------------------------------------------
    def set_filter(self, flt: ClipFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self.refresh()

    def set_sort(self, sort: ClipSort) -> None:
        if sort != self.sort:
            self.sort = sort
            self.refresh()

    def boroughs(self) -> list[str]:
        """The boroughs in the catalogue, for the filter's choices."""
        return browse.boroughs(self.conn)

    def recorded_range(self) -> tuple[date, date] | None:
        """The first and last recording day, for the date filter's calendars."""
        return browse.recorded_range(self.conn)
