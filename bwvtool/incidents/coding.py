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
    event = add_event(
        ws,
        clip_id=camera,
        coder=coder,
        code=code,
        at_ms=place.camera_ms(at_ms) + ROUND_TRIP_MS,
        to_ms=None if to_ms is None else place.camera_ms(to_ms) + ROUND_TRIP_MS,
        **details,
    )
    with ws.transaction(coder) as tx:
        rows.link_event(tx, event.id, incident_id, at_ms, to_ms)
    return event


def _duration_ms(ws: Workspace, incident_id: str, clip_id: str) -> float:
    clip = next(c for c in clips_to_align(ws, incident_id) if c["clip_id"] == clip_id)
    return float(clip["duration_s"]) * 1000


def views(ws: Workspace, incident_id: str) -> list[dict[str, Any]]:
    """The incident's events on incident time, each with the frame every camera shows at its onset (None where
    a camera is not filming or has no readable video)."""
    from bwvtool.errors import MediaError
    from bwvtool.media.probe import frame_times

    places = placements(ws, incident_id)
    media = {c["clip_id"]: c["media_path"] for c in clips_to_align(ws, incident_id)}
    times = {}
    for clip_id in places:
        try:
            times[clip_id] = frame_times(Path(media[clip_id])) if media.get(clip_id) else None
        except MediaError:
            times[clip_id] = None
    out = []
    for event in rows.events(ws.conn, incident_id):
        at = event["onset_incident_ms"]
        event["frames"] = {c: _frame(places[c], at, times[c]) for c in places}
        out.append(event)
    return out


def _frame(place: Placement, at_ms: float, times) -> int | None:
    return None if times is None else place.frame_at(at_ms, times)


def point_codes(ws: Workspace) -> dict[str, list[tuple[str, str]]]:
    """Each stored codebook's point codes (its newest version) as (code id, label), by codebook key: what the
    incident window offers to code at the moment on screen."""
    from bwvtool.store import codebooks

    newest = {stored.key: stored for stored in codebooks.list_codebooks(ws.conn)}
    return {
        key: [(c.id, c.label) for c in stored.codebook.codes if not c.is_state]
        for key, stored in sorted(newest.items())
    }


def incident_events(ws: Workspace, incident_id: str) -> list[dict[str, Any]]:
    """The incident's events on incident time (no frame times read: see :func:`views` for every camera's frame)."""
    return rows.events(ws.conn, incident_id)
