"""Aligning a generated multi-camera incident with real ffmpeg and a real workspace, proven by pixel codes.

One scene filmed by five cameras (bwvtool.media.synth_incident): 25 and 29.97 fps, a 100 ppm fast clock, a silent
pre-event buffer, catalogue clocks up to 2.3 s out, and a fifth clip that is all silent buffer. For many incident
times across each camera's clip, the frame the alignment says that camera shows is grabbed, its pixel code read,
and compared with the frame the camera really took at that moment of the scene (from truth.json).
"""

from __future__ import annotations

import json

import pytest

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.incidents import library
from bwvtool.incidents.timeline import AUDIO, CATALOGUE, REFERENCE, Placement
from bwvtool.media import framecode
from bwvtool.media.frame import grab_frame
from bwvtool.media.probe import frame_times
from bwvtool.media.synth_incident import Incident, make_incident
from bwvtool.store import incidents as rows
from tests.conftest import REPO, open_test_workspace

INCIDENT = "INC-SYN-1"
POINTS = 12  # incident times checked per camera


@pytest.fixture(scope="module")
def incident(tmp_path_factory) -> Incident:
    return make_incident(tmp_path_factory.mktemp("incident"), seconds=90, cameras=5, incident_id=INCIDENT)


@pytest.fixture(scope="module")
def aligned(incident, tmp_path_factory):
    """A workspace holding the incident's catalogue, aligned once."""
    ws = open_test_workspace(tmp_path_factory.mktemp("ws") / "ws.sqlite", create=True)
    import_catalogue(ws, incident.catalogue, actor="test-user")
    library.align_incident(ws, INCIDENT, actor="test-user")
    yield ws
    ws.close()


def _scene_clock(incident: Incident, placements: dict[str, Placement], reference: str):
    """Incident time → scene time: the incident clock is the reference camera's."""
    camera = incident.camera(reference)
    place = placements[reference]
    return lambda incident_ms: camera.scene_time(place.camera_ms(incident_ms) / 1000)


def test_every_camera_with_common_sound_is_aligned_to_the_frame(incident, aligned):
    stored = {r["clip_id"]: r for r in rows.alignments(aligned.conn, INCIDENT)}
    placements = library.placements(aligned, INCIDENT)
    reference = next(c for c, r in stored.items() if r["method"] == REFERENCE)
    to_scene = _scene_clock(incident, placements, reference)
    report = {}
    for camera in incident.cameras[:4]:
        row = stored[camera.clip_id]
        assert row["method"] in (REFERENCE, AUDIO), row
        path = incident.media(camera.clip_id)
        times = frame_times(path)
        place = placements[camera.clip_id]
        start, end = place.span(times.end_ms)
        errors = []
        for k in range(POINTS):  # from the first frame to the last, the silent buffer included
            at = start + 20 + (end - start - 60) * k / (POINTS - 1)
            shown = place.frame_at(at, times)
            grabbed = grab_frame(path, place.camera_ms(at), times=times)
            read = framecode.decode(grabbed.rgb)
            assert read == grabbed.index == shown
            truth = camera.frame_at(to_scene(at))
            errors.append(read - truth)
        report[camera.clip_id] = max(abs(e) for e in errors)
        assert report[camera.clip_id] <= 1, (camera.clip_id, errors)
    print("max frame error per camera:", json.dumps(report))


def test_the_offsets_match_the_scene_and_the_drift_is_found(incident, aligned):
    stored = {r["clip_id"]: r for r in rows.alignments(aligned.conn, INCIDENT)}
    placements = library.placements(aligned, INCIDENT)
    reference = next(c for c, r in stored.items() if r["method"] == REFERENCE)
    ref_camera = incident.camera(reference)
    for camera in incident.cameras[:4]:
        # The start of each camera relative to the reference's, in the reference's clock, to the millisecond.
        expected = (camera.start_s - ref_camera.start_s) * ref_camera.rate * 1000
        got = placements[camera.clip_id].offset_ms - placements[reference].offset_ms
        assert got == pytest.approx(expected, abs=2.0), camera.clip_id
        if camera.clip_id != reference:
            assert stored[camera.clip_id]["confidence"] > 12
            assert stored[camera.clip_id]["frame_ms"] == pytest.approx(1000 / float(camera.fps), rel=1e-3)
    # C2's clock is 100 ppm fast against the others: their drift against it is about −100 ppm, or it +100.
    drift = {c: stored[c]["drift_ppm"] - stored["INC-SYN-1-C1"]["drift_ppm"] for c in stored}
    assert drift["INC-SYN-1-C2"] == pytest.approx(100, abs=25)
    assert drift["INC-SYN-1-C3"] == pytest.approx(0, abs=25)
    assert min(r["offset_ms"] for r in stored.values()) == 0


