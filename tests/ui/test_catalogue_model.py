"""The catalogue browser (pure Python) and its Qt table model: pages arrive lazily, sorting and filtering run in
the store, and what the model returns matches the store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
from bwvtool.store import browse, open_workspace
from bwvtool.store.browse import PAGE_SIZE, ClipFilter, ClipSort
from bwvtool.ui import columns
from bwvtool.ui.browser import ClipBrowser
from bwvtool.ui.clip_table_model import ClipRowRole, ClipTableModel
from bwvtool.ui.columns import Col

BIG = 100_000


@pytest.fixture(scope="module")
def big_workspace(tmp_path_factory):
    """100,000 synthetic clips, imported as users import them."""
    folder = tmp_path_factory.mktemp("big")
    write_jsonl(folder / "big.jsonl", synthetic_rows(BIG, seed=3))
    ws = open_workspace(folder / "ws.sqlite", create=True)
    import_catalogue(ws, folder / "big.jsonl", actor="tester")
    yield ws
    ws.close()


def _column(model: ClipTableModel, col: Col) -> list[str]:
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def test_rows_arrive_by_pages_on_100k_clips(big_workspace, qtbot):
    browser = ClipBrowser(big_workspace.conn)
    model = ClipTableModel(browser)
    browser.refresh()
    assert (browser.total, browser.matching) == (BIG, BIG)
    assert model.rowCount() == PAGE_SIZE and model.canFetchMore(QModelIndex())

    inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 3 * PAGE_SIZE
    assert inserted == [(PAGE_SIZE, 2 * PAGE_SIZE - 1), (2 * PAGE_SIZE, 3 * PAGE_SIZE - 1)]
    # Three pages in a row are exactly the store's first rows in that order.
    expected = browse.fetch_clips(big_workspace.conn, None, browser.sort, limit=3 * PAGE_SIZE)
    assert _column(model, Col.CLIP) == [r.clip_id for r in expected]

    # A real view asks for more only as the user scrolls to the end, a page at a time.
    view = QTableView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    for _ in range(3):
        before = model.rowCount()
        view.scrollToBottom()
        qtbot.waitUntil(lambda before=before: model.rowCount() > before)
    assert model.rowCount() % PAGE_SIZE == 0 and model.rowCount() <= 12 * PAGE_SIZE < BIG


def test_sorting_runs_in_the_store_and_the_model_follows(big_workspace):
    browser = ClipBrowser(big_workspace.conn)
    model = ClipTableModel(browser)
    browser.refresh()
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    model.sort(Col.DURATION, Qt.SortOrder.DescendingOrder)
    assert resets and browser.sort == ClipSort("duration", True)
    top = browse.fetch_clips(big_workspace.conn, None, ClipSort("duration", True), limit=PAGE_SIZE)
    assert _column(model, Col.CLIP) == [r.clip_id for r in top]
    assert _column(model, Col.DURATION)[0] == columns.format_duration(top[0].duration_s)
    model.sort(Col.BOROUGH, Qt.SortOrder.AscendingOrder)
    boroughs = _column(model, Col.BOROUGH)
    assert boroughs == sorted(boroughs) and boroughs[0] == browse.boroughs(big_workspace.conn)[0]
    model.sort(Col.SOURCES)  # list columns are not sortable: nothing changes
    assert browser.sort == ClipSort("borough", False)


def test_filtering_on_100k_matches_the_store(big_workspace):
    conn = big_workspace.conn
    browser = ClipBrowser(conn)
    model = ClipTableModel(browser)
    browser.refresh()
    borough = browse.boroughs(conn)[3]
    flt = ClipFilter(borough=borough, source="stop_search")
    browser.set_filter(flt)
    assert browser.matching == browse.count_clips(conn, flt) < BIG
    assert set(_column(model, Col.BOROUGH)) == {borough}
    assert all("Stop and search" in s for s in _column(model, Col.SOURCES))
    # A rare match takes the scan-and-sort plan; the rows are the same.
    rare = ClipFilter(text="BWV0000999")
    browser.set_filter(rare)
    assert browse.is_sparse(browser.matching, browser.total)
    assert _column(model, Col.CLIP) == [
        r.clip_id for r in browse.fetch_clips(conn, rare, browser.sort, limit=PAGE_SIZE)
    ]
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == browser.matching == 100
    browser.set_filter(ClipFilter())
    assert browser.matching == BIG and model.rowCount() == PAGE_SIZE


def test_browser_events_without_qt(big_workspace):
    """The browser is plain Python: views learn of changes through its events."""
    browser = ClipBrowser(big_workspace.conn, page_size=10)
    seen = []
    browser.events.resetting.connect(lambda: seen.append("resetting"))
    browser.events.reset.connect(lambda: seen.append("reset"))
    browser.events.inserting.connect(lambda first, last: seen.append(("inserting", first, last)))
    browser.events.counts_changed.connect(lambda total, matching: seen.append(("counts", total, matching)))
    browser.refresh()
    assert browser.fetch_more() == 10
    assert seen == ["resetting", "reset", ("counts", BIG, BIG), ("inserting", 10, 19)]
    clip = browser.rows[15].clip_id
    assert browser.row_of(clip) == 15 and browser.row_of("nope") is None
    seen.clear()
    browser.set_filter(ClipFilter(text=clip))
    assert ("counts", BIG, 1) in seen and [r.clip_id for r in browser.rows] == [clip]
    assert browser.fetch_more() == 0 and not browser.has_more


def test_model_roles(big_workspace):
    browser = ClipBrowser(big_workspace.conn)
    model = ClipTableModel(browser)
    browser.refresh()
    row = browser.rows[0]
    assert model.data(model.index(0, Col.CLIP), ClipRowRole) == row
    assert model.data(model.index(0, Col.RECORDED)) == columns.format_recorded(row.recorded_ts)
    assert model.headerData(Col.RECORDED, Qt.Orientation.Horizontal) == "Recorded (UTC)"
    assert model.headerData(0, Qt.Orientation.Vertical) is None
    assert model.columnCount() == len(Col) and model.clip_at(10**9) is None


def test_formatting():
    assert columns.format_duration(75.4) == "1:15"
    assert columns.format_duration(3723) == "1:02:03"
    assert columns.format_recorded(1623681120) == "14 Jun 2021 14:32"
    assert columns.humanise("verbal_threat") == "Verbal threat"
