"""The desk's ears: audio lanes under the timeline, the transcript panel beside the player, and their keys.

``DeskAudio(desk)`` attaches itself to a :class:`~bwvtool.ui.desk.desk.CodingDesk`; the desk calls
:meth:`DeskAudio.open_clip` when a clip opens. Tracks missing from the workspace are analysed in a background
thread (the desk keeps working) and stored; suggestions are made from the transcript the first time it is shown.
Data comes through ``ws.call`` (one round trip to the workspace worker); events are coded through the desk's own
session, so undo, pending saves and the coding rules apply as for any key press.

Keys: Alt+Right / Alt+Left next / previous speech onset; Alt+R next raised voice (Alt+Shift+R sets its threshold); Alt+Down / Alt+Up next /
previous utterance (it becomes the picked utterance: code keys then code it, onset and offset on its frames,
until Escape, until the player shows a frame outside it, or until another clip opens); Alt+S next suggestion;
Alt+Return accepts it; Alt+Backspace dismisses it; Ctrl+T searches all transcripts.

A line is picked only by the reviewer (those keys, a click on it or an arrow key in the Transcript tab's list), and
while it is, the palette, the list and the transcript lane say so: a code key that codes a line rather than the
frame on screen must never be a surprise.
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QSplitter, QVBoxLayout, QWidget

from bwvtool.audio.tracks import DEFAULT_RAISED_LU, next_after, previous_before
from bwvtool.errors import BwvError
from bwvtool.media.frametimes import format_clock as clock
from bwvtool.transcripts import listening as listen
from bwvtool.transcripts.library import import_file, search
from bwvtool.transcripts.suggest import dismiss, mark_accepted
from bwvtool.ui.desk.transcript_panel import TranscriptPanel
from bwvtool.ui.timeline.audio_lanes import AudioLanes

RAISED_SETTING = "audio/raised_lu"


class DeskAudio(QObject):
    def __init__(self, desk) -> None:
        super().__init__(desk)
        self.desk = desk
        self.lanes = AudioLanes()
        self.panel = TranscriptPanel()
        self.data: listen.Listening | None = None
        self.selected: int | None = None  # the utterance the reviewer picked for coding
        self._arrived = False  # the player has shown a frame of the picked utterance
        self._pending_seek: int | None = None  # a search hit's time, for the clip being opened
        self._analysis: Future | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio-analysis")
        self._cancel = threading.Event()
        self._poll = QTimer(self, interval=100)
        self._poll.timeout.connect(self._analysis_done)
        self.lanes.set_raised_lu(float(QSettings().value(RAISED_SETTING, DEFAULT_RAISED_LU)))
        self._attach()

    # -- construction ---------------------------------------------------------------------------------------------
    def _attach(self) -> None:
        desk = self.desk
        splitter = desk.timeline.parentWidget()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        index = splitter.indexOf(desk.timeline) if isinstance(splitter, QSplitter) else 0
        column.addWidget(desk.timeline, 1)
        column.addWidget(self.lanes)
        if isinstance(splitter, QSplitter):
            splitter.insertWidget(index, box)
            splitter.setStretchFactor(index, 3)  # the timeline's share, as the desk set it
            splitter.setSizes([3000 if i == index else 2000 for i in range(splitter.count())])
        desk.side.addTab(self.panel, "Transcript")
        self.lanes.follow(desk.timeline)
        self.lanes.seekRequested.connect(desk.player.seek_time)
        self.panel.seekRequested.connect(desk.player.seek_time)
        self.panel.utteranceChosen.connect(self._choose)
        self.panel.acceptRequested.connect(self.accept)
        self.panel.dismissRequested.connect(self.dismiss)
        self.panel.searchRequested.connect(self.search)
        self.panel.hitActivated.connect(self.open_hit)
        self.panel.importRequested.connect(self.import_transcript)
        desk.player.frameShown.connect(self._on_frame)
        desk.destroyed.connect(self.stop)
        desk.player.durationKnown.connect(self._clip_ready)
        desk.installEventFilter(self)
        specs = (
            ("next_onset", "Next speech onset", "Alt+Right", lambda: self.jump(+1, "onset")),
            ("previous_onset", "Previous speech onset", "Alt+Left", lambda: self.jump(-1, "onset")),
            ("next_raised", "Next raised voice", "Alt+R", lambda: self.jump(+1, "raised")),
            ("raised_threshold", "Raised-voice threshold…", "Alt+Shift+R", self.ask_raised_lu),
            ("next_utterance", "Next utterance", "Alt+Down", lambda: self.step_utterance(+1)),
            ("previous_utterance", "Previous utterance", "Alt+Up", lambda: self.step_utterance(-1)),
            ("next_suggestion", "Next suggestion", "Alt+S", lambda: self.panel.choose_suggestion(+1)),
            ("accept_suggestion", "Accept suggestion", "Alt+Return", lambda: self.accept(self.panel.current_suggestion())),
            ("dismiss_suggestion", "Dismiss suggestion", "Alt+Backspace", lambda: self.dismiss(self.panel.current_suggestion())),
            ("search_transcripts", "Search all transcripts", "Ctrl+T", self.focus_search),
        )  # fmt: skip
        for name, text, key, slot in specs:
            action = QAction(text, desk)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            desk.addAction(action)
            desk.actions_by_name[name] = action

    # -- a clip ----------------------------------------------------------------------------------------------------
    def open_clip(self, clip_id: str) -> None:
        """Show ``clip_id``'s tracks, transcript and suggestions; analyse its audio now if it never was."""
        self._cancel.set()  # the clip before no longer needs its analysis
        self.release()
        self.data = None  # nothing of the clip before is shown or coded here, even if this one cannot be read
        self.panel.follow(None)
        try:
            data = self.desk.ws.call(listen.listening, clip_id)
        except BwvError as exc:
            self.lanes.set_transcript([])
            self.panel.set_transcript(None)
            self._show_suggestions([])
            self.desk.status.emit(f"Transcript not shown: {exc}")
            return
        if data.transcript is not None and not data.suggestions:
            try:
                data.suggestions = self.desk.ws.call(
                    listen.suggest_with_shipped_rules, clip_id, self.desk.user
                )
            except (
                BwvError
            ) as exc:  # a busy workspace: the transcript still shows, suggestions come next time
                self.desk.status.emit(f"No suggestions yet: {exc}")
        self.data = data
        self.lanes.set_transcript(data.transcript.utterances if data.transcript else [],
                                  bool(data.transcript and data.transcript.automatic))  # fmt: skip
        self.panel.set_transcript(data.transcript)
        self._show_suggestions(data.suggestions)
        if data.tracks_current:
            self.lanes.set_tracks(data.tracks)
        elif data.media_path:
            self.lanes.set_tracks(None, "analysing the audio…")
            self._start_analysis(data)
        else:
            self.lanes.set_tracks(None, "no media")

    def import_transcript(self, path: str | None = None) -> None:
        """Store a transcript file (asked for when ``path`` is None) as the open clip's next version, and show it."""
        clip_id = self.data.clip_id if self.data is not None else None
        if clip_id is None:
            self.desk.status.emit("Open a clip first: a transcript belongs to one clip")
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.desk, f"Import a transcript for {clip_id}", "",
                "Transcripts (*.vtt *.srt *.docx);;All files (*)",
            )  # fmt: skip
            if not path:
                return
        try:
            found = self.desk.ws.call(import_file, clip_id, path, actor=self.desk.user)
        except BwvError as exc:
            self.desk.status.emit(f"Transcript not imported: {exc}")
            return
        self.desk.status.emit(f"Stored {found.label()}")
        self.open_clip(clip_id)

    def _start_analysis(self, data: listen.Listening) -> None:
        from bwvtool.audio.analyse import analyse_file

        self._cancel.set()  # an analysis of the clip before stops at its next block
        self._cancel = threading.Event()
        self._analysis = self._pool.submit(analyse_file, data.media_path, cancel=self._cancel)
        self._analysing = data.clip_id
        self._poll.start()

    def stop(self) -> None:
        """Stop a running analysis and the analysis thread (the desk is closing)."""
        self._cancel.set()
        self._poll.stop()  # a result arriving after this is not stored: the workspace may be gone
        self._analysis = None
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _analysis_done(self) -> None:
        job = self._analysis
        if job is None or not job.done():
            return
        self._poll.stop()
        self._analysis = None
        if self.data is None or self.data.clip_id != self._analysing:
            return  # another clip is open now
        try:
            tracks = job.result()
        except BwvError as exc:
            self.lanes.set_tracks(None, f"no audio tracks: {exc}")
            return
        tracks.media_sha256 = self.data.media_sha256
        self.data.tracks = tracks
        self.lanes.set_tracks(tracks)
        try:
            self.desk.ws.call(listen.store_tracks, self.data.clip_id, tracks, self.desk.user)
        except (
            BwvError,
            sqlite3.Error,
        ) as exc:  # either engine's; the tracks are shown, keeping them can wait
            self.desk.status.emit(f"Audio tracks shown, not kept for next time: {exc}")

    def wait_for_analysis(self, timeout_s: float = 60.0) -> None:
        """Block until a running analysis has been shown (tests, and closing the app)."""
        if self._analysis is not None:
            self._analysis.result(timeout=timeout_s)
            self._analysis_done()

    # -- following playback ------------------------------------------------------------------------------------------
    def _on_frame(self, _index: int, ms: int) -> None:
        if self.data is None or self.data.transcript is None:
            return
        current = self.data.transcript.at(ms)
        if self.selected is not None:
            picked = self.data.transcript.utterances[self.selected]
            if picked.start_ms - 100 <= ms <= picked.end_ms:
                self._arrived = True
            elif self._arrived or not self._heading_there():
                # Played or stepped away from it, or the player went elsewhere before ever showing it (a seek
                # that never landed): the frame on screen is what code keys code again.
                self.release("Utterance let go (the player left it): code keys code the frame on screen")
        self.lanes.set_current(current)
        self.panel.follow(current)

    def _heading_there(self) -> bool:
        """Whether the player may still be on its way to the picked utterance: playing (the jump lands a few
        pictures later), or a paused seek not yet shown."""
        engine = self.desk.player.engine
        return engine.is_playing or engine.seeking

    # -- jumps -------------------------------------------------------------------------------------------------------
    def jump(self, step: int, what: str) -> None:
        tracks = self.data.tracks if self.data else None
        if tracks is None:
            self.desk.status.emit("No audio tracks for this clip yet")
            return
        times = (
            tracks.onsets_ms()
            if what == "onset"
            else [c.start_ms for c in tracks.raised(self.lanes.raised_lu)]
        )
        now = self.desk.player.current_frame()[1]
        target = next_after(times, now) if step > 0 else previous_before(times, now)
        if target is None:
            self.desk.status.emit(f"No {'speech onset' if what == 'onset' else 'raised voice'} "
                                  f"{'after' if step > 0 else 'before'} this point")  # fmt: skip
            return
        self.desk.player.seek_time(target)

    def step_utterance(self, step: int) -> None:
        if self.data is None or self.data.transcript is None or not self.data.transcript.utterances:
            return
        starts = [u.start_ms for u in self.data.transcript.utterances]
        if self.selected is not None:
            index = max(0, min(len(starts) - 1, self.selected + step))
        else:
            now = self.desk.player.current_frame()[1]
            found = next_after(starts, now) if step > 0 else previous_before(starts, now)
            index = starts.index(found) if found is not None else (len(starts) - 1 if step < 0 else 0)
        self.panel.choose(index)

    def _choose(self, index: int) -> None:
        """The reviewer picked utterance ``index`` (Alt+Down/Up, a click or an arrow key in the list)."""
        if self.data is None or self.data.transcript is None or self.data.clip_id != self.desk.clip_id:
            return
        if not 0 <= index < len(self.data.transcript.utterances):
            return
        if self.desk.player.current_frame()[0] < 0:
            self.desk.status.emit("Not picked: the clip's frame times are still being read")
            return
        self.selected = index
        self._arrived = False  # until the player shows a frame of it (the seek is on its way)
        u = self.data.transcript.utterances[index]
        self.lanes.set_picked(index)
        self.panel.show_picked(index)
        self.desk.palette.show_utterance(f"{clock(u.start_ms)} {u.speaker or ''}".strip())
        self.desk.status.emit(
            f"Utterance {clock(u.start_ms)} picked ({u.speaker or 'unknown'}): a code key codes it, not the frame"
            " on screen — Esc lets go"
        )

    def release(self, message: str | None = None) -> None:
        """Let go of the picked utterance (if any): code keys code the frame on screen again."""
        had = self.selected is not None
        self.selected = None
        self._arrived = False
        self.lanes.set_picked(None)
        self.panel.show_picked(None)
        self.desk.palette.show_utterance(None)
        if had and message:
            self.desk.status.emit(message)

    def set_raised_lu(self, value: float) -> None:
        QSettings().setValue(RAISED_SETTING, value)
        self.lanes.set_raised_lu(value)

    def ask_raised_lu(self) -> None:
        """The raised-voice threshold, in LU above the clip's speech level (kept as a setting)."""
        value, ok = QInputDialog.getDouble(
            self.desk, "Raised voice", "Loudness above the clip's own speech level (LU):", self.lanes.raised_lu,
            1.0, 30.0, 1,
        )  # fmt: skip
        if ok:
            self.set_raised_lu(value)
            level = self.data.tracks.speech_level_lufs if self.data and self.data.tracks else None
            found = len(self.data.tracks.raised(value)) if level is not None else 0  # type: ignore[union-attr]
            self.desk.status.emit(
                f"Raised voice: ≥ +{value:g} LU above speech — {found} passages on this clip"
            )
        self.desk.setFocus()

    # -- coding an utterance -------------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() != QEvent.Type.KeyPress or self.selected is None or not isinstance(event, QKeyEvent):
            return False
        if event.key() == Qt.Key.Key_Escape:
            self.release("Utterance let go: code keys code the frame on screen")
            return True
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        code = self._code_for_key(event.text()) if mods == Qt.KeyboardModifier.NoModifier else None
        if code is None:
            return False
        return self.code_selected_utterance(code)  # not coded there: the desk codes the frame on screen

    def _code_for_key(self, text: str) -> str | None:
        codebook = self.desk.codebook
        if not text or codebook is None:
            return None
        return next((c.id for c in codebook.codes if c.shortcut and c.shortcut == text.lower()), None)

    def code_selected_utterance(self, code_id: str) -> bool:
        """Code the selected utterance with ``code_id``: a point at its first frame, a state over its frames."""
        if self.selected is None:
            return False
        if (
            self.data is None
            or self.data.transcript is None
            or self.desk.session is None
            or self.data.clip_id != self.desk.clip_id
        ):  # a pick never outlives its clip's coding
            self.release("Utterance let go: it is not a line of the clip open now")
            return False
        u = self.data.transcript.utterances[self.selected]
        code = self.desk.codebook.code(code_id)
        actor = self.desk.actors.resolve(code)
        snap = self.desk.timeline.snap
        start_ms, start_frame = snap(u.start_ms)
        end_ms, end_frame = snap(max(u.start_ms, u.end_ms - 1))

        def press(session):
            event = session.code_key(code.id, at_ms=start_ms, at_frame=start_frame, actor=actor)
            if code.is_state:
                event = session.code_key(
                    code.id, at_ms=max(end_ms, start_ms), at_frame=max(end_frame, start_frame), actor=actor
                )
            return event

        if self.desk._edit(f"{code.label} on “{u.text[:30]}”", press) is not None:
            # Said after the desk's "Saved ✓": the code is on the line, not on the frame the reviewer sees.
            self.desk.status.emit(
                f"Saved ✓ {code.label} on the picked utterance at {clock(start_ms)} (frame {start_frame}), not on"
                " the frame on screen — Esc lets go"
            )
        return True  # the utterance stays picked: another key adds another code to it

    # -- suggestions -------------------------------------------------------------------------------------------------
    def _show_suggestions(self, suggestions: list[dict]) -> None:
        self.lanes.set_suggestions(suggestions)
        self.panel.set_suggestions(suggestions)

    def accept(self, suggestion_id: int | None) -> None:
        """Code the suggestion through the desk's session (a point at the frame of its time, or a review answer),
        then mark it accepted with the event's id."""
        if suggestion_id is None or self.data is None or self.desk.session is None:
            return
        found = next((s for s in self.data.suggestions if s["id"] == suggestion_id), None)
        if found is None or found["status"] != "open":
            return
        event_id = None
        if found["target"] == "review_item":
            if found["code"] not in {item.id for item in self.desk.codebook.review_items}:
                self.desk.status.emit(f"Not accepted: this codebook has no review item {found['code']}")
                return
            self.desk.review.answer(found["code"], "given")  # saved by the form, as if chosen there
        else:
            ms, frame = self.desk.timeline.snap(found["onset_ms"])
            code = (
                self.desk.codebook.code(found["code"])
                if found["code"] in {c.id for c in self.desk.codebook.codes}
                else None
            )
            if code is None:
                self.desk.status.emit(f"Not accepted: this codebook has no code {found['code']}")
                return
            actor = self.desk.actors.resolve(code)
            event = self.desk._edit(
                code.label, lambda s: s.code_key(code.id, at_ms=ms, at_frame=frame, actor=actor)
            )
            if event is None:  # waiting for a busy workspace: accept it again once it is saved
                return
            event_id = event.id
        self._decided(
            self.desk.ws.call(mark_accepted, suggestion_id, coder=self.desk.user, event_id=event_id)
        )

    def dismiss(self, suggestion_id: int | None) -> None:
        if suggestion_id is None:
            return
        try:
            self._decided(self.desk.ws.call(dismiss, suggestion_id, coder=self.desk.user))
        except BwvError as exc:
            self.desk.status.emit(str(exc))

    def _decided(self, updated: dict) -> None:
        assert self.data is not None
        self.data.suggestions = [updated if s["id"] == updated["id"] else s for s in self.data.suggestions]
        self._show_suggestions(self.data.suggestions)
        self.desk.status.emit(f"Suggestion {updated['id']} {updated['status']}: {updated['code']}")

    # -- search ----------------------------------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.desk.side.setCurrentWidget(self.panel)
        self.panel.search.setFocus()
        self.panel.search.selectAll()

    def search(self, phrase: str) -> None:
        try:
            hits = self.desk.ws.call(search, phrase)
        except BwvError as exc:
            self.desk.status.emit(str(exc))
            return
        self.panel.set_hits(hits)
        if hits:
            self.panel.hits.setFocus()
            self.panel.hits.setCurrentRow(0)

    def open_hit(self, clip_id: str, ms: int) -> None:
        """Open the clip of a search hit and go to the utterance (once the clip's frames are known)."""
        if clip_id != self.desk.clip_id:
            self._pending_seek = ms
            self.desk.open_clip(clip_id)
            if self.data is None or self.data.clip_id != clip_id:
                self.open_clip(clip_id)
        else:
            self.desk.player.seek_time(ms)
        self.desk.setFocus()

    def _clip_ready(self, _duration_ms: int, _frames: int) -> None:
        if self._pending_seek is not None:
            self.desk.player.seek_time(self._pending_seek)
            self._pending_seek = None
