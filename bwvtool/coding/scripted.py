"""Coding without the app: the same session and commands, driven by times instead of key presses.

Used by ``bwvtool events`` and ``bwvtool review`` so researchers can script corrections and imports, and so
everything the desk does (other than looking and clicking) is also a command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bwvtool.codebook.model import Codebook
from bwvtool.coding.commands import AddEvent, Command, Composite, EditEvent
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodebookCodes, CodingSession
from bwvtool.errors import UsageError
from bwvtool.store import Workspace, catalogue
from bwvtool.store import codebooks as codebook_rows
from bwvtool.store import events as event_rows


def codebook_for(ws: Workspace, clip_id: str, coder_id: int, key: str | None) -> tuple[int, Codebook]:
    """The codebook a coder codes a clip with: the one their events already use, else ``key`` (latest)."""
    existing = event_rows.for_clip(ws.conn, clip_id, coder_id)
    if existing:
        stored = codebook_rows.get_codebook_by_id(ws.conn, existing[0].codebook_id)
        if key and stored.key != key:
            raise UsageError(f"{clip_id} is already coded by this coder with {stored.key}, not {key}")
    elif key:
        stored = codebook_rows.get_codebook(ws.conn, key)
    else:
        raise UsageError("say which codebook to code with (--codebook KEY)")
    return stored.id, stored.codebook


def open_session(ws: Workspace, clip_id: str, coder: str, codebook_key: str | None) -> CodingSession:
    _check_clip(ws, clip_id)
    with ws.transaction(coder) as tx:
        coder_id = ws.coder_id(tx, coder)
    codebook_id, codebook = codebook_for(ws, clip_id, coder_id, codebook_key)
    return CodingSession(
        ws, clip_id=clip_id, coder=coder, codebook_id=codebook_id, codes=CodebookCodes(codebook)
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
) -> Event:
    """Record a point event, or a state from ``at_ms`` to ``to_ms`` (both snapped to the frames shown then).

    Every input is checked before anything is written (not even a new coder's registration), and the event is
    stored whole in one transaction: a state never exists half-recorded, running without its end.
    """
    _check_clip(ws, clip_id)
    known_coder = ws.find_coder(coder)
    codebook_id, codebook = codebook_for(
        ws, clip_id, -1 if known_coder is None else known_coder, codebook_key
    )
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
    session = CodingSession(ws, clip_id=clip_id, coder=coder, codebook_id=codebook_id, codes=codes)
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
    )
    parts: list[Command] = []
    # As on the desk: a state of an exclusive track ends the one running, in the same step.
    if running is not None and spec.exclusive:
        ended = {"offset_ms": onset_ms, "offset_frame": onset_frame}
        parts.append(EditEvent(running.id, {k: None for k in ended}, ended, label=f"end {running.code}"))  # type: ignore[arg-type]
    parts.append(AddEvent(event, label=f"add {code}"))
    added: list[Event] = []
    session.on_change(lambda kind, changed: added.append(changed) if kind == "added" else None)  # type: ignore[func-returns-value]
    session.execute(parts[0] if len(parts) == 1 else Composite(parts, label=f"switch to {code}"))
    return added[-1]


def delete_event(ws: Workspace, event_id: int, coder: str) -> Event:
    event = event_rows.get(ws.conn, event_id)
    if event is None:
        raise UsageError(f"no event {event_id}")
    if event.coder_id != ws.find_coder(coder):  # checked before the session registers a new coder
        raise UsageError(f"event {event_id} belongs to another coder")
    session = open_session(ws, event.clip_id, coder, None)
    session.delete(event_id)
    return event
