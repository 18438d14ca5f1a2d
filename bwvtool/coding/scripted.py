"""Coding without the app: the same session and commands, driven by times instead of key presses.

Used by ``bwvtool events`` and ``bwvtool review`` so researchers can script corrections and imports, and so
everything the desk does (other than looking and clicking) is also a command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bwvtool.codebook.model import Codebook
from bwvtool.coding.assignments import Coding, coding_for, open_coding
from bwvtool.coding.commands import AddEvent, Command, EditEvent
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodebookCodes, CodingSession, Companions, with_companions
from bwvtool.errors import ChangedElsewhere, UsageError
from bwvtool.store import Workspace, catalogue
from bwvtool.store import events as event_rows
from bwvtool.store import queue as queue_rows
from bwvtool.store.versions import changed_elsewhere


def coding_of(
    ws: Workspace, clip_id: str, coder: str, key: str | None, *, sample_id: int | None = None
) -> Coding:
    """The coding a command works on (reads only: a coder is registered by the write that needs it). A coder
    who has never acted here has no assignments and no events (id -1)."""
    known = ws.find_coder(coder)
    return open_coding(ws, clip_id, -1 if known is None else known, key=key, sample_id=sample_id)


def codebook_for(
    ws: Workspace, clip_id: str, coder_id: int, key: str | None, *, sample_id: int | None = None
) -> tuple[int, Codebook]:
    """The codebook (version id, content) a coder codes a clip with (see :func:`coding_of`)."""
    coding = open_coding(ws, clip_id, coder_id, key=key, sample_id=sample_id)
    return coding.codebook_id, coding.codebook


def open_session(
    ws: Workspace, clip_id: str, coder: str, codebook_key: str | None, *, sample_id: int | None = None
) -> CodingSession:
    _check_clip(ws, clip_id)
    coding = coding_of(ws, clip_id, coder, codebook_key, sample_id=sample_id)
    return session_for(ws, coding, coder)


def session_for(ws: Workspace, coding: Coding, coder: str) -> CodingSession:
    return CodingSession(
        ws,
        clip_id=coding.clip_id,
        coder=coder,
        codebook_id=coding.codebook_id,
        codes=CodebookCodes(coding.codebook),
        assignment_id=coding.assignment_id,
    )


def _check_clip(ws: Workspace, clip_id: str) -> None:
    if catalogue.get_clip(ws.conn, clip_id) is None:
        raise UsageError(f"no clip {clip_id} in the catalogue")


def frame_at(ws: Workspace, clip_id: str, at_ms: float) -> tuple[int, int]:
    """(frame start ms, frame index) of the frame on screen at ``at_ms``, read from the clip's own video."""
    from bwvtool.media import frametimes
    from bwvtool.media.probe import frame_times

    clip = catalogue.get_clip(ws.conn, clip_id)
    media = clip.get("media_path") if clip else None
    if not media or not Path(media).is_file():
        raise UsageError(f"{clip_id} has no readable media file: events need the frame on screen")
    times = frame_times(media)
    index = times.index_at(at_ms)
    return frametimes.frame_ms(times, index), index


