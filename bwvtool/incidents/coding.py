"""Coding once, on incident time: an event coded on one camera of an aligned incident, seen on every camera.

The event itself is an ordinary event of the camera it was coded on (that clip's time and frame, the same checks
and the same single transaction as ``bwvtool events add``), so clip-level coding, reliability and exports read it
unchanged. A row in ``incident_events`` adds the incident and the incident times; with the alignment, every
other camera's frame at that moment follows (:meth:`~bwvtool.incidents.timeline.Placement.frame_at`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bwvtool.coding.model import Event
from bwvtool.errors import UsageError
from bwvtool.incidents.commands import on_incident
from bwvtool.incidents.library import clips_to_align, placements
from bwvtool.incidents.timeline import ROUND_TRIP_MS, Placement
from bwvtool.store import Workspace
from bwvtool.store import incidents as rows


def code_on_incident(
    ws: Workspace,
    incident_id: str,
    *,
    camera: str,
    coder: str,
    code: str,
    at_ms: float,
    to_ms: float | None = None,
    **details: Any,
) -> Event:
    """Record ``code`` at incident time ``at_ms`` (to ``to_ms`` for a state) as coded on clip ``camera``, at the
    frame that camera shows then. ``details``: ``actor``, ``modifiers``, ``note``, ``codebook_key`` as for
    :func:`bwvtool.coding.scripted.add_event`.

    :raises UsageError: the incident is not aligned, ``camera`` is not one of its clips or is not filming then,
        or the event itself is not valid (see ``add_event``).
    """
    from bwvtool.coding.scripted import add_event

    place = placements(ws, incident_id).get(camera)
    if place is None:
        raise UsageError(f"clip {camera} is not a camera of incident {incident_id}")
    duration_ms = _duration_ms(ws, incident_id, camera)
    for moment in (at_ms, to_ms):
        if moment is not None and not 0 <= place.camera_ms(moment) <= duration_ms:
            start, end = place.span(duration_ms)
            raise UsageError(
                f"{camera} films incident time {start / 1000:.3f}–{end / 1000:.3f} s, not {moment / 1000:.3f} s"
            )
    return add_event(
        ws,
        clip_id=camera,
        coder=coder,
        code=code,
        at_ms=place.camera_ms(at_ms) + ROUND_TRIP_MS,
        to_ms=None if to_ms is None else place.camera_ms(to_ms) + ROUND_TRIP_MS,
        companions=on_incident(incident_id, at_ms, to_ms),
        **details,
    )


def _duration_ms(ws: Workspace, incident_id: str, clip_id: str) -> float:
    clip = next(c for c in clips_to_align(ws, incident_id) if c["clip_id"] == clip_id)
    return float(clip["duration_s"]) * 1000


def views(
    ws: Workspace, incident_id: str, viewer: str | None = None, coder: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The incident's events on incident time (``coder``'s only, if given), each with the frame every camera shows
    at its onset (None where a camera is not filming or has no readable video), as ``viewer`` may see them; and a
    notice when blind double coding hides other coders' events (see :func:`visible_events`)."""
    from bwvtool.errors import MediaError
    from bwvtool.media.probe import frame_times

    found, notice = visible_events(ws, incident_id, viewer, coder)
    places = placements(ws, incident_id)
    media = {c["clip_id"]: c["media_path"] for c in clips_to_align(ws, incident_id)}
    times = {}
    for clip_id in places:
        try:
            times[clip_id] = frame_times(Path(media[clip_id])) if media.get(clip_id) else None
        except MediaError:
            times[clip_id] = None
    for event in found:
        at = event["onset_incident_ms"]
        event["frames"] = {c: _frame(places[c], at, times[c]) for c in places}
    return found, notice


def visible_events(
    ws: Workspace, incident_id: str, viewer: str | None, coder: str | None = None, *, audit: bool = True
) -> tuple[list[dict[str, Any]], str | None]:
    """The incident's events on incident time that ``viewer`` may see, as on a clip (blind double coding): on a
    camera double-coded in a sample not yet opened, a coder of that sample sees only their own events; anyone
    else sees everyone's, and the look is audited (``audit``; the incident window audits when it opens, not
    after each key press). ``viewer`` None: a library call, not checked. Returns the
    events and, when some were held back, a notice saying why."""
    from bwvtool.coding import blind
    from bwvtool.store import blinding

    if not rows.exists(ws.conn, incident_id):
        raise UsageError(f"no incident {incident_id} in the catalogue")
    found = rows.events(ws.conn, incident_id, coder)
    if viewer is None:
        return found, None
    hidden = blinding.clips_blind_to(ws.conn, viewer) & {e["clip_id"] for e in found}
    shown = [e for e in found if e["clip_id"] not in hidden or e["coder"] == viewer]
    notice = None
    if len(shown) < len(found):
        first = sorted({e["clip_id"] for e in found if e["clip_id"] in hidden and e["coder"] != viewer})[0]
        notice = blind.clip_view(ws, first, viewer).reason(first) + (
            f"; {len(found) - len(shown)} of the incident's events by other coders are not shown"
        )
    if audit:
        blind.record_look(ws, viewer, "incident", incident_id, [e["coder"] for e in shown], "incident events")
    return shown, notice


def _frame(place: Placement, at_ms: float, times) -> int | None:
    return None if times is None else place.frame_at(at_ms, times)


def incident_events(
    ws: Workspace, incident_id: str, viewer: str | None = None, *, audit: bool = True
) -> list[dict[str, Any]]:
    """The incident's events on incident time that ``viewer`` may see (no frame times read: see :func:`views`
    for every camera's frame)."""
    return visible_events(ws, incident_id, viewer, audit=audit)[0]


def seen_from(
    ws: Workspace, clip_id: str, coder_id: int, codebook_id: int
) -> list[tuple[Event, int, str | None]]:
    """The coder's events coded on incident time on the *other* cameras of ``clip_id``'s aligned incident (with
    ``codebook_id``), during ``clip_id``'s span: each as (the event with its times moved onto ``clip_id``'s clock,
    its own camera's time in ms, that camera's media path). Its clip and frames stay the camera's it was coded on.
    What a debrief of one camera adds so that an event coded on another camera keeps its place and its still."""
    from bwvtool.store import events as event_rows

    incident_id = rows.incident_of(ws.conn, clip_id)
    if incident_id is None:
        return []
    places = {r["clip_id"]: r for r in rows.alignments(ws.conn, incident_id)}
    if clip_id not in places:
        return []
    clips = {c["clip_id"]: c for c in rows.clips(ws.conn, incident_id)}
    here = Placement(clip_id, places[clip_id]["offset_ms"], places[clip_id]["drift_ppm"])
    length = float(clips[clip_id]["duration_s"]) * 1000
    start, end = here.span(length)
    found = []
    for linked in rows.events(ws.conn, incident_id):
        if linked["clip_id"] == clip_id or not start <= linked["onset_incident_ms"] <= end:
            continue
        event = event_rows.get(ws.conn, linked["event_id"])
        if event is None or event.coder_id != coder_id or event.codebook_id != codebook_id:
            continue
        onset = min(round(here.camera_ms(linked["onset_incident_ms"])), round(length))
        offset = linked["offset_incident_ms"]
        offset = None if offset is None else max(onset, min(round(here.camera_ms(offset)), round(length)))
        moved = event.with_changes(onset_ms=max(0, onset), offset_ms=offset)
        found.append((moved, event.onset_ms, clips[event.clip_id]["media_path"]))
    return found
