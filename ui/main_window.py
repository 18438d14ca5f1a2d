"""The main window: catalogue table with its filter bar, the player area, menus and status bar."""

from __future__ import annotations

import sqlite3
import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwvtool import __version__
from bwvtool.anchors import backup_workspace, record_anchor_after
from bwvtool.errors import BwvError
from bwvtool.store import Workspace, browse, open_workspace
from bwvtool.store.postgres import display, is_server_location
from bwvtool.ui import theme
from bwvtool.ui.browser import ClipBrowser
from bwvtool.ui.clip_table_model import ClipTableModel
from bwvtool.ui.clip_table_view import ClipTableView
from bwvtool.ui.elided import ElidedLabel
from bwvtool.ui.filter_bar import FilterBar
from bwvtool.ui.incident import menu as incident_menu
from bwvtool.ui.jobs import CommandJob, JobResult, JobsPage, forms
from bwvtool.ui.jobs.page import codebook_summary, import_summary
from bwvtool.ui.player_panel import PlayerPanel
from bwvtool.wording import count

FOLLOW_EVERY_MS = 3000  # how often the window looks for catalogue changes made elsewhere (one index lookup)

DEFAULT_SIZE = (1600, 940)
PLAYER_WIDTH = 420
SAVED_TEXT = "● All changes saved"
SAVED_TIP = "Every change is committed to the workspace before it is shown as saved."
WORKSPACE_FILES = "bwvtool workspaces (*.sqlite *.sqlite3 *.db);;All files (*)"


def display_path(path: Path) -> str:
    """An absolute path, with the home folder shortened to ``~``; a team server's location as it prints."""
    if is_server_location(path):
        return display(str(path))
    path = path.resolve()
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def full_path(path: Path) -> str:
    """The workspace's whole location: the absolute file, or the server location (no password)."""
    return display(str(path)) if is_server_location(path) else str(path.resolve())


