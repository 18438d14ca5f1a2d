"""Coding a whole incident on incident time: code keys on whichever camera is main, states across cameras, one
undo history, and blind double coding of `incident events` as on a clip. Real generated media, a real workspace.
"""

from __future__ import annotations

import json

import pytest

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.incidents import library
from bwvtool.incidents.session import IncidentCoding
from bwvtool.media.probe import frame_times
from bwvtool.media.synth_incident import make_incident
from bwvtool.store import events as event_rows
from bwvtool.store import incidents as rows
from bwvtool.store.codebooks import import_codebook_file
from tests.conftest import REPO

INCIDENT = "INC-SYN-1"
C1, C2, C3 = (f"{INCIDENT}-C{n}" for n in (1, 2, 3))
CODEBOOK = REPO / "schemas" / "codebooks" / "ss_language_behaviour.yaml"


@pytest.fixture(scope="module")
def incident(tmp_path_factory):
    return make_incident(tmp_path_factory.mktemp("incident"), seconds=60, cameras=3, incident_id=INCIDENT)


@pytest.fixture
def coding(incident, workspace):
    import_catalogue(workspace, incident.catalogue, actor="test-user")
    import_codebook_file(workspace, CODEBOOK, actor="test-user")
    library.align_incident(workspace, INCIDENT, actor="test-user")
    places = library.placements(workspace, INCIDENT)
    times = {clip: frame_times(incident.media(clip)) for clip in places}
    return IncidentCoding(workspace, INCIDENT, "reviewer", "ss_language_behaviour", places, times)


def _stored(ws, event_id):
    (row,) = [e for e in rows.events(ws.conn, INCIDENT) if e["event_id"] == event_id] or [None]
    return row


@pytest.mark.both_engines
def test_a_state_started_on_camera_2_ends_on_camera_2_when_camera_1_is_main(coding, workspace):
    start, end = 36_000.0, 38_500.0
    point = coding.press("command", camera=C2, incident_ms=35_000.0, actor="officer_1")
    assert point.clip_id == C2 and point.onset_frame == coding.frame(C2, 35_000.0)[1]
    state = coding.press("verbal_resistance", camera=C2, incident_ms=start, actor="subject_1")
    assert state.offset_ms is None and _stored(workspace, state.id)["offset_incident_ms"] is None
    ended = coding.press("verbal_resistance", camera=C1, incident_ms=end, actor="subject_1")  # C1 is main now
    assert ended.id == state.id and ended.clip_id == C2
    assert (ended.offset_ms, ended.offset_frame) == coding.frame(C2, end)  # C2's own frame at that moment
    stored = _stored(workspace, state.id)
    assert (stored["onset_incident_ms"], stored["offset_incident_ms"]) == (start, end)
    assert coding.undo() == "end verbal_resistance"
    assert _stored(workspace, state.id)["offset_incident_ms"] is None
    assert event_rows.get(workspace.conn, state.id).offset_ms is None
    assert coding.redo() and _stored(workspace, state.id)["offset_incident_ms"] == end
    coding.undo(), coding.undo(), coding.undo()  # the end, the start, the point: nothing is left
    assert rows.events(workspace.conn, INCIDENT) == []
    assert workspace.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    assert coding.undo() is None


def test_another_state_of_an_exclusive_track_ends_the_running_one_on_its_camera(coding, workspace):
    first = coding.press("verbal_resistance", camera=C2, incident_ms=36_000.0, actor="subject_1")
    second = coding.press("active_resistance", camera=C1, incident_ms=37_000.0, actor="subject_1")
    assert second.clip_id == C1 and second.offset_ms is None
    assert event_rows.get(workspace.conn, first.id).offset_ms == coding.frame(C2, 37_000.0)[0]
    assert _stored(workspace, first.id)["offset_incident_ms"] == 37_000.0
    coding.undo()  # one key press, one undo: both cameras go back
    assert event_rows.get(workspace.conn, second.id) is None
    assert event_rows.get(workspace.conn, first.id).offset_ms is None
    assert [e.id for e in coding.running()] == [first.id]