def add_event(
    ws: Workspace,
    *,
    clip_id: str,
    coder: str,
    code: str,
    at_ms: float,
    to_ms: float | None = None,
    actor: str | None = None,
    modifiers: dict[str, Any] | None = None,
    note: str | None = None,
    codebook_key: str | None = None,
    sample_id: int | None = None,
    companions: Companions | None = None,
) -> Event:
    """Record a point event, or a state from ``at_ms`` to ``to_ms`` (both snapped to the frames shown then).

    Every input is checked before anything is written (not even a new coder's registration), and the event is
    stored whole in one transaction: a state never exists half-recorded, running without its end.
    ``companions``: more commands for that transaction (see :meth:`CodingSession.code_key`).
    """
    _check_clip(ws, clip_id)
    coding = coding_of(ws, clip_id, coder, codebook_key, sample_id=sample_id)
    codebook_id, codebook = coding.codebook_id, coding.codebook
    codes = CodebookCodes(codebook)
    spec = codes.spec(code)
    definition = codebook.code(code)
    problems = definition.modifier_problems(modifiers or {})
    if problems:
        raise UsageError("; ".join(problems))
    if (to_ms is not None) != spec.is_state:
        raise UsageError(f"{code} is a {'state: give --to-ms' if spec.is_state else 'point: no --to-ms'}")
    if to_ms is not None and to_ms <= at_ms:
        raise UsageError(f"--to-ms {to_ms:g} must be after --at-ms {at_ms:g}: a state ends after it begins")
    who = actor or (
        "third_party" if definition.default_actor == "third_party" else f"{definition.default_actor}_1"
    )
    kind = "third_party" if who == "third_party" else who.rpartition("_")[0]
    if kind not in definition.actors or (kind != "third_party" and not who.rpartition("_")[2].isdigit()):
        allowed = ", ".join("third_party" if a == "third_party" else f"{a}_N" for a in definition.actors)
        raise UsageError(f"{code} is coded for {allowed}, not {who!r}")
    onset_ms, onset_frame = frame_at(ws, clip_id, at_ms)
    end_ms = end_frame = None
    if to_ms is not None:
        end_ms, end_frame = frame_at(ws, clip_id, to_ms)
        if end_ms <= onset_ms:
            raise UsageError(
                f"--at-ms {at_ms:g} and --to-ms {to_ms:g} fall on the same frame ({onset_frame}):"
                " a state needs at least one frame"
            )
    session = session_for(ws, coding, coder)
    running = session.open_state(spec.track, who, code) if spec.is_state else None
    if running is not None and running.code == code:
        raise UsageError(
            f"a {code} state is still running for {who} (event {running.id}); end it in the app first"
        )
    event = Event(
        clip_id=clip_id,
        coder_id=session.coder_id,
        codebook_id=codebook_id,
        track=spec.track,
        code=code,
        actor=who,
        onset_ms=onset_ms,
        onset_frame=onset_frame,
        offset_ms=end_ms,
        offset_frame=end_frame,
        modifiers=modifiers or {},
        note=note,
        assignment_id=coding.assignment_id,
    )
    parts: list[Command] = []
    # As on the desk: a state of an exclusive track ends the one running, in the same step.
    if running is not None and spec.exclusive:
        ended = {"offset_ms": onset_ms, "offset_frame": onset_frame}
        parts.append(EditEvent(running.id, {k: None for k in ended}, ended, label=f"end {running.code}"))  # type: ignore[arg-type]
    parts.append(AddEvent(event, label=f"add {code}"))
    added: list[Event] = []
    session.on_change(lambda kind, changed: added.append(changed) if kind == "added" else None)  # type: ignore[func-returns-value]
    session.execute(
        with_companions(companions, parts, f"add {code}" if len(parts) == 1 else f"switch to {code}")
    )
    return added[-1]


def delete_event(ws: Workspace, event_id: int, coder: str, version: int | None = None) -> Event:
    """Delete one of ``coder``'s events (``version``: only if it is still the version they read).

    :raises ChangedElsewhere: the event is no longer ``version``.
    """
    event = event_rows.get(ws.conn, event_id)
    if event is None:
        if version is not None:
            raise ChangedElsewhere(f"event {event_id} was deleted by someone else meanwhile")
        raise UsageError(f"no event {event_id}")
    if event.coder_id != ws.find_coder(coder):  # checked before the session registers a new coder
        raise UsageError(f"event {event_id} belongs to another coder")
    assignment = None if event.assignment_id is None else queue_rows.get(ws.conn, event.assignment_id)
    coding = coding_for(ws, event.clip_id, event.coder_id, assignment)
    session = session_for(ws, coding, coder)
    if version is not None and session.event(event_id).version != version:
        raise changed_elsewhere(ws.conn, f"event {event_id}", "events", "id = ?", (event_id,))
    session.delete(event_id)  # the store checks the version again, in the deleting transaction
    return event
