"""The coding desk: the reviewer's whole working surface for one clip at a time.

Queue on the left; player with the code palette and review form beside it; timeline and event table below.
Keys: the player's transport keys work everywhere; a digit picks the actor's number; a code's key records it at
the frame on screen; Up/Down jump to the previous/next event; * stars the selected event; Enter edits its note;
Ctrl+Z / Ctrl+Shift+Z undo and redo; Page Down / Page Up open the next / previous clip in the queue.
"""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwvtool.codebook.model import Code, Codebook
from bwvtool.coding import claims, review
from bwvtool.coding.actors import ActorChooser, actor_label
from bwvtool.coding.assignments import Coding, coding_for, known_coding
from bwvtool.coding.session import CodebookCodes, CodingError, CodingSession, read_ahead
from bwvtool.coding.worklist import has_media, next_after, work_order
from bwvtool.errors import BwvError, ChangedElsewhere
from bwvtool.media import frametimes
from bwvtool.store import Workspace, audit, catalogue
from bwvtool.store import codebooks as codebook_rows
from bwvtool.store import pool as pool_rows
from bwvtool.store import queue as queue_rows
from bwvtool.ui.desk.desk_audio import DeskAudio
from bwvtool.ui.desk.event_editor import EventEditor
from bwvtool.ui.desk.event_table import EventTableModel, EventTableView
from bwvtool.ui.desk.history import step_text
from bwvtool.ui.desk.keys_help import KeysHelp
from bwvtool.ui.desk.modifier_prompt import ModifierPrompt
from bwvtool.ui.desk.palette import CodePalette
from bwvtool.ui.desk.pending import PendingEdits, waiting_text
from bwvtool.ui.desk.review_form import ReviewForm
from bwvtool.ui.player.widget import PlayerWidget
from bwvtool.ui.timeline.widget import Lane, TimelineWidget
from bwvtool.wording import count

REFRESH_EVERY_MS = 1000

STATUS_ICON = {"not_started": "○", "in_progress": "◐", "complete": "●", "flagged": "⚑"}
ASSIGNMENT_ROLE = Qt.ItemDataRole.UserRole + 1  # a queue entry's assignment id (UserRole: its clip id)