def test_a_clip_with_no_common_sound_keeps_its_catalogue_offset_and_says_so(incident, aligned):
    stored = {r["clip_id"]: r for r in rows.alignments(aligned.conn, INCIDENT)}
    silent = stored["INC-SYN-1-C5"]
    assert silent["method"] == CATALOGUE and silent["note"] == "no sound recorded"
    assert silent["confidence"] is None and silent["drift_ppm"] == 0
    shown = library.describe(aligned, INCIDENT)
    assert (
        next(c for c in shown["clips"] if c["clip_id"] == "INC-SYN-1-C5")["label"] == "catalogue offset only"
    )


@pytest.mark.both_engines
def test_align_show_and_nudge_from_the_command_line(incident, run_cli, workspace):
    import_catalogue(workspace, incident.catalogue, actor="test-user")
    code, out, err = run_cli("incident", "align", INCIDENT)
    assert code == 0, err
    assert "catalogue offset only: no sound recorded" in out and "audio reference" in out
    before = {r["clip_id"]: r for r in rows.alignments(workspace.conn, INCIDENT)}
    code, out, err = run_cli("incident", "nudge", INCIDENT, "INC-SYN-1-C2", "--frames", "3")
    assert code == 0, err
    after = {r["clip_id"]: r for r in rows.alignments(workspace.conn, INCIDENT)}
    moved = after["INC-SYN-1-C2"]
    assert moved["nudge_frames"] == 3
    assert before["INC-SYN-1-C2"]["offset_ms"] - moved["offset_ms"] == pytest.approx(
        3 * 1001 / 30 / (1 + moved["drift_ppm"] * 1e-6), abs=1e-6
    )
    audit = workspace.conn.execute(
        "SELECT action, entity_id, detail FROM audit_log WHERE action LIKE 'incident.%' ORDER BY id"
    ).fetchall()
    assert [a[0] for a in audit] == ["incident.align", "incident.nudge"]
    assert json.loads(audit[1][2])["frames"] == 3
    code, out, err = run_cli("incident", "show", INCIDENT, "--json")
    assert code == 0 and json.loads(out)["aligned"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["incident", "align", "NOPE"], "no incident NOPE in the catalogue"),
        (["incident", "align"], "give an INCIDENT_ID or --sample ID"),
        (["incident", "align", "--sample", "99"], "no sample 99"),
        (["incident", "show", "NOPE"], "no incident NOPE in the catalogue"),
        (["incident", "nudge", INCIDENT, "INC-SYN-1-C2", "--frames", "1"], "is not aligned yet"),
        (["incident", "nudge", INCIDENT, "OTHER", "--frames", "1"], "clip OTHER is not part of incident"),
        (["incident", "nudge", INCIDENT, "INC-SYN-1-C2", "--frames", "0"], "--frames must not be 0"),
    ],
)
def test_bad_input_is_one_plain_line(incident, run_cli, workspace, args, message):
    import_catalogue(workspace, incident.catalogue, actor="test-user")
    code, out, err = run_cli(*args)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert rows.alignments(workspace.conn, INCIDENT) == []


def test_a_single_clip_incident_has_nothing_to_align(clip_workspace, run_cli):
    code, out, err = run_cli("incident", "align", "I002")
    assert code == 2 and "incident I002 has 1 clip: nothing to align" in err


def test_missing_media_keeps_the_catalogue_offset(incident, workspace, tmp_path):
    """A clip whose file is gone is placed by the catalogue, and the note says why."""
    text = incident.catalogue.read_text().replace(
        str(incident.media("INC-SYN-1-C4")), str(tmp_path / "gone.mp4")
    )
    (tmp_path / "cat.csv").write_text(text)
    import_catalogue(workspace, tmp_path / "cat.csv", actor="test-user")
    stored = {r["clip_id"]: r for r in library.align_incident(workspace, INCIDENT, actor="test-user")}
    assert stored["INC-SYN-1-C4"]["method"] == CATALOGUE
    assert (
        stored["INC-SYN-1-C4"]["note"].startswith("media unreadable:")
        and "gone.mp4" in stored["INC-SYN-1-C4"]["note"]
    )
    assert stored["INC-SYN-1-C1"]["method"] in (REFERENCE, AUDIO)


