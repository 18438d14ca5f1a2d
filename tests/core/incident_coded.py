"""A sample whose one unit is a generated three-camera incident, aligned and double-coded on incident time.

Two coders code the same moments of the scene, each on a different camera (amy_r on camera 2, bo_reviewer on camera 1): clip by
clip they never meet, on the incident clock they agree. amy_r also completes a review of camera 1, so a debrief of it
gathers amy_r's events coded on camera 2. Used by the reliability, export and debrief tests of issue 12.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.incidents import library
from bwvtool.incidents.session import IncidentCoding
from bwvtool.media.probe import frame_times
from bwvtool.media.synth_incident import Incident, make_incident
from bwvtool.sampling import draw
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook
from tests.core.test_export_fixtures import review_clip

INCIDENT = "INC-SYN-1"
C1, C2, C3 = (f"{INCIDENT}-C{n}" for n in (1, 2, 3))
PLAN = """name: Incident study
codebook: ss_language_behaviour
unit: incident
frame:
  window: {from: "2026-11-01", to: "2026-11-30"}
design:
  sample: {method: simple, n: 1}
assignment:
  coders: [amy_r, bo_reviewer]
  double_code: 1.0
"""
# (code, actor, incident ms, end ms or None): what both coders code, bo_reviewer 30 ms later than amy_r.
CODED = [
    ("command", "officer_1", 35_000.0, None),
    ("verbal_resistance", "subject_1", 36_000.0, 39_000.0),
    ("reason_given", "officer_1", 40_000.0, None),
    ("complies", "subject_1", 44_000.0, None),
]
CAMERA_OF = {"amy_r": C2, "bo_reviewer": C1}


@dataclass(frozen=True)
class CodedIncident:
    db: Path
    incident: Incident
    sample_id: int
    codebook_id: int

    def open(self):
        return open_workspace(self.db)


def build_coded_incident(folder: Path) -> CodedIncident:
    incident = make_incident(folder / "media", seconds=60, cameras=3, incident_id=INCIDENT)
    db = folder / "ws.sqlite"
    with open_workspace(db, create=True) as ws:
        import_catalogue(ws, incident.catalogue, actor="setup")
        ensure_default_codebooks(ws, actor="setup")
        with ws.transaction("setup") as tx:
            for name in ("amy_r", "bo_reviewer"):
                ws.coder_id(tx, name)
        plan = folder / "plan.yaml"
        plan.write_text(PLAN, encoding="utf-8")
        sample_id = draw(ws, plan, seed=1, as_of="2026-12-01", actor="lead")
        library.align_incident(ws, INCIDENT, actor="setup")
        places = library.placements(ws, INCIDENT)
        times = {clip: frame_times(incident.media(clip)) for clip in places}
        for coder, camera in CAMERA_OF.items():
            coding = IncidentCoding(ws, INCIDENT, coder, "ss_language_behaviour", places, times)
            late = 0.0 if coder == "amy_r" else 30.0
            for code, actor, at, end in CODED:
                coding.press(code, camera=camera, incident_ms=at + late, actor=actor)
                if end is not None:
                    coding.press(code, camera=camera, incident_ms=end + late, actor=actor)
        stored = get_codebook(ws.conn, "ss_language_behaviour")
        review_clip(
            ws, C1, "amy_r", stored.codebook, stored.id, variant=0, note="reviewed on the incident clock"
        )
    return CodedIncident(db, incident, sample_id, stored.id)
