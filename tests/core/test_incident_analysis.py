"""Incident-level coding understood everywhere (issue 12, part 3): reliability and sequences on the incident clock,
exports with incident time and pseudonymised camera ids, one EAF per incident with a media descriptor per camera,
and debrief stills from the camera an event was coded on (its pixel code proves the frame).

The sample (tests/core/incident_coded.py): one generated three-camera incident, coded by amy_r on camera 2 and by bo_reviewer
on camera 1 at the same moments of the scene.
"""

from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest
from lxml import etree

from bwvtool import debrief
from bwvtool.export.coded import incident_unit, sample_reliability, sample_transitions
from bwvtool.export.context import ExportOptions
from bwvtool.export.pseudonym import generate_key_file, load_key_file
from bwvtool.export.run import export_sample
from bwvtool.incidents import library
from bwvtool.media import framecode
from bwvtool.media.probe import frame_times
from bwvtool.store import incidents as rows
from tests.conftest import REPO
from tests.core.incident_coded import C1, C2, CODED, INCIDENT, build_coded_incident


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    return build_coded_incident(tmp_path_factory.mktemp("coded_incident"))


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "incident.key"
    generate_key_file(path)
    return path


def test_two_coders_on_different_cameras_agree_on_the_incident_clock(coded):
    with coded.open() as ws:
        report = sample_reliability(ws, coded.sample_id, n_boot=20)
    assert report["clips"]["pairs"] == [
        {"coders": ["amy_r", "bo_reviewer"], "n_clips": 1}
    ]  # the incident, not a camera
    onsets = report["onsets"][0]
    assert onsets["overall"]["matched"] == len(CODED) and onsets["overall"]["f1"]["value"] == 1.0
    linked = {m["track"]: m["linked_share"] for m in report["modified_kappa"]}
    assert linked["officer_language"] == 1.0 and linked["subject_behaviour"] == 1.0


def test_sequences_follow_the_incident_clock_across_cameras(coded):
    with coded.open() as ws:
        result = sample_transitions(ws, coded.sample_id, coder="bo_reviewer")
    counts = {(r["given"], r["target"]): r["count"] for r in result.rows()}
    order = [code for code, *_ in CODED]
    for given, target in zip(order, order[1:], strict=False):
        assert counts[(given, target)] == 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_exports_carry_incident_time_the_camera_and_its_frame(coded, key, tmp_path, fmt):
    with coded.open() as ws:
        result = export_sample(ws, coded.sample_id, tmp_path / fmt, ExportOptions(fmt=fmt, key_file=key),
                               actor="researcher")  # fmt: skip
        linked = {e["event_id"]: e for e in rows.events(ws.conn, INCIDENT)}
        cameras = {c["clip_id"]: c["camera_id"] for c in rows.clips(ws.conn, INCIDENT)}
    pseudo = load_key_file(key)
    path = result.out / f"events.{fmt}"
    if fmt == "csv":
        with path.open(newline="") as handle:
            exported = list(csv.DictReader(handle))
    else:
        exported = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(exported) == len(linked) == 2 * len(CODED)
    for row in exported:
        event = linked[int(row["event_id"])]
        assert row["camera_id"] == pseudo("camera", cameras[event["clip_id"]])
        assert row["clip_id"] == pseudo("clip", event["clip_id"])
        assert float(row["onset_incident_ms"]) == event["onset_incident_ms"]
        assert int(row["onset_frame"]) == event["onset_frame"]  # the frame of the camera coded on
        if event["offset_incident_ms"] is not None:
            assert float(row["offset_incident_ms"]) == event["offset_incident_ms"]
    dictionary = (result.out / f"data_dictionary.{fmt}").read_text()
    assert "onset_incident_ms" in dictionary and "camera_id" in dictionary


def test_one_eaf_per_incident_with_a_media_descriptor_per_camera(coded, key, tmp_path):
    with coded.open() as ws:
        result = export_sample(ws, coded.sample_id, tmp_path / "eaf", ExportOptions(fmt="eaf", key_file=key),
                               actor="researcher")  # fmt: skip
        places = library.placements(ws, INCIDENT)
    pseudo = load_key_file(key)
    (path,) = result.out.glob("incident_*.eaf")
    assert pseudo("incident", INCIDENT) in path.name
    schema = etree.XMLSchema(etree.parse(str(REPO / "schemas" / "reference" / "EAFv3.0.xsd")))
    tree = etree.parse(str(path))
    schema.assertValid(tree)
    media = tree.getroot().findall("HEADER/MEDIA_DESCRIPTOR")
    origins = {m.get("MEDIA_URL"): int(m.get("TIME_ORIGIN")) for m in media}
    assert len(origins) == len(places)
    for clip_id, place in places.items():
        assert origins[f"./media/{pseudo('clip', clip_id)}.mp4"] == round(place.camera_ms(0))
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE")) for s in tree.iter("TIME_SLOT")}
    details = {
        a.get("ANNOTATION_REF"): json.loads(a.findtext("ANNOTATION_VALUE"))
        for a in tree.iter("REF_ANNOTATION")
    }
    command = [
        (slots[a.get("TIME_SLOT_REF1")], details[a.get("ANNOTATION_ID")])
        for a in tree.iter("ALIGNABLE_ANNOTATION")
        if a.findtext("ANNOTATION_VALUE") == "command"
    ]
    assert sorted(at for at, _ in command) == [35_000, 35_030]  # incident time, whichever camera
    assert {d["cam"] for _, d in command} == {pseudo("clip", C1), pseudo("clip", C2)}
    assert result.manifest["rows"]["incidents"] == 1


def test_a_debrief_takes_each_still_from_the_camera_the_event_was_coded_on(coded):
    """amy_r coded on camera 2 and reviewed camera 1: camera 1's debrief holds amy_r's events, each still from camera 2
    at camera 2's frame (its pixel code), the moment saying which camera."""
    with coded.open() as ws:
        note = debrief.build_note(ws, C1, "amy_r")
        linked = {e["event_id"]: e for e in rows.events(ws.conn, INCIDENT, "amy_r")}
        c1_place = library.placements(ws, INCIDENT)[C1]
    assert {e.id for e in note.events} == set(linked)
    assert note.moments, "the first command and the first reason are key moments"
    for moment in note.moments:
        event = moment.event
        assert (
            event.clip_id == C2 and f"coded on camera {C2} (its frame {event.onset_frame})" in moment.detail
        )
        assert moment.still_png is not None, moment.still_problem
        rgb = cv2.imdecode(np.frombuffer(moment.still_png, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
        assert framecode.decode(rgb) == event.onset_frame  # camera 2's frame, not camera 1's
        # On camera 1's clock, where the timeline of its debrief puts it.
        assert event.onset_ms == round(c1_place.camera_ms(linked[event.id]["onset_incident_ms"]))
    c1_times = frame_times(coded.incident.media(C1))
    assert all(
        m.event.onset_frame != c1_place.frame_at(linked[m.event.id]["onset_incident_ms"], c1_times)
        for m in note.moments
    )  # fmt: skip (the two cameras' frame numbers differ: the test can tell)
    assert incident_unit(INCIDENT) == f"incident:{INCIDENT}"
