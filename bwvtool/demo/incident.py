"""The demo's multi-camera incident: one scene filmed by four officers' cameras, aligned and coded on incident time.

Made with :func:`bwvtool.media.synth_incident.make_incident` (different start times, 25 and 29.97 fps, a clock
100 ppm fast, a silent pre-event buffer; every frame carries its index as a pixel code), imported the way users
import catalogues, aligned by sound (:func:`bwvtool.incidents.library.align_incident`), then coded by a demo
reviewer on incident time through :class:`~bwvtool.incidents.session.IncidentCoding` — some events on camera 2,
some on camera 1 — with a completed review of camera 1, so its debrief shows stills from the camera each event
was coded on. Open it from the app's Incidents menu (*Open incident (all cameras)…*). Run again, it finds its
incident and changes nothing.
"""

from __future__ import annotations

import random
from pathlib import Path

from bwvtool.store import Workspace
from bwvtool.store import incidents as incident_rows

INCIDENT = "INC-DEMO-1"
CODER = "rev.adams"
CODEBOOK = "ss_language_behaviour"
STARRED = "threat_warning"
SECONDS = 60
CAMERAS = 4
SIZE = (480, 270)
# (camera number, code, actor, incident s, end s or None): keyed on the camera that saw it best.
SCRIPT = (
    (2, "command", "officer_1", 34.0, None),
    (1, "verbal_resistance", "subject_1", 35.0, 41.5),
    (2, "reason_given", "officer_1", 38.2, None),
    (1, "threat_warning", "officer_1", 42.0, None),
    (2, "escalation_up", "subject_1", 43.0, None),
    (1, "explains_process", "officer_1", 47.5, None),
    (2, "complies", "subject_1", 52.0, None),
    (1, "escalation_down", "officer_1", 49.5, None),
)


def clip_of(number: int) -> str:
    return f"{INCIDENT}-C{number}"


def add_incident(ws: Workspace, directory: Path, *, actor: str | None = None) -> bool:
    """Film, import, align and code the demo incident in ``directory`` (once); True when it was made now."""
    if incident_rows.exists(ws.conn, INCIDENT):
        return False
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.incidents import library
    from bwvtool.media.synth_incident import make_incident

    width, height = SIZE
    incident = make_incident(directory / INCIDENT, seconds=SECONDS, cameras=CAMERAS, incident_id=INCIDENT,
                             width=width, height=height)  # fmt: skip
    import_catalogue(ws, incident.catalogue, media_root=directory, hash_media=True, actor=actor)
    library.align_incident(ws, INCIDENT, actor=actor)
    _code(ws, incident)
    return True


def _code(ws: Workspace, incident) -> None:
    from bwvtool.catalogue.clips import clip_details
    from bwvtool.demo.coded import complete_review, review_answers
    from bwvtool.incidents import library
    from bwvtool.incidents.session import IncidentCoding
    from bwvtool.media.probe import frame_times
    from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook

    ensure_default_codebooks(ws, actor=CODER)
    places = library.placements(ws, INCIDENT)
    times = {clip: frame_times(incident.media(clip)) for clip in places}
    coding = IncidentCoding(ws, INCIDENT, CODER, CODEBOOK, places, times)
    for number, code, actor, at_s, end_s in SCRIPT:
        event = coding.press(code, camera=clip_of(number), incident_ms=at_s * 1000, actor=actor)
        if end_s is not None:
            coding.press(code, camera=clip_of(number), incident_ms=end_s * 1000, actor=actor)
        if code == STARRED:  # a key moment seen on camera 1, beside camera 2's first command and reason
            coding.session(clip_of(number)).edit(event.id, starred=True)
    stored = get_codebook(ws.conn, CODEBOOK)
    camera_1 = clip_of(1)
    answers = review_answers(stored.codebook, clip_details(ws, camera_1), random.Random(12))
    complete_review(ws, camera_1, CODER, stored.codebook, stored.id, answers)
