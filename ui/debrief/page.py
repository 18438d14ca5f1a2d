"""The Debrief tab: pick a reviewed clip, edit the note's narrative beside a live preview, save versions, export.

Everything it does goes through :mod:`bwvtool.debrief` (building the note, saving versions, exporting with an
audit row); the page only shows and edits. Stills are grabbed from the video on a worker thread, so choosing a clip
never freezes the window; the preview fills them in when they arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from bwvtool import access, debrief  # its parts load on first use, so the tab costs the app's start-up little

if TYPE_CHECKING:
    from bwvtool.debrief.model import DebriefNote
from bwvtool.errors import BwvError
from bwvtool.store import Workspace
from bwvtool.ui import theme
from bwvtool.ui.debrief.reviews_model import COLUMNS, ReviewListModel

PREVIEW_DELAY_MS = 350
DRAFT_AFTER_MS = 700  # typed narrative is kept in the workspace once typing pauses this long
LIST_WIDTH = 640


class _StillsSignals(QObject):
    done = Signal(int, object)  # request number, the note with its stills


class _StillsJob(QRunnable):
    """Grab the key moments' frames off the GUI thread (reads only the video file, never the workspace)."""

    def __init__(self, number: int, note: DebriefNote, base: Path, signals: _StillsSignals) -> None:
        super().__init__()
        self.number, self.note, self.base, self.signals = number, note, base, signals

    def run(self) -> None:
        self.signals.done.emit(self.number, debrief.attach_stills(self.note, self.base))