def test_a_state_cannot_end_where_its_camera_is_not_filming(coding, workspace, incident):
    places = coding.placements
    _, c3_end = places[C3].span(incident.camera(C3).seconds * 1000)
    state = coding.press("calm", camera=C3, incident_ms=c3_end - 2_000, actor="officer_1")
    later = min(
        c3_end + 3_000, max(p.span(incident.camera(c).seconds * 1000)[1] for c, p in places.items()) - 10
    )
    from bwvtool.errors import UsageError

    with pytest.raises(UsageError, match=f"calm was started on {C3}, which is not filming"):
        coding.press("calm", camera=C1, incident_ms=later, actor="officer_1")
    assert event_rows.get(workspace.conn, state.id).offset_ms is None


@pytest.mark.both_engines
def test_incident_events_are_blind_as_on_a_clip(incident, run_cli, workspace, tmp_path):
    import_catalogue(workspace, incident.catalogue, actor="test-user")
    assert run_cli("codebook", "import", str(CODEBOOK))[0] == 0
    assert run_cli("coder", "add", "c1", "c2")[0] == 0
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "name: Incidents\ncodebook: ss_language_behaviour\nunit: incident\n"
        'frame:\n  window: {from: "2026-11-01", to: "2026-11-30"}\n'
        "design:\n  sample:\n    method: simple\n    n: 1\nassignment:\n  double_code: 1.0\n"
    )
    code, out, err = run_cli("--user", "lead", "sample", "draw", str(plan), "--coders", "c1,c2", "--json")
    assert code == 0, err
    assert run_cli("incident", "align", INCIDENT)[0] == 0
    for user, at in (("c1", "35000"), ("c2", "35100")):
        code, _, err = run_cli("--user", user, "incident", "code", INCIDENT, "--camera", C2, "--code", "command",
                               "--at-ms", at)  # fmt: skip
        assert code == 0, err
    code, out, err = run_cli("--user", "c1", "incident", "events", INCIDENT, "--json")
    assert code == 0 and [e["coder"] for e in json.loads(out)] == ["c1"]
    assert "blind:" in err and "sample unblind" in err and "1 of the incident's events" in err
    code, out, err = run_cli("--user", "lead", "incident", "events", INCIDENT, "--json")
    assert code == 0 and [e["coder"] for e in json.loads(out)] == ["c1", "c2"] and err == ""
    looks = workspace.conn.execute(
        "SELECT actor, entity, entity_id, detail FROM audit_log WHERE action = 'coding.view'"
    ).fetchall()
    assert [(a, e, i) for a, e, i, _ in looks] == [("lead", "incident", INCIDENT)]
    assert json.loads(looks[0][3])["coders"] == ["c1", "c2"]


def test_an_escalation_marker_links_to_its_cause_on_another_camera(coding, workspace):
    """As on the desk, an escalation marker links to the last event of another actor, here coded on camera 2."""
    cause = coding.press("command", camera=C2, incident_ms=35_000.0, actor="officer_1")
    marker = coding.press("escalation_up", camera=C1, incident_ms=35_800.0, actor="subject_1")
    assert marker.clip_id == C1 and marker.caused_by == cause.id
    assert event_rows.get(workspace.conn, marker.id).caused_by == cause.id
    coding.undo()  # the marker and its link go together
    assert event_rows.get(workspace.conn, marker.id) is None


@pytest.mark.both_engines
def test_moving_or_deleting_it_on_the_clip_desk_keeps_its_incident_time_true(coding, workspace):
    """The event is an ordinary event of its camera: moved on the desk, its incident time follows through the
    camera's alignment; deleted and undone, its incident time comes back with it."""
    from bwvtool.coding.scripted import open_session

    event = coding.press("command", camera=C2, incident_ms=35_000.0, actor="officer_1")
    desk = open_session(workspace, C2, "reviewer", "ss_language_behaviour")  # the desk's own session of C2
    place = coding.placements[C2]
    desk.edit(event.id, onset_ms=event.onset_ms + 1_001)
    assert _stored(workspace, event.id)["onset_incident_ms"] == pytest.approx(
        place.incident_ms(event.onset_ms + 1_001)
    )
    desk.undo()
    assert _stored(workspace, event.id)["onset_incident_ms"] == pytest.approx(
        place.incident_ms(event.onset_ms)
    )
    before = _stored(workspace, event.id)
    desk.delete(event.id)
    assert _stored(workspace, event.id) is None
    desk.undo()
    assert _stored(workspace, event.id) == before
