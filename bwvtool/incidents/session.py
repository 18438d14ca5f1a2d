"""One coder at work on a whole incident: code keys on incident time, on whichever camera is main.

Each camera keeps its own :class:`~bwvtool.coding.session.CodingSession` (the coder's coding of that clip, for
their assignment of it or clip-level), so every event is an ordinary event of the camera it was coded on, with
that camera's time and frame and the same checks as on the desk. What this adds:

* **incident time**: each key press is stored with its incident time in the same transaction
  (:mod:`bwvtool.incidents.commands`);
* **states across cameras**: a state started on camera 2 is ended by its key whichever camera is main, at the
  frame camera 2 shows at that incident time (a state belongs to the camera it was coded on); starting another
  state of an exclusive track ends the running one the same way;
* **one undo history** for the incident: Ctrl+Z undoes the last key press, on whichever camera it landed;
* **causes across cameras**: an escalation marker links to the coder's last event of another actor before it on
  the incident clock (the desk's rule), whichever camera that was coded on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bwvtool.coding.assignments import coding_for
from bwvtool.coding.errors import CodingError
from bwvtool.coding.model import Event
from bwvtool.coding.scripted import session_for
from bwvtool.coding.session import CodingSession
from bwvtool.errors import UsageError
from bwvtool.incidents.commands import on_incident
from bwvtool.incidents.timeline import Placement
from bwvtool.media import frametimes
from bwvtool.store import Workspace
from bwvtool.store import incidents as rows
from bwvtool.store import queue as queue_rows

if TYPE_CHECKING:
    from bwvtool.codebook import Codebook
    from bwvtool.media.timestamps import FrameTimes


class IncidentCoding:
    """``coder``'s coding of ``incident_id`` with codebook ``codebook_key``, on cameras placed by ``placements``
    whose frames are ``times`` (each camera's frame times: the players' own, or read from the files)."""

    def __init__(
        self,
        ws: Workspace,
        incident_id: str,
        coder: str,
        codebook_key: str,
        placements: Mapping[str, Placement],
        times: Mapping[str, FrameTimes],
    ) -> None:
        self.ws, self.incident_id, self.coder, self.key = ws, incident_id, coder, codebook_key
        self.placements, self.times = dict(placements), dict(times)
        self.sessions: dict[str, CodingSession] = {}
        self._undo: list[list[CodingSession]] = []
        self._redo: list[list[CodingSession]] = []
        self.codebook: Codebook | None = None
        for clip_id in self.placements:
            self.session(clip_id)  # every camera's coding, so a state running on any of them is known

    def session(self, clip_id: str) -> CodingSession:
        """The coder's coding of camera ``clip_id``: their open assignment of it, else clip-level work."""
        found = self.sessions.get(clip_id)
        if found is not None:
            return found
        if clip_id not in self.placements:
            raise UsageError(f"clip {clip_id} is not a camera of incident {self.incident_id}")
        known = self.ws.find_coder(self.coder)
        coder_id = -1 if known is None else known
        mine = queue_rows.for_clip(self.ws.conn, clip_id, coder_id)
        assignment = next((a for a in mine if a.status != "complete"), mine[0] if mine else None)
        coding = coding_for(self.ws, clip_id, coder_id, assignment, self.key)
        if self.codebook is None:
            self.codebook = coding.codebook
        elif (coding.codebook.key, coding.codebook.version) != (self.codebook.key, self.codebook.version):
            raise UsageError(
                f"{clip_id} is coded with {coding.codebook.key} v{coding.codebook.version}, the incident's other"
                f" cameras with {self.codebook.key} v{self.codebook.version}: code them with one codebook"
            )
        found = self.sessions[clip_id] = session_for(self.ws, coding, self.coder)
        return found

    # -- where each camera is ---------------------------------------------------------------------------------
    def frame(self, clip_id: str, incident_ms: float) -> tuple[int, int]:
        """(frame start ms, frame index) of the frame camera ``clip_id`` shows at ``incident_ms``.

        :raises UsageError: the camera is not filming then, or its frames are not known.
        """
        times = self.times.get(clip_id)
        if times is None:
            raise UsageError(f"{clip_id}'s frame times are not known yet")
        index = self.placements[clip_id].frame_at(incident_ms, times)
        if index is None:
            raise UsageError(f"{clip_id} is not filming at incident time {incident_ms / 1000:.3f} s")
        return frametimes.frame_ms(times, index), index

    def running(self) -> list[Event]:
        """States still running, on every camera."""
        return [event for session in self.sessions.values() for event in session.running()]

    # -- the keyboard's meaning -------------------------------------------------------------------------------
    def press(
        self,
        code: str,
        *,
        camera: str,
        incident_ms: float,
        actor: str,
        modifiers: dict[str, Any] | None = None,
    ) -> Event:
        """A code key pressed while camera ``camera`` is main and shows the frame on screen at ``incident_ms``.

        A point code, or a new state, is recorded on ``camera`` at its frame. The key of a running state ends it
        on the camera it was coded on, at the frame that camera shows at ``incident_ms``; a new state of an
        exclusive track ends the running one likewise. One undoable step either way.
        """
        main = self.session(camera)
        spec = main.codes.spec(code)
        companions = on_incident(self.incident_id, incident_ms)
        if not spec.is_state:
            at_ms, at_frame = self.frame(camera, incident_ms)
            event = main.code_key(code, at_ms=at_ms, at_frame=at_frame, actor=actor, modifiers=modifiers,
                                  companions=companions)  # fmt: skip
            self._patient()
            group = [main]
            cause = self._cause_for(code, actor, incident_ms, event.id)  # type: ignore[arg-type]
            if cause is not None:  # as on the desk: the link is a second step of the same key press
                event = main.edit(event.id, caused_by=cause)  # type: ignore[arg-type]
                group.append(main)
            self._done(group)
            return event
        elsewhere = next(
            (
                (clip_id, running)
                for clip_id, session in self.sessions.items()
                if clip_id != camera and (running := session.open_state(spec.track, actor, code)) is not None
            ),
            None,
        )
        if elsewhere is not None and (elsewhere[1].code == code or spec.exclusive):
            other_id, running = elsewhere
            other = self.sessions[other_id]
            end_ms, end_frame = self._end_frame(other_id, running, incident_ms)
            ended = other.code_key(running.code, at_ms=end_ms, at_frame=end_frame, actor=actor,
                                   companions=companions)  # fmt: skip
            self._patient()
            if running.code == code:
                self._done([other])
                return ended
            try:  # the new state starts on the main camera: both keys are one step, or neither happens
                started = self._start(main, code, camera, incident_ms, actor, modifiers)
            except (CodingError, UsageError):
                other.undo()
                raise
            self._done([other, main])
            return started
        started = self._start(main, code, camera, incident_ms, actor, modifiers)
        self._done([main])
        return started

    def _patient(self) -> None:
        """The key press's first step is stored: its other steps wait as long as the lock needs (an import holds it
        for a short step at a time), so a press kept waiting by a busy workspace is never left half done."""
        for session in self.sessions.values():
            session.busy_ms = None

    def wait_at_most(self, ms: int | None) -> None:
        """How long the next key press's first step may wait for another program's write lock."""
        for session in self.sessions.values():
            session.busy_ms = ms

    def _cause_for(self, code: str, actor: str, incident_ms: float, event_id: int) -> int | None:
        """An escalation marker links to its cause, as on the desk: the coder's last event of another actor at or
        before it on the incident clock, whichever camera it was coded on."""
        if self.codebook is None or not self.codebook.code(code).links_cause:
            return None
        before = [
            e
            for e in self.events()
            if e["event_id"] != event_id and e["actor"] != actor and e["onset_incident_ms"] <= incident_ms
        ]
        return (
            max(before, key=lambda e: (e["onset_incident_ms"], e["event_id"]))["event_id"] if before else None
        )

    def _start(self, session: CodingSession, code: str, camera: str, incident_ms: float, actor: str,
               modifiers: dict[str, Any] | None) -> Event:  # fmt: skip
        at_ms, at_frame = self.frame(camera, incident_ms)
        return session.code_key(code, at_ms=at_ms, at_frame=at_frame, actor=actor, modifiers=modifiers,
                                companions=on_incident(self.incident_id, incident_ms))  # fmt: skip

    def _end_frame(self, clip_id: str, running: Event, incident_ms: float) -> tuple[int, int]:
        try:
            return self.frame(clip_id, incident_ms)
        except UsageError as exc:
            raise UsageError(
                f"{running.code} was started on {clip_id}, which is not filming at incident time"
                f" {incident_ms / 1000:.3f} s: end it while {clip_id} films ({exc})"
            ) from None

    def _done(self, sessions: list[CodingSession]) -> None:
        self._undo.append(sessions)
        self._redo.clear()

    # -- history ------------------------------------------------------------------------------------------------
    def undo(self) -> str | None:
        """Undo the last key press (on whichever camera it landed); its label, or None when there is none."""
        return self._step(self._undo, self._redo, undo=True)

    def redo(self) -> str | None:
        return self._step(self._redo, self._undo, undo=False)

    @staticmethod
    def _step(
        source: list[list[CodingSession]], target: list[list[CodingSession]], *, undo: bool
    ) -> str | None:
        if not source:
            return None
        group = source[-1]
        labels = []
        for session in reversed(group) if undo else group:
            labels.append((session.undo if undo else session.redo)() or "")
        source.pop()  # only once every camera's store has it: a busy workspace leaves the history as it was
        target.append(group)
        return " + ".join(label for label in labels if label)

    # -- reading ------------------------------------------------------------------------------------------------
    def events(self) -> list[dict[str, Any]]:
        """The coder's own events on the incident's time (incident times, camera and frames coded on)."""
        return rows.events(self.ws.conn, self.incident_id, self.coder)


def codebooks_for(ws: Workspace, incident_id: str, coder: str) -> tuple[list[str], str | None]:
    """The codebooks an incident may be coded with (keys, newest versions stored), and the one the coder's
    coding of its cameras already uses or their assignment names (None: nothing decided yet)."""
    from bwvtool.coding.assignments import known_coding
    from bwvtool.store import codebooks as codebook_rows

    keys = sorted({stored.key for stored in codebook_rows.list_codebooks(ws.conn)})
    known = ws.find_coder(coder)
    if known is not None:
        for clip in rows.clips(ws.conn, incident_id):
            for assignment in [*queue_rows.for_clip(ws.conn, clip["clip_id"], known), None]:
                coding = known_coding(ws, clip["clip_id"], known, assignment)
                if coding is not None:
                    return keys, coding.codebook.key
    return keys, None