class CodingDesk(QWidget):
    status = Signal(str)  # what was just committed, for the status bar
    pending_changed = Signal(int, str)  # edits waiting for a busy workspace, and why
    # The reviewer's own assignments changed here (a clip taken or given back): on a team server they decide which
    # clips the reviewer may see, so the catalogue's rows and counts are stale.
    assignments_changed = Signal()

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_state(ws, user)
        self._init_widgets()
        self._init_layout()
        self._init_actions()
        self._connect_signals()
        # Waveform, loudness and transcript lanes, the transcript panel, suggestions and their keys.
        self.audio = DeskAudio(self)
        self.reload_queue()

    # -- construction -----------------------------------------------------------------------------------------
    def _init_state(self, ws: Workspace, user: str) -> None:
        self.ws = ws
        self.user = user
        self.session: CodingSession | None = None
        self.codebook: Codebook | None = None
        self.codebook_id: int | None = None
        self.clip_id: str | None = None
        self.coding: Coding | None = None  # the assignment (or clip-level work) open, and its codebook
        self.actors = ActorChooser()
        self.blocked: str | None = None  # why coding is refused on this clip (integrity failure, no media)
        self._queue_items: list = []  # the queue as shown: filter applied, in work order
        self._progress_seen: int | None = None  # the audit log's newest id when the queue was last read
        self._queue_shown: tuple = ()  # (assignments and statuses, pool counts) the queue shows
        self.edits = PendingEdits(self)
        self._editing = False  # an edit made at this desk is being saved (what it adds becomes the selection)
        # Another window or process may code this clip too (the same coder at two desks): catch up with the store.
        self._refresh_timer = QTimer(self, interval=REFRESH_EVERY_MS)
        # The event table follows the timeline's selection once the window has painted what the key changed (a
        # zero timer runs after that paint, as Qt's own layout of a new row does): selecting and scrolling to a
        # row lays the table out at once, which would put its repaint ahead of the key's own feedback.
        self._table_follows = QTimer(self, singleShot=True, interval=0)

    def _init_widgets(self) -> None:
        self.queue = QListWidget()
        self.queue.setObjectName("queue")
        self.queue_title = QLabel(wordWrap=True)
        self.queue_filter = QComboBox()
        for label, status in (
            ("All my clips", None),
            ("Not started", "not_started"),
            ("In progress", "in_progress"),
            ("Complete", "complete"),
            ("Flagged", "flagged"),
        ):
            self.queue_filter.addItem(label, status)
        self.take_next = QPushButton("Take next")
        self.take_next.setObjectName("takeNext")
        self.take_next.setToolTip(
            "Take the next clip nobody has claimed from the unit's pool (it becomes yours)"
        )
        self.give_back = QPushButton("Give back")
        self.give_back.setObjectName("giveBack")
        self.give_back.setToolTip(
            "Return the open clip to the unit's pool (only a clip you took and have not started)"
        )
        self.codebook_choice = QComboBox()
        for stored in codebook_rows.list_codebooks(self.ws.conn):
            self.codebook_choice.addItem(f"{stored.title} v{stored.version}", stored.id)
        self.player = PlayerWidget()
        self.clip_title = QLabel("Choose a clip from your queue")
        self.clip_title.setObjectName("clipTitle")
        self.palette = CodePalette()
        self.review = ReviewForm()
        self.side = QTabWidget()
        self.side.addTab(self.palette, "Codes")
        self.side.addTab(self.review, "Review")
        self.timeline = TimelineWidget()
        self.table = EventTableView()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _init_layout(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        left_layout.addWidget(self.queue_title)
        left_layout.addWidget(self.queue_filter)
        pool_row = QHBoxLayout()
        pool_row.addWidget(self.take_next, 1)
        pool_row.addWidget(self.give_back)
        left_layout.addLayout(pool_row)
        left_layout.addWidget(self.queue, 1)
        left_layout.addWidget(QLabel("Codebook"))
        left_layout.addWidget(self.codebook_choice)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(4, 8, 4, 4)
        centre_layout.addWidget(self.clip_title)
        centre_layout.addWidget(self.player, 1)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(centre)
        top.addWidget(self.side)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.timeline)
        bottom.addWidget(self.table)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)

        work = QSplitter(Qt.Orientation.Vertical)
        work.addWidget(top)
        work.addWidget(bottom)
        work.setStretchFactor(0, 3)
        work.setStretchFactor(1, 2)

        outer = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(left)
        outer.addWidget(work)
        outer.setStretchFactor(0, 0)
        outer.setStretchFactor(1, 1)
        outer.setSizes([270, 1300])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(outer)

    def _init_actions(self) -> None:
        self.player.install_actions(self, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        specs = (
            ("undo", "Undo", QKeySequence.StandardKey.Undo, self.undo),
            ("redo", "Redo", QKeySequence("Ctrl+Shift+Z"), self.redo),
            ("next_clip", "Next clip", QKeySequence("PgDown"), lambda: self.open_neighbour(+1)),
            ("previous_clip", "Previous clip", QKeySequence("PgUp"), lambda: self.open_neighbour(-1)),
            ("review", "Review form", QKeySequence("Ctrl+R"), self.focus_review),
            ("codes", "Back to coding", QKeySequence("Ctrl+E"), self.focus_coding),
            ("complete", "Mark review complete", QKeySequence("Ctrl+Return"), self.review.mark_complete),
            ("flag", "Flag clip…", QKeySequence("Ctrl+Shift+F"), self.flag_current),
            ("zoom_in", "Zoom timeline in", QKeySequence("Ctrl+="), lambda: self.timeline.zoom_by(0.5)),
            ("zoom_out", "Zoom timeline out", QKeySequence("Ctrl+-"), lambda: self.timeline.zoom_by(2.0)),
            ("zoom_fit", "Whole clip on the timeline", QKeySequence("Ctrl+0"), self._fit_timeline),
        )
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, key, slot in specs:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.actions_by_name[name] = action

    def _connect_signals(self) -> None:
        self.edits.changed.connect(self._edits_waiting)
        self.edits.failed.connect(self.status)
        self._refresh_timer.timeout.connect(self.refresh_from_store)
        self._refresh_timer.start()
        self.queue.itemActivated.connect(
            lambda item: self.open_clip(item.data(Qt.ItemDataRole.UserRole), item.data(ASSIGNMENT_ROLE))
        )
        self.player.frameShown.connect(self._on_frame)
        self.player.integrityFailed.connect(self._on_integrity_failed)
        self.player.error.connect(lambda message: self._block(message))
        self.player.durationKnown.connect(self._on_duration)
        self.timeline.seekRequested.connect(self.player.seek_time)
        self.timeline.selectionChanged.connect(lambda _event_id: self._table_follows.start())
        self._table_follows.timeout.connect(self._keep_table_in_step)
        self.timeline.editFailed.connect(self.status)
        self.palette.codeClicked.connect(self.record)
        self.review.saved.connect(self.status)
        self.review.failed.connect(self.status)
        self.review.completed.connect(self._clip_completed)
        self.codebook_choice.currentIndexChanged.connect(self._codebook_changed)
        self.queue_filter.currentIndexChanged.connect(self.reload_queue)
        self.take_next.clicked.connect(self.claim_next)
        self.give_back.clicked.connect(self.release_current)

    # -- queue ------------------------------------------------------------------------------------------------
    def _queue_state(self) -> tuple[list, tuple[int, int]]:
        """The user's assignments in work order and the pool's (unclaimed, claimed) counts, as stored now."""
        self._progress_seen = audit.last_id(self.ws.conn)
        return work_order(queue_rows.for_coder(self.ws.conn, self.user)), pool_rows.counts(self.ws.conn)

    def reload_queue(self) -> None:
        everything, pool = self._queue_state()
        self._queue_shown = ([(i.assignment_id, i.status) for i in everything], pool)
        wanted = self.queue_filter.currentData()
        items = [item for item in everything if wanted is None or item.status == wanted]
        self._queue_items = items
        current = self.coding.assignment_id if self.coding else None
        self.queue.clear()
        done = sum(item.status == "complete" for item in everything)
        for item in items:
            role = " · 2nd coder" if item.role == "reliability" else ""
            media = "" if has_media(item) else "  ⊘ no media"
            entry = QListWidgetItem(
                f"{STATUS_ICON[item.status]}  {item.clip_id}{media}\n     {item.recorded_at[:16].replace('T', ' ')}"
                f" · {item.borough} · {int(item.duration_s // 60)}:{int(item.duration_s % 60):02d}{role}"
                f"\n     {item.sample_name}"
            )
            entry.setData(Qt.ItemDataRole.UserRole, item.clip_id)
            entry.setData(ASSIGNMENT_ROLE, item.assignment_id)
            entry.setToolTip(
                f"{item.sample_name} (sample {item.sample_id}), coded with {item.codebook or 'the codebook chosen'}:"
                f" {item.status.replace('_', ' ')}"
            )
            self.queue.addItem(entry)
            if item.assignment_id == current:
                self.queue.setCurrentItem(entry)
        self.queue_title.setText(f"<b>{self.user}</b> — {done} of {len(everything)} reviewed")
        free, claimed = pool
        self.take_next.setVisible(free + claimed > 0)  # only where work is shared through the unit's pool
        self.give_back.setVisible(free + claimed > 0)
        self.take_next.setEnabled(free > 0)
        self.take_next.setText(f"Take next ({free} in the pool)" if free else "Take next (pool empty)")

    def release_current(self) -> None:
        """Give the open clip back to the unit's pool (refused, with the reason, once work on it has begun)."""
        if self.coding is None or self.coding.assignment is None or len(self.edits):
            self.status.emit("Not given back: open a clip you took from the pool first")
            return
        clip_id, sample_id = self.clip_id, self.coding.assignment.sample_id
        try:
            self.ws.call(claims.release, self.user, clip_id, sample_id)
        except BwvError as exc:
            self.status.emit(f"Not given back: {exc}")
            return
        self.session, self.coding, self.clip_id = None, None, None  # its assignment is gone
        self.audio.release()
        self.review.ws = None  # the form answers nothing until the next clip opens
        self.player.close_clip()
        self.palette.setEnabled(False)
        self.clip_title.setText("Choose a clip from your queue")
        self.reload_queue()
        self.assignments_changed.emit()
        self.status.emit(f"Gave {clip_id} back to the pool: someone else can take it")

    def claim_next(self) -> None:
        """Take the next unclaimed clip from the unit's pool (nobody else can get it) and open it."""
        try:
            claimed = self.ws.call(claims.claim_next, self.user)
        except BwvError as exc:
            self.status.emit(f"Could not take a clip: {exc}")
            return
        self.reload_queue()
        if claimed is None:
            self.status.emit("Nothing left in the pool: every clip has been taken")
            return
        self.assignments_changed.emit()
        self.status.emit(f"Took {claimed.clip_id} from the pool (sample {claimed.sample_id}): it is yours")
        self.open_clip(claimed.clip_id, claimed.assignment_id)

    def _clip_completed(self) -> None:
        """The review is complete: show it in the queue and open the next unfinished clip in the queue's order."""
        done = self.coding.assignment_id if self.coding else None
        shown = list(self._queue_items)
        self.reload_queue()
        following = next_after(shown, done)  # in the order the reviewer was looking at, before it changed
        if following is not None and not len(self.edits):
            completed = self.review.clip_id
            self.open_clip(following.clip_id, following.assignment_id)
            # "Opened …" would replace the form's "marked complete" at once: the status bar says both.
            self.status.emit(
                f"Review of {completed} marked complete; opened the next clip, {following.clip_id}"
            )

    def mark_current_started(self) -> None:
        """The open assignment's first edit starts it (in the store too): its queue icon follows at once."""
        current = self.queue.currentItem()
        if (
            current is None
            or self.coding is None
            or current.data(ASSIGNMENT_ROLE) != self.coding.assignment_id
        ):
            return
        text = current.text()
        if text.startswith(STATUS_ICON["not_started"]):
            current.setText(STATUS_ICON["in_progress"] + text[1:])

    def assignment_in(self, clip_id: str, sample_id: int) -> int | None:
        """The user's assignment of ``clip_id`` in sample ``sample_id`` (None: they have none there)."""
        coder_id = self.ws.find_coder(self.user)
        mine = queue_rows.for_clip(self.ws.conn, clip_id, coder_id) if coder_id is not None else []
        return next((a.assignment_id for a in mine if a.sample_id == sample_id), None)

    def open_neighbour(self, step: int) -> None:
        row = self.queue.currentRow() + step
        if 0 <= row < self.queue.count():
            self.queue.setCurrentRow(row)
            entry = self.queue.item(row)
            self.open_clip(entry.data(Qt.ItemDataRole.UserRole), entry.data(ASSIGNMENT_ROLE))

    # -- opening a clip -------------------------------------------------------------------------------------------
    def _coding_for(self, clip_id: str, coder_id: int, assignment_id: int | None) -> Coding | None:
        """The coding to open: the assignment chosen in the queue (else the coder's first open assignment of the
        clip) with its sample's codebook (or the one its events use); the Codebook box chooses only when neither
        is known (clip-level work not begun, an old sample that names no codebook)."""
        mine = queue_rows.for_clip(self.ws.conn, clip_id, coder_id)
        chosen = [a for a in mine if a.assignment_id == assignment_id] or [
            a for a in mine if a.status != "complete"
        ]
        assignment = (chosen or mine or [None])[0]
        known = known_coding(self.ws, clip_id, coder_id, assignment)
        chosen_id = self.codebook_choice.currentData()
        if known is not None or chosen_id is None:
            return known
        key = codebook_rows.get_codebook_by_id(self.ws.conn, chosen_id).key
        return coding_for(self.ws, clip_id, coder_id, assignment, key)

    def open_clip(self, clip_id: str, assignment_id: int | None = None) -> None:
        """Open the clip for the given assignment (default: the coder's first open one on it, else clip-level)."""
        if len(self.edits):
            self.status.emit(
                f"Still on {self.clip_id}: {count(len(self.edits), 'edit')} not saved yet — {self.edits.reason}"
            )
            return
        clip = catalogue.get_clip(self.ws.conn, clip_id)
        if clip is None:
            self.status.emit(f"{clip_id} is not in the catalogue")
            return
        self.audio.release()  # a transcript line picked on the clip before never codes this one
        self.blocked = None
        self.palette.setEnabled(True)
        self.clip_id = clip_id
        self.actors.clear()
        for row in range(self.queue.count()):  # show where this clip is in the queue
            entry = self.queue.item(row)
            if entry.data(Qt.ItemDataRole.UserRole) == clip_id and assignment_id in (
                None,
                entry.data(ASSIGNMENT_ROLE),
            ):
                self.queue.setCurrentRow(row)
                self.queue.scrollToItem(self.queue.item(row))
                break
        # The first frame decodes in the player's threads while the events load.
        media = clip.get("media_path")
        if not media:
            self.player.close_clip()  # the last clip's picture, seek bar and playhead go
            self.player.view.clear("No video for this clip", "The catalogue records no media file for it")
            self._block("No media file is recorded for this clip")
        else:
            self.player.open_clip(media, clip.get("sha256"))
        self.session = None
        with self.ws.transaction(self.user) as tx:
            coder_id = self.ws.coder_id(tx, self.user)
        try:
            coding = self._coding_for(clip_id, coder_id, assignment_id)
        except BwvError as exc:
            self._block(str(exc))
            return
        if coding is None:
            self._block("No codebook in this workspace: import one with 'bwvtool codebook import'")
            return
        self.coding = coding
        self.codebook, self.codebook_id = coding.codebook, coding.codebook_id
        codebook_id = coding.codebook_id
        # The events are read in the workspace worker while the palette and the review form are built here.
        reading = read_ahead(
            self.ws,
            clip_id=clip_id,
            coder_id=coder_id,
            codebook_id=codebook_id,
            assignment_id=coding.assignment_id,
        )
        self.palette.set_codebook(self.codebook)
        self.review.load(
            self.ws,
            clip_id=clip_id,
            coder=self.user,
            coder_id=coder_id,
            codebook=self.codebook,
            codebook_id=codebook_id,
            assignment_id=coding.assignment_id,
        )
        self.session = CodingSession(
            self.ws,
            clip_id=clip_id,
            coder=self.user,
            codebook_id=codebook_id,
            codes=CodebookCodes(self.codebook),
            assignment_id=coding.assignment_id,
            reading=reading,
        )
        self.session.on_change(self._on_session_change)
        self.model = EventTableModel(self.session, {c.id: c.label for c in self.codebook.codes}, self)
        self.table.setModel(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._table_row_changed)
        self.table.doubleClicked.connect(lambda index: self.edit_event(self.model.event_at(index.row()).id))
        duration_ms = int(float(clip["duration_s"]) * 1000)
        self.timeline.lane_factory = self._lane
        self.timeline.set_session(
            self.session,
            self._lanes(),
            duration_ms,
            labels={c.id: c.label for c in self.codebook.codes},
            escalation={c.id: c.escalation for c in self.codebook.codes if c.escalation},
        )
        self.codebook_choice.blockSignals(True)  # show the codebook this clip is coded with
        self.codebook_choice.setCurrentIndex(max(0, self.codebook_choice.findData(codebook_id)))
        self.codebook_choice.blockSignals(False)
        # An assignment is coded with its sample's codebook: the box only chooses for clip-level work.
        bound = coding.assignment is not None and coding.assignment.codebook is not None
        self.codebook_choice.setEnabled(not bound)
        self.codebook_choice.setToolTip(coding.describe())
        self.clip_title.setText(
            f"<b>{clip_id}</b> &nbsp; {clip['recorded_at'][:16].replace('T', ' ')} UTC · {clip['borough']}"
            f" · officer {clip['officer_ref']}"
        )
        self.audio.open_clip(clip_id)
        self.setFocus()
        self.status.emit(
            f"Opened {clip_id} ({coding.describe()}): {count(len(self.session), 'event')} by {self.user}"
        )

    def _lane(self, track_id: str, actor: str) -> Lane:
        assert self.codebook is not None
        track = self.codebook.track(track_id)
        return Lane(track_id, actor, f"{track.label} · {actor_label(actor)}", track.colour or "#61afef")

    def _lanes(self) -> list[Lane]:
        """One lane per track for its default actor; lanes for other actors appear when they are coded."""
        assert self.codebook is not None
        lanes = []
        for track in self.codebook.tracks:
            if self.codebook.codes_in_track(track.id):
                actor = "third_party" if track.default_actor == "third_party" else f"{track.default_actor}_1"
                lanes.append(self._lane(track.id, actor))
        return lanes

    @Slot(int, int)
    def _on_duration(self, duration_ms: int, _frames: int) -> None:
        times = self.player.engine.times
        if times is None:
            return
        self.timeline.view.duration_ms = max(1, duration_ms)
        self.timeline.frame_ms = float(times.common_gap) / 1000 if times.common_gap else None
        self.timeline.snap = lambda ms: (
            frametimes.frame_ms(times, frametimes.frame_at(times, ms)),
            frametimes.frame_at(times, ms),
        )
        self.timeline.update()

    def show_keys(self) -> KeysHelp:
        """Every key the desk answers to, with the open codebook's (``?``)."""
        sheet = KeysHelp(self.codebook, self.actions_by_name, self)
        sheet.open()
        return sheet

    def _block(self, reason: str) -> None:
        self.blocked = reason
        self.palette.setEnabled(False)  # visibly: no code can be recorded here
        self.status.emit(f"Coding blocked on this clip: {reason}")

    @Slot(str)
    def _on_integrity_failed(self, message: str) -> None:
        self._block(message)

    # -- coding ---------------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt)
        text = event.text()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)
            return
        if text == "?":
            self.show_keys()
            return
        if text.isdigit():
            self.actors.press_digit(int(text))
            self.palette.show_pending(self.actors.pending)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.actors.clear()
            self.palette.show_pending(None)
            return
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.jump_to_event(-1 if event.key() == Qt.Key.Key_Up else 1)
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.timeline.selected is not None:
            selected = self.timeline.selected
            self._edit("delete event", lambda session: session.delete(selected))
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.timeline.selected is not None:
            self.edit_event(self.timeline.selected)
            return
        if text == "*" and self.timeline.selected is not None and self.session is not None:
            selected = self.session.event(self.timeline.selected)
            self._edit("star", lambda session: session.edit(selected.id, starred=not selected.starred))
            return
        if text and self.codebook is not None:
            code = self.codebook.code_for_shortcut(text)
            if code is not None:
                self.record(code.id)
                return
        super().keyPressEvent(event)

    def record(self, code_id: str) -> None:
        """Record ``code_id`` at the frame on screen (the digit pressed before picks the actor's number)."""
        if self.session is None or self.codebook is None:
            return
        if self.blocked:
            self.status.emit(f"Not recorded: {self.blocked}")
            return
        frame, ms = self.player.current_frame()
        if frame < 0:
            self.status.emit("Not recorded: the clip's frame times are still being read")
            return
        code: Code = self.codebook.code(code_id)
        actor = self.actors.resolve(code)
        self.palette.show_pending(None)
        modifiers: dict = {}
        if code.modifiers and not (code.is_state and self._ends_running(code, actor)):
            self.player.pause()
            prompt = ModifierPrompt(code, actor_label(actor), frametimes.format_clock(ms), self)
            if not prompt.exec():
                self.status.emit(f"{code.label}: cancelled")
                self.setFocus()
                return
            modifiers = prompt.values()
            self.setFocus()
        cause = self._cause_for(code, ms, actor)

        def press(session: CodingSession):
            event = session.code_key(code.id, at_ms=ms, at_frame=frame, actor=actor, modifiers=modifiers)
            if cause is not None and event.caused_by is None and event.offset_ms is None:
                session.edit(event.id, caused_by=cause)
            return event

        self._edit(code.label, press)

    def _ends_running(self, code: Code, actor: str) -> bool:
        running = self.session.open_state(code.track, actor, code.id) if self.session else None
        return running is not None and running.code == code.id

    def _cause_for(self, code: Code, ms: int, actor: str) -> int | None:
        """An escalation marker links to its cause: the selected event, else the last event of another actor."""
        if not code.links_cause or self.session is None:
            return None
        if self.timeline.selected is not None:
            return self.timeline.selected
        before = self.session.neighbour(ms + 1, -1)
        while before is not None and before.actor == actor:
            before = self.session.neighbour(before.onset_ms, -1)
        return before.id if before is not None else None

    def _guard(self, action):
        try:
            return action()
        except (CodingError, BwvError) as exc:
            self.status.emit(str(exc))
            return None

    def _edit(self, label: str, change):
        """Run ``change(session)`` as one edit of the open coding: saved now, or kept pending while the workspace
        is busy (in order with the edits after it, on the session it was made on)."""
        session = self.session
        if session is None:
            return None

        def attempt(wait_ms: int):
            session.busy_ms = wait_ms
            self._editing = True
            try:
                return change(session)
            except ChangedElsewhere as exc:  # the session has re-read the coding: the screen shows it now
                raise ChangedElsewhere(f"{exc} — reloaded") from exc
            finally:
                self._editing = False

        return self.edits.submit(label, attempt)

    def undo(self) -> None:
        def undo(session: CodingSession) -> None:
            label = session.undo()
            self.status.emit(f"Undone: {step_text(label, self.codebook)}" if label else "Nothing to undo")

        self._edit("undo", undo)

    def redo(self) -> None:
        def redo(session: CodingSession) -> None:
            label = session.redo()
            self.status.emit(f"Redone: {step_text(label, self.codebook)}" if label else "Nothing to redo")

        self._edit("redo", redo)

    def _edits_waiting(self, count: int, reason: str) -> None:
        if count:
            self.status.emit(waiting_text(count, "edit", reason))
        self.pending_changed.emit(count, reason)

    def shutdown(self) -> None:
        """The workspace is about to close: stop looking at it (and stop the audio analysis that would store)."""
        self._refresh_timer.stop()
        if getattr(self, "audio", None) is not None:
            self.audio.stop()

    def follow_progress(self) -> bool:
        """Re-read the queue when anyone (another desk, another person) has committed work since it was read:
        statuses, the clips the pool still holds. True when it was re-read."""
        if audit.last_id(self.ws.conn) == self._progress_seen:
            return False
        everything, pool = self._queue_state()
        if ([(i.assignment_id, i.status) for i in everything], pool) == self._queue_shown:
            return False  # work elsewhere (or this desk's own key presses) that changes nothing shown here
        self.reload_queue()
        return True

    def refresh_from_store(self) -> None:
        """Show work other windows, processes and people stored: the queue, and edits of the open coding
        (that, not while edits of this desk wait to be saved)."""
        try:
            self.follow_progress()
            self.review.follow_store()
        except (BwvError, sqlite3.Error) as exc:  # a team server that is restarting: say so, try next time
            self.status.emit(f"Could not re-read the workspace: {exc}")
            return
        if self.session is None or len(self.edits):
            return
        try:
            changed = self.session.refresh()
        except (BwvError, sqlite3.Error) as exc:  # a team server that is restarting: say so, try next time
            self.status.emit(f"Could not re-read the workspace: {exc}")
            return
        if changed:
            self.status.emit(f"Updated: {count(changed, 'event')} changed elsewhere on {self.clip_id}")

    def _fit_timeline(self) -> None:
        self.timeline.view.fit()
        self.timeline.update()

    def focus_review(self) -> None:
        """Show the review form and put the keyboard in its first field (Tab moves on, Ctrl+E returns)."""
        self.side.setCurrentWidget(self.review)
        self.review.focus_first()

    def focus_coding(self) -> None:
        self.side.setCurrentWidget(self.palette)
        self.setFocus()

    def flag_current(self) -> None:
        if self.clip_id is None:
            return
        reason, ok = QInputDialog.getText(self, "Flag clip", f"Why is {self.clip_id} flagged?")
        if ok and reason.strip():
            self._guard(
                lambda: review.flag_clip(
                    self.ws,
                    clip_id=self.clip_id,
                    coder=self.user,
                    reason=reason,
                    assignment_id=self.coding.assignment_id if self.coding else None,
                )
            )
            self.reload_queue()
            self.status.emit(f"Flagged {self.clip_id}: {reason.strip()}")
        self.setFocus()

    def jump_to_event(self, direction: int) -> None:
        if self.session is None:
            return
        _frame, ms = self.player.current_frame()
        target = self.session.neighbour(max(ms, 0), direction)
        if target is not None:
            self.player.seek_time(target.onset_ms)
            self.timeline.select(target.id)

    def edit_event(self, event_id: int) -> None:
        """Change the selected event's code, actor, modifiers, note or star: one undoable edit."""
        if self.session is None or self.codebook is None:
            return
        event = self.session.event(event_id)
        editor = EventEditor(event, self.codebook, self)
        if editor.exec():
            changes = editor.changes()
            code = editor.chosen_code()
            if code.id != event.code:
                changes["modifiers"] = {}
                if code.modifiers:
                    prompt = ModifierPrompt(
                        code, actor_label(changes["actor"]), frametimes.format_clock(event.onset_ms), self
                    )
                    if not prompt.exec():
                        self.status.emit("Edit cancelled")
                        self.setFocus()
                        return
                    changes["modifiers"] = prompt.values()
            self._edit("edit", lambda session: session.edit(event_id, **changes))
        self.setFocus()

    # -- keeping views in step -------------------------------------------------------------------------------
    @Slot(int, int)
    def _on_frame(self, _index: int, ms: int) -> None:
        self.timeline.set_playhead(ms, follow=self.player.engine.is_playing)

    def _on_session_change(self, kind: str, event) -> None:
        if self.session is None:
            return
        self.palette.show_running({e.code for e in self.session.running()})
        if len(self.session):  # not .events: that lists every event, on every key press
            self.mark_current_started()
        label = self._label_of(event.code) if event is not None else ""
        self.status.emit(f"Saved ✓ {label} {kind} · {count(len(self.session), 'event')} on {self.clip_id}")
        if kind == "added" and self._editing:
            # What the reviewer just added (a key, redo, undoing a delete) is selected, so its row is shown;
            # events another desk added are not, so work elsewhere never moves what the reviewer looks at.
            self.timeline.select(event.id)
        else:  # the table catches up: a removed or moved row may have taken its current row with it
            self._table_follows.start()

    def _label_of(self, code_id: str) -> str:
        """A code as the reviewer knows it (the codebook's label), never its id."""
        try:
            return self.codebook.code(code_id).label if self.codebook is not None else code_id
        except KeyError:
            return code_id

    def _keep_table_in_step(self) -> None:
        """The table's selected row is the timeline's selected event (or none), as when the user clicks one."""
        current = self.table.currentIndex()
        shown = self.model.id_at(current.row()) if current.isValid() else None
        if shown != self.timeline.selected:
            self._select_in_table(self.timeline.selected)

    def _select_in_table(self, event_id: int | None) -> None:
        """Select the event's row and scroll it into view; the table never takes the keyboard (no focus)."""
        if self.table.selectionModel() is None:
            return
        if event_id is None:
            self.table.selectionModel().clear()  # the current row too: no stale row stays marked
            return
        row = self.model.row_of(event_id)
        if row >= 0:
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)

    def _table_row_changed(self, current, _previous) -> None:
        if current.isValid() and not self.model.following_session:
            event = self.model.event_at(current.row())
            if self.timeline.selected != event.id:
                self.timeline.select(event.id)

    def _codebook_changed(self, _index: int) -> None:
        if self.clip_id and self.session is not None and len(self.session) == 0:
            self.open_clip(self.clip_id, self.coding.assignment_id if self.coding else None)