class MainWindow(QMainWindow):
    """Emits ``ready`` once, when the window is on screen and the table has painted its first rows."""

    ready = Signal()
    closed = Signal()  # Quit (or SIGTERM) went through: the app's process ends with it (bwvtool.ui.app.run)

    def __init__(self, workspace: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_state(workspace, user)
        self._init_widgets()
        self._init_layout()
        self._init_menus()
        self._connect_signals()
        self._attach_workspace(workspace)

    # -- construction -------------------------------------------------------------------------------------
    def _init_state(self, workspace: Workspace, user: str) -> None:
        self.workspace = workspace
        self.user = user
        self.browser: ClipBrowser | None = None
        self.model: ClipTableModel | None = None
        self._is_ready = False
        self._terminating = False  # SIGTERM: close without questions (see terminate)
        self._closed = False

    def _init_widgets(self) -> None:
        self.setWindowTitle("bwvtool")
        self._size_to_screen()
        self.pane_title = theme.heading(QLabel("Catalogue"))
        self.pane_subtitle = theme.muted(QLabel())
        self.filter_bar = FilterBar()
        self.table = ClipTableView()
        self.player = PlayerPanel()
        # The path elides in the middle (its file name stays): a long one never widens the window.
        self.status_path = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.status_counts = QLabel()
        self.status_user = QLabel()
        self.status_saved = QLabel(SAVED_TEXT, objectName="savedIndicator")
        self.status_saved.setToolTip(SAVED_TIP)

    def _size_to_screen(self) -> None:
        """1600 × 940 where the screen allows, else nine tenths of it."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = DEFAULT_SIZE
        if screen is not None and screen.width() > 0:
            width, height = min(width, screen.width() * 9 // 10), min(height, screen.height() * 9 // 10)
        self.resize(width, height)

    def restore_geometry(self, saved: QByteArray | bytes | None) -> None:
        """Where and how big the window was last time, clamped to this screen's available area: a window saved
        on a wider screen (or widened past the screen) opens whole, with its title bar and status bar in view."""
        if saved:
            self.restoreGeometry(QByteArray(saved))
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None or screen.width() <= 0:
            return
        if self.isMaximized() or self.isFullScreen():
            return
        # The title bar and borders, once the window manager has drawn them (none before the first show).
        frame = self.frameGeometry().size() - self.geometry().size()
        width = min(self.width(), screen.width() - frame.width())
        height = min(self.height(), screen.height() - frame.height())
        self.resize(max(width, 1), max(height, 1))
        x = min(max(self.x(), screen.left()), screen.right() + 1 - self.frameGeometry().width())
        y = min(max(self.y(), screen.top()), screen.bottom() + 1 - self.frameGeometry().height())
        self.move(max(x, screen.left()), max(y, screen.top()))

    def _init_layout(self) -> None:
        heading = QHBoxLayout()
        heading.addWidget(self.pane_title)
        heading.addSpacing(10)
        heading.addWidget(self.pane_subtitle, 1, Qt.AlignmentFlag.AlignBottom)

        catalogue = QWidget()
        left = QVBoxLayout(catalogue)
        left.setContentsMargins(14, 12, 8, 12)
        left.setSpacing(10)
        left.addLayout(heading)
        left.addWidget(self.filter_bar)
        left.addWidget(self.table, 1)

        player_holder = QWidget()
        right = QVBoxLayout(player_holder)
        right.setContentsMargins(8, 12, 14, 12)
        right.addWidget(self.player)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(catalogue)
        splitter.addWidget(player_holder)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([self.width() - PLAYER_WIDTH, PLAYER_WIDTH])
        splitter.setChildrenCollapsible(False)
        # Pages: the catalogue first; the coding desk, debriefs and the dashboard add themselves with add_page.
        self.pages = QTabWidget(documentMode=True)
        self.pages.addTab(splitter, "Catalogue")
        # The coding desk holds a media player: built the first time its page is shown, to keep start-up fast.
        self.desk = None
        self._desk_holder = QWidget()
        QVBoxLayout(self._desk_holder).setContentsMargins(0, 0, 0, 0)
        self._coding_notice = theme.role_notice()  # in the desk's place for a role that does not code
        self._coding_notice.hide()
        self._desk_holder.layout().addWidget(self._coding_notice)
        self.pages.addTab(self._desk_holder, "Coding")
        from bwvtool.ui.sampling.page import SamplesPage

        self.samples = SamplesPage(self.workspace, self.user)
        self.pages.addTab(self.samples, "Samples")
        # Debriefs and the weekly picture load when first shown and follow the window's current workspace.
        from bwvtool.ui.dashboard import DashboardPage
        from bwvtool.ui.debrief import DebriefPage

        self.debrief = DebriefPage(lambda: self.workspace, self.user)
        self.dashboard = DashboardPage(lambda: self.workspace)
        for page, title in ((self.debrief, "Debrief"), (self.dashboard, "Dashboard")):
            self.pages.addTab(page, title)
            page.status.connect(self._show_saved)
        # Reliability and the sequences heat map: lists the samples when first shown.
        from bwvtool.ui.analysis import AnalysisPage

        self.analysis = AnalysisPage(lambda: self.workspace, self.user)
        self.add_page(self.analysis, "Analysis")
        self.analysis.status.connect(self._show_saved)
        # Long work (imports, checks, exports) runs here as child processes while the reviewer codes.
        self.jobs = JobsPage()
        self.add_page(self.jobs, "Jobs")
        self.jobs.status.connect(self._show_saved)
        self.jobs.job_finished.connect(self._job_finished)
        # Imports from a terminal (another process) change the catalogue under the open window: follow them.
        self._follow = QTimer(self, interval=FOLLOW_EVERY_MS)
        self._follow.timeout.connect(self.follow_catalogue)
        self._follow.start()
        self.pages.currentChanged.connect(self._page_changed)
        self.setCentralWidget(self.pages)

        status = self.statusBar()
        status.setStyleSheet(theme.STATUS_STYLE)
        status.setSizeGripEnabled(False)
        status.addWidget(self.status_path, 1)
        status.addPermanentWidget(self.status_counts)
        status.addPermanentWidget(self.status_user)
        status.addPermanentWidget(self.status_saved)

    def _init_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.action_open = QAction("&Open workspace…", self, shortcut=QKeySequence.StandardKey.Open)
        self.action_backup = QAction("&Back up workspace…", self)
        self.action_quit = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        file_menu.addAction(self.action_open)
        file_menu.addAction(self.action_backup)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        view_menu = self.menuBar().addMenu("&View")
        self.action_find = QAction("&Find clips", self, shortcut=QKeySequence.StandardKey.Find)
        self.action_clear = QAction("&Clear filters", self, shortcut=QKeySequence("Ctrl+Shift+L"))
        self.action_reload = QAction("&Reload", self, shortcut=QKeySequence.StandardKey.Refresh)
        for action in (self.action_find, self.action_clear, self.action_reload):
            view_menu.addAction(action)
        catalogue_menu = self.menuBar().addMenu("&Catalogue")
        self.action_import = QAction("&Import catalogue…", self, shortcut=QKeySequence("Ctrl+I"))
        self.action_check_media = QAction("Check &media…", self)
        self.action_import_codebook = QAction("Import &codebook…", self)
        for action in (self.action_import, self.action_check_media, self.action_import_codebook):
            catalogue_menu.addAction(action)
        sample_menu = self.menuBar().addMenu("&Sampling")
        self.action_draw = QAction("&Draw a sample…", self, shortcut=QKeySequence("Ctrl+D"))
        self.action_verify = QAction("&Verify a sample…", self)
        self.action_sample_export = QAction("Export a sample's &manifest…", self)
        self.action_research_export = QAction(
            "&Research export…", self, shortcut=QKeySequence("Ctrl+Shift+E")
        )
        self.action_coders = QAction("&Coders…", self)
        for action in (
            self.action_draw,
            self.action_verify,
            self.action_sample_export,
            self.action_research_export,
        ):
            sample_menu.addAction(action)
        sample_menu.addSeparator()
        sample_menu.addAction(self.action_coders)
        incident_menu.install(self)  # Incidents: align an incident's cameras, open them together
        help_menu = self.menuBar().addMenu("&Help")
        self.action_about = QAction("&About bwvtool", self)
        help_menu.addAction(self.action_about)

    def _connect_signals(self) -> None:
        self.filter_bar.filter_changed.connect(self._on_filter_changed)
        self.table.clip_selected.connect(self.player.show_clip)
        self.table.activated.connect(self._code_current)
        self.table.viewport().installEventFilter(self)
        self.action_open.triggered.connect(self._choose_workspace)
        self.action_backup.triggered.connect(self._backup)
        self.action_quit.triggered.connect(self.close)
        self.action_find.triggered.connect(self.filter_bar.focus_search)
        self.action_clear.triggered.connect(self.filter_bar.reset)
        self.action_reload.triggered.connect(self._reload)
        self.action_about.triggered.connect(self._about)
        self.action_draw.triggered.connect(self._draw_sample)
        self.action_import.triggered.connect(
            lambda: self._start_from(forms.ImportCatalogueForm(self._folder(), self))
        )
        self.action_check_media.triggered.connect(
            lambda: self._start_from(forms.CheckMediaForm(self._samples(), self))
        )
        self.action_import_codebook.triggered.connect(
            lambda: self._start_from(forms.ImportCodebookForm(self._folder(), self))
        )
        self.action_verify.triggered.connect(
            lambda: self._start_from(forms.VerifySampleForm(self._samples(), self))
        )
        self.action_sample_export.triggered.connect(
            lambda: self._start_from(forms.ExportSampleForm(self._samples(), self._folder(), self))
        )
        self.action_research_export.triggered.connect(
            lambda: self._start_from(forms.ResearchExportForm(self._samples(), self._folder(), self))
        )
        self.action_coders.triggered.connect(lambda: self.coders_dialog().exec())
        self.samples.codeRequested.connect(self.code_clip)

    def coding_desk(self):
        """The coding desk, built on first use."""
        if self.desk is None:
            from bwvtool.ui.desk.desk import CodingDesk

            self.desk = CodingDesk(self.workspace, self.user)
            self.desk.status.connect(self._show_saved)
            self.desk.pending_changed.connect(self._show_pending)
            self.desk.assignments_changed.connect(self._reload)
            self._desk_holder.layout().addWidget(self.desk)
        return self.desk

    def _desk_if_allowed(self):
        """The coding desk, or None when this login's role does not code: then the Coding page says so in one
        line (who codes, what this login is) and no desk is built, so none of its refused queries is sent."""
        if self.desk is not None:
            return self.desk
        from bwvtool import access

        try:
            allowed = self.workspace.call(access.page, "coding")  # in the worker, next to the connection
        except BwvError as exc:
            self._show_saved(str(exc))
            return None
        if allowed.write:
            self._coding_notice.hide()
            return self.coding_desk()
        self._coding_notice.setText(allowed.why)
        self._coding_notice.show()
        return None

    def code_clip(self, clip_id: str, sample_id: int | None = None) -> None:
        """Open ``clip_id`` on the coding desk and show it (for the user's assignment in ``sample_id``, if any)."""
        desk = self._desk_if_allowed()
        self.pages.setCurrentWidget(self._desk_holder)
        if desk is None:
            return
        desk.open_clip(clip_id, desk.assignment_in(clip_id, sample_id) if sample_id is not None else None)

    def coders_dialog(self):
        """The Coders dialog on this workspace (add, rename, deactivate); not yet shown."""
        from bwvtool.ui.coders_dialog import CodersDialog

        dialog = CodersDialog(self.workspace, self.user, self)
        dialog.changed.connect(self._show_saved)
        dialog.finished.connect(lambda _result: self.samples.reload())
        return dialog

    def _draw_sample(self) -> None:
        self.pages.setCurrentWidget(self.samples)
        self.samples.open_dialog()
        if self.desk is not None:
            self.desk.reload_queue()

    def _page_changed(self, index: int) -> None:
        if self.pages.widget(index) is self._desk_holder and (desk := self._desk_if_allowed()) is not None:
            desk.setFocus()

    # -- jobs ---------------------------------------------------------------------------------------------------
    def run_job(self, title: str, args: list[str]) -> CommandJob:
        """Start ``bwvtool ARGS`` on this workspace as a background job shown on the Jobs page."""
        job = CommandJob(title, str(self.workspace.path), self.user, args, self)
        summary = {("catalogue", "import"): import_summary, ("codebook", "import"): codebook_summary}.get(
            tuple(args[:2])
        )
        self.jobs.start(job, summary)
        self.statusBar().showMessage(f"Started: {title} (see the Jobs page)", 8000)
        return job

    def _start_from(self, form: forms.JobForm) -> CommandJob | None:
        if not form.exec():
            return None
        self.pages.setCurrentWidget(self.jobs)
        return self.run_job(form.windowTitle(), form.arguments())  # type: ignore[arg-type]

    def _folder(self) -> Path:
        path = Path(str(self.workspace.path))
        return path.parent if path.parent.exists() else Path.cwd()

    def _samples(self) -> list[tuple[int, str]]:
        from bwvtool import sampling

        return [
            (s["id"], f"#{s['id']} {s['name']} ({s['clips']:,} clips)")
            for s in sampling.list_samples(self.workspace)
        ]

    def follow_catalogue(self) -> bool:
        """Show the catalogue again (rows, counts, filter choices) when it was changed since it was read, here or
        by another process; True when it was."""
        if self.browser is None:
            return False
        try:
            if not self.browser.follow():
                return False
        except (BwvError, sqlite3.Error):  # busy, or a team server restarting: try next time
            return False
        self._fill_filter_choices()
        return True

    def _job_finished(self, job: CommandJob, result: JobResult) -> None:
        """What a job changed shows at once: the catalogue, the samples, the queue."""
        self._reload()
        self.samples.reload()
        if self.desk is not None:
            self.desk.reload_queue()
        if result.cancelled:  # an import whose rollback did not finish (or that was killed) is undone now
            self._roll_back_interrupted_imports()

    def _roll_back_interrupted_imports(self) -> None:
        """An import killed mid-way (power cut, SIGKILL) is undone in the background, in short steps."""
        from bwvtool.catalogue.recovery import interrupted_imports

        try:
            # In the worker, next to the connection: there the journal's grants can be asked of the server.
            interrupted = self.workspace.call(interrupted_imports)
        except BwvError:
            return
        if interrupted:
            self.run_job("Roll back an interrupted catalogue import", ["catalogue", "recover"])

    def _show_saved(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def _show_pending(self, n: int, reason: str) -> None:
        """The saved indicator never claims more than the workspace holds."""
        if n:
            self.status_saved.setText(f"◌ {count(n, 'edit')} not saved yet")
            # The status line stays short; the driver's own words (which server, what failed) are a hover away.
            detail = self.desk.edits.detail if self.desk is not None else ""
            tip = f"{reason}. They are saved, in order, as soon as the workspace is free."
            self.status_saved.setToolTip(f"{tip}\n\n{detail}" if detail else tip)
            self.statusBar().setToolTip(detail)
            self.status_saved.setProperty("pending", True)
        else:
            self.status_saved.setText(SAVED_TEXT)
            self.status_saved.setToolTip(SAVED_TIP)
            self.statusBar().setToolTip("")
            self.status_saved.setProperty("pending", False)
        self.status_saved.style().polish(self.status_saved)

    def add_page(self, widget: QWidget, title: str) -> int:
        """Add a page (tab) to the window; returns its index."""
        return self.pages.addTab(widget, title)

    def show_page(self, widget: QWidget) -> None:
        self.pages.setCurrentWidget(widget)

    def _code_current(self, index) -> None:
        row = self.model.clip_at(index.row()) if self.model is not None else None
        if row is not None:
            self.code_clip(row.clip_id)

    # -- the workspace ------------------------------------------------------------------------------------
    def _attach_workspace(self, workspace: Workspace) -> None:
        """Show ``workspace``: a new browser and model over it, counts, title and filter choices."""
        self.workspace = workspace
        browser = ClipBrowser(workspace.conn)
        browser.sort = browse.ClipSort("recorded", descending=True)  # newest first
        browser.filter = self.filter_bar.current()
        model = ClipTableModel(browser, self)
        # Connected after the model, so these run once the model has taken the new rows in.
        browser.events.counts_changed.connect(self._show_counts)
        browser.events.reset.connect(self._select_first)
        old_model, self.browser, self.model = self.model, browser, model
        self.table.setModel(model)
        if old_model is not None:
            old_model.deleteLater()
        browser.refresh()
        self.samples.ws = workspace
        self.samples.reload()
        if self.desk is not None:  # the desk is rebuilt on the new workspace when next shown
            self.desk.setParent(None)
            self.desk.deleteLater()
            self.desk = None
        self.status_path.setText(display_path(workspace.path))
        self.status_path.setToolTip(full_path(workspace.path))
        self._show_who(workspace)
        self._roll_back_interrupted_imports()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        # Filter choices need a scan of the catalogue: fill them after the first paint, not before it.
        QTimer.singleShot(0, self._fill_filter_choices)

    def _show_who(self, workspace: Workspace) -> None:
        """Who acts here, in the title and the status bar: on a team server, the login the server signed in."""
        login = workspace.login()
        if login is None:
            self.setWindowTitle(f"{workspace.path.name} — bwvtool")
            self.status_user.setText(f"User: {self.user}")
            self.status_user.setToolTip("Stamped on everything you code and in the audit log")
            return
        who = f"signed in as {login}" if self.user == login else f"{self.user}, signed in as {login}"
        self.setWindowTitle(f"{workspace.path.name} — {who} — bwvtool")
        self.status_user.setText(who[0].upper() + who[1:])
        self.status_user.setToolTip(
            f"Your login on the team server: the server records everything you do here as {login}"
        )

    def _fill_filter_choices(self) -> None:
        if self.browser is None:
            return
        self.filter_bar.set_boroughs(self.browser.boroughs())
        span = self.browser.recorded_range()
        if span:
            self.filter_bar.set_date_hint(*span)

    def _show_counts(self, total: int, matching: int) -> None:
        noun = "clip" if total == 1 else "clips"
        text = f"{total:,} {noun}" if matching == total else f"{matching:,} of {total:,} {noun} match"
        self.status_counts.setText(text)
        self.pane_subtitle.setText(text)

    def _select_first(self) -> None:
        """After new rows (filter, sort, reload): the top clip is current, or the player says none is."""
        if self.model is not None and self.model.rowCount():
            self.table.selectRow(0)
        else:
            self.player.show_clip(None)

    def _on_filter_changed(self, flt: browse.ClipFilter) -> None:
        if self.browser is not None:
            self.browser.set_filter(flt)

    def _reload(self) -> None:
        if self.browser is not None:
            self.browser.refresh()
            self._fill_filter_choices()

    def open_workspace_file(self, path: Path) -> None:
        """Switch to the workspace at ``path``; a bad file leaves the current one open and says why."""
        try:
            workspace = open_workspace(path)
        except BwvError as exc:
            QMessageBox.warning(self, "Cannot open workspace", str(exc))
            return
        # What is bound to the current workspace lets go of it first, as on quitting: typed text is saved, the
        # incident windows close (one kept open, its key presses not saved yet, keeps this workspace open).
        if self.desk is not None:
            self.desk.review.flush()
        self.debrief.flush()
        if not incident_menu.close_views(self):
            workspace.close()
            return
        if self.desk is not None:
            self.desk.shutdown()
        old = self.workspace
        self._attach_workspace(workspace)
        old.close()

    def _choose_workspace(self) -> None:
        start = str(self.workspace.path.parent)
        path, _ = QFileDialog.getOpenFileName(self, "Open workspace", start, WORKSPACE_FILES)
        if path:
            self.open_workspace_file(Path(path))

    def backup_to(self, dest: Path) -> None:
        """Back up with SQLite's online backup and record it in the audit log, as ``bwvtool backup`` does."""
        try:
            _anchor, problem = backup_workspace(self.workspace, dest, actor=self.user)
        except BwvError as exc:
            QMessageBox.warning(self, "Backup failed", str(exc))
            return
        self.statusBar().showMessage(f"Backed up to {dest}" + (f" ({problem})" if problem else ""), 8000)

    def _backup(self) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        if is_server_location(
            self.workspace.path
        ):  # a server's backup is a SQLite copy in the current folder
            suggestion = Path.cwd() / f"bwv-backup-{stamp}.sqlite"
        else:
            suggestion = self.workspace.path.with_name(f"{self.workspace.path.stem}-backup-{stamp}.sqlite")
        path, _ = QFileDialog.getSaveFileName(self, "Back up workspace", str(suggestion), WORKSPACE_FILES)
        if path:
            self.backup_to(Path(path))

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About bwvtool",
            f"<b>bwvtool {__version__}</b><p>Sample, code and analyse police body-worn video.</p>"
            f"<p>Workspace: {full_path(self.workspace.path)}</p>",
        )

    # -- readiness ----------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The first paint of the table with rows in it makes the window usable: announce it once."""
        if (
            not self._is_ready
            and event.type() == QEvent.Type.Paint
            and watched is self.table.viewport()
            and self.model is not None
            and (self.model.rowCount() > 0 or not self.browser.matching)
        ):
            self._is_ready = True
            QTimer.singleShot(0, self.ready.emit)
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:  # closed already (a SIGTERM after Quit): only the event loop is left to end
            super().closeEvent(event)
            self.closed.emit()
            return
        # Text still waiting for a pause in typing is saved now (review answers, the debrief narrative's draft).
        if self.desk is not None:
            self.desk.review.flush()
        self.debrief.flush()
        # The incident windows first: one kept open (key presses not saved yet) keeps the app open, untouched.
        if not incident_menu.close_views(self, ask=not self._terminating) or not self._may_close():
            event.ignore()
            return
        # The audit chain's head, recorded outside the workspace: a later restore of an older copy is noticed.
        _anchor, problem = record_anchor_after(self.workspace, "app-close", actor=self.user)
        if problem:
            print(f"bwvtool: {problem}", file=sys.stderr)
        if self.desk is not None:
            self.desk.shutdown()
        self.workspace.close()
        super().closeEvent(event)
        self._closed = True
        self.closed.emit()

    def _may_close(self) -> bool:
        """Quitting never drops an edit silently: edits waiting for a busy workspace get a last chance, then the
        user decides; running jobs are cancelled cleanly (they roll back) only if the user agrees."""
        running = self.jobs.running()
        if running:
            titles = ", ".join(j.title for j in running)
            if not self._ask("Jobs still running", f"{count(len(running), 'job')} still running ({titles}).\n\n"
                             "Cancel them and quit? Each stops where it safely can; a cancelled import is undone.", QMessageBox.StandardButton.Yes):  # fmt: skip
                return False
            for job in running:
                job.cancel()
            for job in running:
                job.wait()
        edits = self.desk.edits if self.desk is not None else None
        if edits is None or not len(edits):
            return True
        edits.retry(wait_ms=3000)
        if not len(edits):
            return True
        if not self._ask("Edits not saved yet", f"{count(len(edits), 'edit')} not saved yet ({edits.reason}).\n\n"
                         "Keep the app open until they are saved, or quit and lose them?", QMessageBox.StandardButton.Discard):  # fmt: skip
            return False
        edits.discard()
        return True

    def terminate(self) -> None:
        """Quit because the system asked (SIGTERM: a logout, a shutdown, a service manager): nobody is there to
        answer a question, so typed text is saved, waiting edits get their last chance, running jobs are
        cancelled (they roll back) and what still waits is dropped, as the status bar has said all along."""
        self._terminating = True
        self.close()

    def _ask(self, title: str, text: str, go: QMessageBox.StandardButton) -> bool:
        """A question whose safe answer (Cancel, the default) keeps the app open; True when the user chose ``go``."""
        if self._terminating:
            return True
        answer = QMessageBox.warning(
            self, title, text, go | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel
        )
        return answer == go