@pytest.mark.both_engines
def test_code_on_camera_2_and_read_what_camera_1_shows_then(incident, run_cli, workspace):
    """An event coded on C2 at incident time T: its own row is C2's frame; camera C1's frame at T, read from the
    pixel code, is the frame C1 really took at that moment of the scene."""
    import_catalogue(workspace, incident.catalogue, actor="test-user")
    assert (
        run_cli("codebook", "import", str(REPO / "schemas" / "codebooks" / "ss_language_behaviour.yaml"))[0]
        == 0
    )
    assert run_cli("incident", "align", INCIDENT)[0] == 0
    at = 41_234.0
    code, out, err = run_cli(
        "incident", "code", INCIDENT, "--camera", "INC-SYN-1-C2", "--code", "command", "--at-ms", str(at),
        "--codebook", "ss_language_behaviour", "--json",
    )  # fmt: skip
    assert code == 0, err
    event = json.loads(out)
    places = library.placements(workspace, INCIDENT)
    c2_times = frame_times(incident.media("INC-SYN-1-C2"))
    assert event["clip_id"] == "INC-SYN-1-C2" and event["onset_frame"] == places["INC-SYN-1-C2"].frame_at(
        at, c2_times
    )
    # Clip-level coding sees an ordinary event of C2.
    code, out, err = run_cli("events", "list", "INC-SYN-1-C2", "--json")
    assert [e["id"] for e in json.loads(out)] == [event["id"]]
    code, out, err = run_cli("incident", "events", INCIDENT, "--json")
    assert code == 0, err
    (listed,) = json.loads(out)
    assert listed["onset_incident_ms"] == at and listed["frames"]["INC-SYN-1-C5"] is None  # C5 starts later
    c1 = listed["frames"]["INC-SYN-1-C1"]
    grabbed = grab_frame(incident.media("INC-SYN-1-C1"), places["INC-SYN-1-C1"].camera_ms(at))
    assert framecode.decode(grabbed.rgb) == c1
    stored = {r["clip_id"]: r for r in rows.alignments(workspace.conn, INCIDENT)}
    reference = next(c for c, r in stored.items() if r["method"] == REFERENCE)
    truth = incident.camera("INC-SYN-1-C1").frame_at(_scene_clock(incident, places, reference)(at))
    assert abs(c1 - truth) <= 1


def test_coding_outside_a_camera_s_clip_is_refused(incident, run_cli, workspace):
    import_catalogue(workspace, incident.catalogue, actor="test-user")
    assert run_cli("incident", "align", INCIDENT)[0] == 0
    code, out, err = run_cli(
        "incident", "code", INCIDENT, "--camera", "INC-SYN-1-C5", "--code", "command", "--at-ms", "1000",
    )  # fmt: skip
    assert code == 2 and "INC-SYN-1-C5 films incident time" in err and "not 1.000 s" in err
    assert workspace.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0


def test_align_every_multi_camera_incident_of_a_sample(incident, run_cli, workspace, tmp_path):
    import_catalogue(workspace, incident.catalogue, actor="test-user")
    assert (
        run_cli("codebook", "import", str(REPO / "schemas" / "codebooks" / "ss_language_behaviour.yaml"))[0]
        == 0
    )
    assert run_cli("coder", "add", "c1")[0] == 0
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "name: Incidents\ncodebook: ss_language_behaviour\nunit: incident\n"
        'frame:\n  window: {from: "2026-11-01", to: "2026-11-30"}\n'
        "design:\n  sample:\n    method: simple\n    n: 1\n"
    )
    code, out, err = run_cli("sample", "draw", str(plan), "--seed", "1", "--json")
    assert code == 0, err
    sample_id = json.loads(out)["sample_id"]
    code, out, err = run_cli("incident", "align", "--sample", str(sample_id), "--json")
    assert code == 0, err
    found = json.loads(out)
    assert list(found) == [INCIDENT] and len(found[INCIDENT]) == 5