class DebriefPage(QWidget):
    """``workspace`` returns the window's current workspace (it changes when the user opens another file)."""

    status = Signal(str)
    stills_loaded = Signal()

    def __init__(self, workspace: Callable[[], Workspace], user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_state(workspace, user)
        self._built = False  # the widgets are made when the tab is first shown: the app starts no slower

    def ensure_built(self) -> None:
        """Make the page's widgets (once)."""
        if not self._built:
            self._built = True
            self._init_widgets()
            self._init_layout()
            self._connect_signals()

    # -- construction -------------------------------------------------------------------------------------------
    def _init_state(self, workspace: Callable[[], Workspace], user: str) -> None:
        self._workspace = workspace
        self.user = user
        self.note: DebriefNote | None = None
        self.access = access.Access()  # what this login may do here, asked of the workspace when first shown
        self._shown_for: Workspace | None = None
        self._request = 0
        self._has_stills = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _StillsSignals(self)
        self._draft_timer = QTimer(
            self, singleShot=True, interval=DRAFT_AFTER_MS
        )  # keep typed text as it pauses
        self._draft_timer.timeout.connect(self.keep_draft)

    def _init_widgets(self) -> None:
        self.search = QLineEdit(placeholderText="Find a clip, officer, borough or reviewer")
        self.search.setClearButtonEnabled(True)
        self.model = ReviewListModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setStyleSheet(theme.TABLE_STYLE)
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.list_count = theme.muted(QLabel())
        self.title = theme.heading(QLabel("Debrief"))
        self.subtitle = theme.muted(QLabel("Choose a reviewed clip on the left."))
        self.version = QComboBox()
        self.version.setMinimumContentsLength(28)
        self.editors: dict[str, QPlainTextEdit] = {}
        for field in debrief.NARRATIVE_FIELDS:
            editor = QPlainTextEdit()
            editor.setPlaceholderText(field.help)
            editor.setTabChangesFocus(True)
            editor.setMinimumHeight(64)
            self.editors[field.id] = editor
        self.save_button = QPushButton("Save version")
        self.revert_button = QPushButton("Discard changes")
        self.pdf_button = QPushButton("Export PDF…")
        self.html_button = QPushButton("Export HTML…")
        self.state = theme.muted(QLabel())
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._set_enabled(False)

    def _init_layout(self) -> None:
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(14, 12, 8, 12)
        left_box.addWidget(theme.heading(QLabel("Reviewed clips")))
        left_box.addWidget(self.search)
        left_box.addWidget(self.table, 1)
        left_box.addWidget(self.list_count)

        form_holder = QWidget()
        form = QVBoxLayout(form_holder)
        form.setContentsMargins(0, 0, 6, 0)
        version_row = QHBoxLayout()
        version_row.addWidget(QLabel("Version"))
        version_row.addWidget(self.version, 1)
        form.addLayout(version_row)
        for field in debrief.NARRATIVE_FIELDS:
            form.addWidget(QLabel(f"<b>{field.label}</b>"))
            form.addWidget(self.editors[field.id])
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_holder)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.revert_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.pdf_button, self.html_button):
            buttons.addWidget(button)
        editor = QWidget()
        editor_box = QVBoxLayout(editor)
        editor_box.setContentsMargins(8, 0, 8, 0)
        editor_box.addWidget(scroll, 1)
        editor_box.addLayout(buttons)
        editor_box.addWidget(self.state)

        work = QSplitter()
        work.addWidget(editor)
        work.addWidget(self.preview)
        work.setStretchFactor(0, 2)
        work.setStretchFactor(1, 3)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(8, 12, 14, 12)
        right_box.addWidget(self.title)
        right_box.addWidget(self.subtitle)
        right_box.addWidget(work, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([LIST_WIDTH, 1000])
        splitter.setChildrenCollapsible(False)
        self.notice = theme.role_notice()
        self.notice.hide()
        self._splitter = splitter
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.notice)
        outer.addWidget(splitter, 1)

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(lambda _: self.reload())
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.version.activated.connect(self._on_version)
        for editor in self.editors.values():
            editor.textChanged.connect(self._on_edit)
        self._preview_timer.timeout.connect(self.render_preview)
        self.save_button.clicked.connect(self._save_clicked)
        self.revert_button.clicked.connect(self._revert)
        self.pdf_button.clicked.connect(lambda: self._export_dialog("pdf"))
        self.html_button.clicked.connect(lambda: self._export_dialog("html"))
        self._signals.done.connect(self._on_stills)

    # -- the list -----------------------------------------------------------------------------------------------
    @property
    def workspace(self) -> Workspace:
        return self._workspace()

    def showEvent(self, event: QShowEvent) -> None:
        """Load on first show, and again after the window switched workspace (start-up stays fast)."""
        self.ensure_built()
        super().showEvent(event)
        if self._shown_for is not self.workspace:
            self._shown_for = self.workspace
            self.note = None
            self._show_access()
            self.reload()

    def _show_access(self) -> None:
        """Ask (where the connection lives) what this login may do with debriefs before anything is read: a role
        that may not read them sees one line instead of the page, and one that may only read them cannot edit."""
        try:
            self.access = self.workspace.call(access.page, "debrief")
        except BwvError as exc:  # the server is restarting: the page stays as it was and says why
            self._say(str(exc))
            return
        self.notice.setText(self.access.why)
        self.notice.setVisible(bool(self.access.why))
        self._splitter.setVisible(self.access.read)
        for editor in self.editors.values():
            editor.setReadOnly(not self.access.write)
        for button in (self.save_button, self.revert_button):
            button.setVisible(self.access.write)

    def reload(self) -> None:
        if not self.access.read:
            return
        rows = debrief.completed_reviews(self.workspace, self.search.text(), viewer=self.user)
        self.model.set_rows(rows)
        header = self.table.horizontalHeader()  # a model reset forgets the section sizes
        metrics = self.table.fontMetrics()
        for number, column in enumerate(COLUMNS):
            header.resizeSection(number, metrics.horizontalAdvance(column.sample) + 30)
        noun = "review" if len(rows) == 1 else "reviews"
        self.list_count.setText(
            f"{len(rows):,} completed {noun}" + (" (first 500)" if len(rows) == 500 else "")
        )
        if rows and self.note is None:
            self.table.selectRow(0)

    def select(self, clip_id: str, coder: str | None = None) -> bool:
        """Select a clip's review in the list (for other pages and tests); False if it is not listed."""
        for number, row in enumerate(self.model.rows):
            if row.clip_id == clip_id and (coder is None or row.coder == coder):
                self.table.selectRow(number)
                return True
        return False

    @Slot()
    def _on_row(self, current, _previous=None) -> None:
        if current.isValid() and self.confirm_leave():
            row = self.model.rows[current.row()]
            self.open_review(row.clip_id, row.coder)

    def confirm_leave(self) -> bool:
        """Leaving a note never loses its text: what was typed is kept as the note's draft first."""
        self.flush()
        return True

    def flush(self) -> None:
        """Keep what was typed now, not when typing pauses (switching notes, quitting)."""
        if self._draft_timer.isActive():
            self._draft_timer.stop()
            self.keep_draft()

    def keep_draft(self) -> None:
        """Store the text on screen as the note's draft (or clear the draft if it equals the saved version)."""
        if self.note is None or not self.access.write:
            return
        try:
            debrief.save_draft(
                self.workspace,
                self.note.facts.clip_id,
                self.narrative(),
                coder=self.note.review.coder,
                actor=self.user,
            )
        except BwvError as exc:
            self._say(f"Could not keep the draft: {exc}")

    # -- one note -------------------------------------------------------------------------------------------------
    def open_review(self, clip_id: str, coder: str, version: int | None = None) -> None:
        """Show the note of ``coder``'s review of ``clip_id`` (a saved version, or the draft)."""
        try:
            note = debrief.build_note(self.workspace, clip_id, coder, version=version, stills=False)
        except BwvError as exc:
            self._say(str(exc))
            return
        self.note = note
        self._has_stills = False
        self._show_note(note)
        if version is None:  # the latest text: bring back what was typed and not saved as a version
            self._restore_draft(clip_id, coder)
        self._request += 1
        self._pool.start(_StillsJob(self._request, note, self.workspace.path.parent, self._signals))

    def _show_note(self, note: DebriefNote) -> None:
        facts = note.facts
        self.title.setText(f"Debrief note — {facts.officer_ref}, clip {facts.clip_id}")
        self.subtitle.setText(
            f"{facts.recorded_at[:16].replace('T', ' ')} UTC · {facts.borough} · reviewed by {note.review.coder}"
            f" · {len(note.events)} coded events · {len(note.moments)} key moments"
        )
        for field in debrief.NARRATIVE_FIELDS:
            editor = self.editors[field.id]
            editor.blockSignals(True)
            editor.setPlainText(note.narrative.get(field.id, ""))
            editor.blockSignals(False)
        self._fill_versions(note)
        self._set_enabled(True)
        self._update_state()
        self.render_preview()

    def _restore_draft(self, clip_id: str, coder: str) -> None:
        try:
            found = debrief.unsaved_draft(self.workspace, clip_id, coder)
        except BwvError:
            return
        if found is None:
            return
        narrative, kept_at = found
        for field in debrief.NARRATIVE_FIELDS:
            editor = self.editors[field.id]
            editor.blockSignals(True)
            editor.setPlainText(narrative.get(field.id, ""))
            editor.blockSignals(False)
        self._update_state()
        self.render_preview()
        if self.is_dirty():
            self._say(
                f"● Unsaved changes brought back (kept {kept_at[:16].replace('T', ' ')}) — save to make a version"
            )

    def _fill_versions(self, note: DebriefNote) -> None:
        self.version.clear()
        saved = debrief.versions(self.workspace, note.facts.clip_id, note.review.coder)
        for entry in reversed(saved):
            when = entry["saved_at"][:16].replace("T", " ")
            self.version.addItem(
                f"Version {entry['version']} — {when} by {entry['saved_by']}", entry["version"]
            )
        if not saved:
            self.version.addItem("Draft from the review (not saved)", None)
        index = self.version.findData(note.version)
        self.version.setCurrentIndex(max(index, 0))

    def narrative(self) -> dict[str, str]:
        """The narrative as edited on screen."""
        return {field.id: self.editors[field.id].toPlainText() for field in debrief.NARRATIVE_FIELDS}

    def is_dirty(self) -> bool:
        if self.note is None:
            return False
        return any(self.note.narrative.get(k, "").rstrip() != v.rstrip() for k, v in self.narrative().items())

    def save(self) -> int | None:
        """Save the edited narrative as the note's next version (nothing when unchanged); its number."""
        if self.note is None:
            return None
        if not self.access.write:
            self._say(self.access.why)
            return None
        clip_id, coder = self.note.facts.clip_id, self.note.review.coder
        try:
            number = debrief.save_narrative(
                self.workspace, clip_id, self.narrative(), coder=coder, actor=self.user
            )
            fresh = debrief.build_note(self.workspace, clip_id, coder, version=number, stills=False)
        except BwvError as exc:
            self._say(str(exc))
            return None
        self.note = fresh.with_moments(self.note.moments)  # keep the stills already grabbed
        self._fill_versions(self.note)
        self._update_state()
        self.render_preview()  # its status line says which version this is now, not "not saved yet"
        self._say(f"Saved version {number} of the debrief note for {clip_id}")
        return number

    def export_to(self, path: str | Path) -> debrief.ExportResult | None:
        """Save if needed, then export the note (with its stills) as PDF or HTML; the export is audited."""
        if self.note is None:
            return None
        if (self.is_dirty() or self.note.version is None) and self.save() is None:
            return None
        from bwvtool.ui.debrief.pdf import write_pdf

        note = self.note if self._has_stills else debrief.attach_stills(self.note, self.workspace.path.parent)
        try:
            result = debrief.export_note(self.workspace, note, path, actor=self.user, pdf_writer=write_pdf)
        except BwvError as exc:
            self._say(str(exc))
            return None
        self._say(f"Exported version {result.version} to {result.path}")
        return result

    # -- preview ----------------------------------------------------------------------------------------------------
    def render_preview(self) -> None:
        if self.note is None:
            return
        from bwvtool.ui.debrief.pdf import note_document  # Qt SVG: loaded when a note is first shown

        width = max(self.preview.viewport().width() - 28, 320)
        note = self.note.with_narrative(self.narrative())
        if not self.is_dirty():
            note = self.note
        document = note_document(note, width, raster_width=int(width * self.devicePixelRatioF()))
        document.setDocumentMargin(12)
        scroll = self.preview.verticalScrollBar().value()
        self.preview.setDocument(document)
        self._preview_document = document  # the browser does not own it
        self.preview.verticalScrollBar().setValue(scroll)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._built:
            self._preview_timer.start()

    # -- slots and helpers ----------------------------------------------------------------------------------------------
    def _on_stills(self, number: int, note: DebriefNote) -> None:
        if number != self._request or self.note is None or note.facts.clip_id != self.note.facts.clip_id:
            return  # a newer clip was chosen meanwhile
        self.note = self.note.with_moments(note.moments)
        self._has_stills = True
        self.render_preview()
        self.stills_loaded.emit()

    def wait_for_stills(self, timeout_ms: int = 60_000) -> bool:
        """Block until the worker has grabbed the current note's stills (tests, exports)."""
        return self._pool.waitForDone(timeout_ms)

    def _on_version(self, index: int) -> None:
        if self.note is None:
            return
        version = self.version.itemData(index)
        if version != self.note.version and self.confirm_leave():
            self.open_review(self.note.facts.clip_id, self.note.review.coder, version)

    def _on_edit(self) -> None:
        self._update_state()
        self._preview_timer.start()
        self._draft_timer.start()

    def _revert(self) -> None:
        if self.note is not None:
            self._show_note(self.note)
            self._draft_timer.stop()
            self.keep_draft()  # equal to the version: the draft is cleared

    def _save_clicked(self) -> None:
        self.save()

    def _export_dialog(self, kind: str) -> None:
        if self.note is None:
            return
        facts = self.note.facts
        suggestion = self.workspace.path.parent / f"debrief-{facts.officer_ref}-{facts.clip_id}.{kind}"
        filters = "PDF document (*.pdf)" if kind == "pdf" else "Web page (*.html)"
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export debrief note as {kind.upper()}", str(suggestion), filters
        )
        if path:
            if not path.lower().endswith(f".{kind}"):
                path += f".{kind}"
            self.export_to(path)

    def _update_state(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(self.note is not None and (dirty or self.note.version is None))
        if (
            not self.access.write
        ):  # a reader exports saved versions only: exporting a draft would save it first
            for button in (self.pdf_button, self.html_button):
                button.setEnabled(self.note is not None and self.note.version is not None)
        self.revert_button.setEnabled(dirty)
        if self.note is None:
            self.state.setText("")
        elif dirty:
            self.state.setText(
                "● Not a version yet (kept as a draft) — saving makes a new version; exporting saves first"
            )
        elif self.note.version is None:
            self.state.setText(
                "Draft written from the review; "
                + ("save it to start the note's versions" if self.access.write else "no version saved yet")
            )
        else:
            self.state.setText(f"Version {self.note.version} saved {self.note.saved_at[:16].replace('T', ' ')}"
                               f" by {self.note.saved_by}")  # fmt: skip

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (*self.editors.values(), self.version, self.pdf_button, self.html_button):
            widget.setEnabled(enabled)
        self.save_button.setEnabled(False)
        self.revert_button.setEnabled(False)

    def _say(self, text: str) -> None:
        self.state.setText(text)
        self.status.emit(text)
