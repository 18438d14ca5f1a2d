"""The main window on a demo workspace: real rows, sorting by header, the filter bar, player area, status bar,
menus; and `bwvtool gui` end to end in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox

from bwvtool.demo import build_demo
from bwvtool.demo.incident import CAMERAS
from bwvtool.store import audit, browse, open_workspace
from bwvtool.store.browse import PAGE_SIZE, ClipFilter, ClipSort
from bwvtool.ui.clip_table_view import SORT_ARROW
from bwvtool.ui.columns import Col
from bwvtool.ui.filter_bar import TEXT_DEBOUNCE_MS
from bwvtool.ui.main_window import MainWindow

CLIPS = 1_500
SHOWN = CLIPS + CAMERAS  # the synthetic catalogue and the demo incident's cameras


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo"), clips=CLIPS, actor="tester").db


@pytest.fixture
def window(demo_db, qtbot):
    win = MainWindow(open_workspace(demo_db), "tester")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.ready, timeout=30_000):
        win.show()
    return win


def _clip_ids(win: MainWindow) -> list[str]:
    model = win.model
    return [model.data(model.index(r, Col.CLIP)) for r in range(model.rowCount())]


def _store_ids(win: MainWindow, flt: ClipFilter, sort: ClipSort) -> list[str]:
    return [r.clip_id for r in browse.fetch_clips(win.workspace.conn, flt, sort, limit=PAGE_SIZE)]


def test_window_shows_real_rows_newest_first(window):
    conn = window.workspace.conn
    newest = conn.execute(
        "SELECT clip_id FROM clips ORDER BY recorded_ts DESC, rowid DESC LIMIT 1"
    ).fetchone()[0]
    assert window.model.rowCount() == PAGE_SIZE and _clip_ids(window)[0] == newest
    assert window.status_counts.text() == f"{SHOWN:,} clips"
    assert window.status_user.text() == "User: tester"
    assert window.status_path.toolTip() == str(window.workspace.path.resolve())
    assert window.status_path.text().endswith(window.workspace.path.name)
    assert "All changes saved" in window.status_saved.text()
    assert window.windowTitle().startswith(window.workspace.path.name)
    assert window.filter_bar.borough.count() == 1 + len(browse.boroughs(conn))


def test_the_current_clip_fills_the_player_area(window, qtbot):
    rows = window.browser.rows
    assert window.player.clip == rows[0] and window.player.title.text() == rows[0].clip_id
    qtbot.keyClick(window.table, Qt.Key.Key_Down)  # the keyboard moves through the clips
    assert window.player.clip == rows[1]

    videos = [r for r, row in enumerate(rows) if row.media_path]
    assert videos, "the demo puts its clips with video among the newest rows"
    window.table.selectRow(videos[0])
    clip = rows[videos[0]]
    assert window.player.clip == clip and window.player.title.text() == clip.clip_id
    assert os.path.basename(clip.media_path) in window.player.surface_label.text()

    window.filter_bar.search.setText("no clip is called this")
    qtbot.keyClick(window.filter_bar.search, Qt.Key.Key_Return)
    assert window.browser.matching == 0 and window.player.clip is None
    assert window.player.empty_title.isVisible()
    window.filter_bar.reset()
    assert window.player.clip == rows[0]


def test_header_clicks_sort_in_the_store(window, qtbot):
    header = window.table.horizontalHeader()
    header.sectionClicked.emit(Col.DURATION)
    assert window.browser.sort == ClipSort("duration", False)
    assert _clip_ids(window) == _store_ids(window, ClipFilter(), ClipSort("duration", False))
    assert header.sortIndicatorSection() == Col.DURATION
    header.sectionClicked.emit(Col.DURATION)
    assert _clip_ids(window) == _store_ids(window, ClipFilter(), ClipSort("duration", True))
    header.sectionClicked.emit(Col.SOURCES)  # not sortable: order and arrow stay
    assert window.browser.sort == ClipSort("duration", True) and header.sortIndicatorSection() == Col.DURATION
    header.sectionClicked.emit(Col.OFFICER)
    assert _clip_ids(window) == _store_ids(window, ClipFilter(), ClipSort("officer", False))


def test_filter_bar_narrows_rows_as_the_store_does(window, qtbot):
    bar, conn = window.filter_bar, window.workspace.conn
    qtbot.keyClicks(bar.search, "nw")
    qtbot.waitUntil(lambda: window.browser.filter.text == "nw", timeout=TEXT_DEBOUNCE_MS * 10)
    expected = browse.count_clips(conn, ClipFilter(text="nw"))
    assert 0 < window.browser.matching == expected < SHOWN
    assert window.status_counts.text() == f"{expected:,} of {SHOWN:,} clips match"
    assert all("nw" in (r.officer_ref + r.borough + r.clip_id).lower() for r in window.browser.rows)

    borough = window.browser.rows[0].borough
    bar.borough.setCurrentIndex(bar.borough.findData(borough))
    bar.source.setCurrentIndex(bar.source.findData("stop_search"))
    flt = ClipFilter(text="nw", borough=borough, source="stop_search")
    assert window.browser.filter == flt
    assert _clip_ids(window) == _store_ids(window, flt, window.browser.sort)

    bar.reset()
    first, last = browse.recorded_range(conn)
    bar.date_to.setDate(QDate(first.year, first.month, 10))
    bar.date_from.setDate(QDate(first.year, first.month, 3))
    flt = ClipFilter(date_from=date(first.year, first.month, 3), date_to=date(first.year, first.month, 10))
    assert window.browser.filter == flt and window.browser.matching == browse.count_clips(conn, flt)
    assert bar.clear.isEnabled()
    window.action_clear.trigger()
    assert window.browser.filter == ClipFilter() and window.browser.matching == SHOWN
    assert not bar.clear.isEnabled() and window.status_counts.text() == f"{SHOWN:,} clips"


def test_backup_from_the_file_menu_is_audited(window, tmp_path):
    dest = tmp_path / "copy.sqlite"
    window.backup_to(dest)
    with open_workspace(dest) as copy:
        assert browse.count_clips(copy.conn) == SHOWN
    newest = audit.recent(window.workspace.conn, 1)[0]
    assert newest["action"] == "workspace.backup" and newest["actor"] == "tester"


def test_opening_another_workspace_and_a_bad_file(window, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    window.open_workspace_file(tmp_path / "missing.sqlite")
    assert warnings and "no workspace" in warnings[0]
    assert window.browser.total == SHOWN  # the open workspace stays

    other = build_demo(tmp_path / "small", clips=40, actor="tester").db
    window.open_workspace_file(other)
    small = 40 + CAMERAS
    assert (
        window.workspace.path == other and window.browser.total == small and window.model.rowCount() == small
    )


def test_opening_another_workspace_closes_the_incident_windows_of_the_old_one(window, tmp_path, qtbot):
    """An incident window shows the workspace it was opened on: switching workspace closes it (as quitting does)
    rather than leave it showing, and coding into, the old one."""
    from bwvtool.ui.incident import menu

    view = menu.open_incident(window, "INC-DEMO-1")
    assert view is not None and view.isVisible() and window._incident_views == [view]
    other = build_demo(tmp_path / "other", clips=20, actor="tester").db
    window.open_workspace_file(other)
    assert window.workspace.path == other
    assert window._incident_views == [] and not view.isVisible()


def _run_gui(db, *args, env_extra=None):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(db), "gui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_gui_command_starts_and_reports_ready(demo_db, tmp_path):
    shot = tmp_path / "shot.png"
    result = _run_gui(demo_db, "--exit-when-ready", "--screenshot", str(shot), "--select-row", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("bwvtool-ready ")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gui_on_a_missing_workspace_is_one_line_exit_2(tmp_path):
    result = _run_gui(tmp_path / "none.sqlite")
    assert result.returncode == 2 and "no workspace" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_gui_without_a_display_says_so(demo_db):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(demo_db), "gui"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    if sys.platform.startswith("linux"):
        assert result.returncode == 2 and "no display" in result.stderr
        assert result.stderr.strip().count("\n") == 0


def test_sigterm_closes_the_app_as_quit_does(demo_db, tmp_path):
    """A logout or shutdown sends SIGTERM: the app closes through its own close path (texts saved, jobs rolled
    back, the chain's head anchored as on Quit) and exits 0, its workspace worker with it."""
    import json
    import signal

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BWVTOOL_USER": "tester"}
    app = subprocess.Popen(
        [sys.executable, "-m", "bwvtool", "--db", str(demo_db), "gui", "--say-ready"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert app.stdout.readline().startswith("bwvtool-ready "), app.stderr.read()
        workers = Path(f"/proc/{app.pid}/task/{app.pid}/children").read_text().split()
        assert workers, "the app runs its workspace through a worker process"
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=60) == 0, app.stderr.read()
    finally:
        if app.poll() is None:
            app.kill()
    assert all(not os.path.exists(f"/proc/{pid}") for pid in workers)
    anchors = [json.loads(line) for path in (Path(os.environ["XDG_STATE_HOME"]) / "bwvtool").glob("*/*")
               for line in path.read_text().splitlines() if line.strip()]  # fmt: skip
    assert [a["reason"] for a in anchors] == ["app-close"], anchors


@pytest.mark.parametrize("scenario", ["close-quit", "close-wait", "open-quit", "open-wait"])
def test_the_app_ends_after_the_incident_window_was_used(demo_db, scenario):
    """Ctrl+Shift+I, the demo incident, Space; then the incident window closed (its players let go of their clips:
    no decoding thread left) or left open; then Ctrl+Q, or SIGTERM: the process ends, anchored as on Quit."""
    import json
    import signal

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BWVTOOL_USER": "tester"}
    app = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.helpers.incident_app", str(demo_db), "INC-DEMO-1", scenario],
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = [app.stdout.readline() for _ in range(2)]
        assert lines[0].startswith("bwvtool-ready ") and lines[1].startswith("incident-open "), (lines, app)
        playing, filming = lines[1].split()[1::2]
        assert playing == filming != "0", lines  # every camera filming then plays
        if scenario.startswith("close"):
            assert app.stdout.readline() == "incident-closed 0\n"  # the players let go of their clips
        if scenario.endswith("wait"):
            assert app.stdout.readline() == "waiting\n"
            app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=60) == 0
    finally:
        if app.poll() is None:
            app.kill()
        _out, errors = app.communicate()
    assert "Ambiguous" not in errors, errors
    anchors = [json.loads(line) for path in (Path(os.environ["XDG_STATE_HOME"]) / "bwvtool").glob("*/*")
               for line in path.read_text().splitlines() if line.strip()]  # fmt: skip
    assert [a["reason"] for a in anchors] == ["app-close"], anchors


NARROW_SCREEN = 1280  # a common laptop screen: the window, on any page and with any message, fits on it

LONG_MESSAGE = (
    "blind: sample 14 (Stop and search study (demo) (2026-12-05)) double-codes clips and is not yet opened; "
    "tester sees only their own work until the study lead runs 'bwvtool sample unblind 14'; reliability "
    "compares coders and waits until then " * 3
)


def test_no_page_or_message_makes_the_window_wider_than_a_laptop_screen(window, qtbot):
    for index in range(window.pages.count()):
        window.pages.setCurrentIndex(index)
        qtbot.wait(50)
        widths = [window.pages.widget(i).minimumSizeHint().width() for i in range(window.pages.count())]
        assert window.minimumSizeHint().width() < NARROW_SCREEN, (window.pages.tabText(index), widths)
    analysis = window.analysis
    qtbot.waitUntil(lambda: analysis.sample.count() > 0, timeout=20_000)
    analysis.runner.wait()
    window.show_page(analysis)
    analysis.reliability.show_error(LONG_MESSAGE)
    analysis.sequences.show_error(LONG_MESSAGE)
    analysis.reliability.placeholder.setText(LONG_MESSAGE)
    analysis.busy_label.setText(LONG_MESSAGE)
    analysis.busy.show()  # computing: the progress bar and its label take their room in the top row
    analysis.busy_label.show()
    analysis.sample.addItem("#99 " + "a very long sample name " * 10, 99)
    window.status_path.setText("/a/long/folder" * 30 + "/bwvtool.sqlite")
    window._show_saved(LONG_MESSAGE)
    qtbot.wait(50)
    assert window.minimumSizeHint().width() < NARROW_SCREEN
    assert window.status_path.toolTip().endswith("bwvtool.sqlite")  # the whole path is its tooltip
    assert analysis.busy_label.toolTip() == LONG_MESSAGE  # a shortened message is there in full


def test_a_saved_geometry_wider_than_the_screen_is_clamped(window):
    screen = window.screen().availableGeometry()
    window.setGeometry(screen.left() + 3000, screen.top() + 2000, 3000, 2000)  # as saved on a larger screen
    saved = window.saveGeometry()
    window.restore_geometry(saved)
    frame = window.frameGeometry()
    assert window.width() <= max(screen.width(), window.minimumSizeHint().width()) < 3000
    assert window.height() <= screen.height()
    assert screen.left() <= frame.left() and screen.top() <= frame.top()
    assert frame.left() < screen.right() and frame.top() < screen.bottom()


def _arrow_points_down(window, section: int) -> bool:
    """Read the sort arrow off the painted header: ▼ is widest at its top, ▲ at its bottom."""
    header = window.table.horizontalHeader()
    image = header.grab().toImage()
    left = header.sectionViewportPosition(section)
    right = left + header.sectionSize(section)
    background = image.pixelColor(right - 3, 2)
    arrow_zone = range(right - SORT_ARROW - 4, right)  # the room kept for the arrow, not the header's text
    widths = []
    for y in range(image.height()):
        dark = sum(
            1 for x in arrow_zone if abs(image.pixelColor(x, y).lightness() - background.lightness()) > 40
        )
        if dark:
            widths.append(dark)
    assert len(widths) >= 3, "no sort arrow drawn"
    return widths[0] > widths[-1]


def test_the_sort_arrow_matches_the_order(window, qtbot):
    header = window.table.horizontalHeader()
    assert window.browser.sort == ClipSort("recorded", True)  # newest first
    assert header.sortIndicatorSection() == Col.RECORDED and _arrow_points_down(window, Col.RECORDED)
    header.sectionClicked.emit(Col.RECORDED)  # oldest first
    assert window.browser.sort == ClipSort("recorded", False)
    assert not _arrow_points_down(window, Col.RECORDED)


def test_an_import_from_another_process_shows_in_the_open_window(tmp_path, qtbot):
    """A `bwvtool catalogue import` from a terminal into the open workspace: the clip count in the status bar and
    the rows catch up by themselves (as the desk and the dashboard follow work done elsewhere)."""
    from tests.conftest import SMALL_CATALOGUE

    db = build_demo(tmp_path / "small", clips=40, actor="tester").db
    window = MainWindow(open_workspace(db), "tester")
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=30_000):
        window.show()
    small = 40 + CAMERAS
    assert window.status_counts.text() == f"{small:,} clips"
    source = tmp_path / "more.csv"
    source.write_text(SMALL_CATALOGUE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(db), "catalogue", "import", str(source)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: window.status_counts.text() == f"{small + 3:,} clips", timeout=15_000)
    assert window.model.rowCount() == small + 3
    assert window.follow_catalogue() is False  # nothing new since: the rows stay where they are
