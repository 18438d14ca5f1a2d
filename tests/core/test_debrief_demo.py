"""The demo's review work: samples, coded encounters on real frames, completed reviews; a supervisor can debrief
a featured clip and see the weekly picture."""

from __future__ import annotations

import pytest

from bwvtool import debrief
from bwvtool.demo import build_demo
from bwvtool.demo.coded import CODERS, code_demo, weekly_plan_text
from bwvtool.media.probe import frame_times
from bwvtool.report import weekly_report
from bwvtool.sampling import load_plan
from bwvtool.store import audit, open_workspace
from bwvtool.store import events as event_rows


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    report = build_demo(tmp_path_factory.mktemp("demo") / "d", clips=900, actor="tester")
    return report.db


def test_demo_draws_samples_and_completes_reviews(demo_db):
    with open_workspace(demo_db) as ws:
        marker = audit.recent(ws.conn, 1, entity="demo_coding")[0]["detail"]
        names = [row[0] for row in ws.conn.execute("SELECT name FROM samples")]
        coders = {row[0] for row in ws.conn.execute("SELECT DISTINCT k.name FROM assignments a JOIN coders k"
                                                        " ON k.id = a.coder_id")}  # fmt: skip
        outcomes = dict(ws.conn.execute("SELECT json_extract(answers, '$.outcome'), count(*) FROM clip_reviews"
                                        " WHERE status = 'complete' GROUP BY 1").fetchall())  # fmt: skip
        drafts = ws.conn.execute("SELECT count(*) FROM clip_reviews WHERE status = 'draft'").fetchone()[0]
        queue = dict(ws.conn.execute("SELECT status, count(*) FROM assignments GROUP BY status").fetchall())
        reviewed = ws.conn.execute(
            "SELECT count(*) FROM assignments a JOIN clip_reviews r ON r.assignment_id = a.id"
            " AND r.status = 'complete'"  # reviews belong to the assignment they were done for
        ).fetchone()[0]
        assert ws.verify_audit().ok and not ws.integrity_check()
    assert any(n.startswith("PIOSS weekly (demo)") for n in names) and any(
        n.startswith("Stop and search study") for n in names
    )
    assert coders == set(CODERS)
    assert marker["reviews"] > 100 and marker["unreviewed_incidents"] > 0 and drafts == marker["drafts"] > 0
    assert queue["complete"] == reviewed and queue["in_progress"] >= drafts and queue["not_started"] > 0
    with_outcome = sum(n for k, n in outcomes.items() if k)
    assert 0.04 < outcomes["support_offered"] / with_outcome < 0.2  # about 10%, as published for PIOSS
    assert load_plan(weekly_plan_text()).name == "PIOSS weekly (demo)"


def test_featured_clips_are_coded_at_exact_frames_with_stars_and_causes(demo_db):
    with open_workspace(demo_db) as ws:
        featured = audit.recent(ws.conn, 1, entity="demo_coding")[0]["detail"]["coded_with_video"]
        assert len(featured) == 4
        for clip_id in featured:
            events = event_rows.for_clip(ws.conn, clip_id)
            path = ws.conn.execute("SELECT media_path FROM clips WHERE clip_id = ?", (clip_id,)).fetchone()[0]
            times = frame_times(path)
            assert len(events) >= 10
            assert all(times.index_at(e.onset_ms) == e.onset_frame for e in events)
            assert (
                any(e.starred for e in events)
                and any(e.caused_by for e in events)
                and any(e.note for e in events)
            )
            note = debrief.build_note(ws, clip_id, stills=False) if _one_review(ws, clip_id) else None
            if note is not None:
                assert note.moments and note.narrative["summary"]


def _one_review(ws, clip_id: str) -> bool:
    return ws.conn.execute("SELECT count(*) FROM clip_reviews WHERE clip_id = ? AND status = 'complete'",
                           (clip_id,)).fetchone()[0] == 1  # fmt: skip


def test_coded_learning_themes_agree_with_the_learning_points(demo_db):
    import json

    with open_workspace(demo_db) as ws:
        rows = [
            json.loads(r[0])
            for r in ws.conn.execute("SELECT answers FROM clip_reviews WHERE status = 'complete'")
        ]
    assert rows and all(r.get("learning_themes") for r in rows)
    silent = [r for r in rows if "outcome" in r and not r.get("individual_learning")
              and not r.get("organisational_learning")]  # fmt: skip
    none = sum(r["learning_themes"] == ["none"] for r in silent)
    assert none / len(silent) > 0.8  # no learning points: mostly "no learning identified"
    pava = [r for r in rows if "Announce PAVA" in (r.get("individual_learning") or "")]
    assert pava and all("use_of_force_technique" in r["learning_themes"] for r in pava)
    assert all("none" not in r["learning_themes"] for r in rows if r.get("individual_learning"))


def test_the_supervisor_sees_a_weekly_picture_and_the_demo_is_coded_once(demo_db):
    with open_workspace(demo_db) as ws:
        report = weekly_report(ws)
        assert sum(p.reviewed for p in report.trend) > 50 and report.code_totals
        # Every completed review codes its learning themes, so the picture needs no keywords.
        assert report.coded_reviews > 0 and report.keyword_reviews == 0 and report.themes[0].coded > 0
        before = ws.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        assert code_demo(ws, actor="tester").skipped
        assert ws.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before


def test_demo_has_a_multi_camera_incident_coded_on_incident_time_with_stills_from_the_right_camera(demo_db):
    """Issue 12's demo: four cameras of one incident aligned by their sound, events coded on cameras 1 and 2 on
    incident time, and camera 1's debrief showing each key moment's still from the camera it was coded on (the
    pixel code of the still is that camera's frame)."""
    import cv2
    import numpy as np

    from bwvtool.demo.incident import CODER, INCIDENT, clip_of
    from bwvtool.incidents.library import aligned_incidents, describe
    from bwvtool.media import framecode
    from bwvtool.store import incidents as incident_rows

    with open_workspace(demo_db) as ws:
        assert INCIDENT in aligned_incidents(ws)
        clips = describe(ws, INCIDENT)["clips"]
        coded = incident_rows.events(ws.conn, INCIDENT, CODER)
        note = debrief.build_note(ws, clip_of(1), CODER)
    assert len(clips) == 4 and all(c["method"] in ("reference", "audio") for c in clips)
    assert {e["clip_id"] for e in coded} == {clip_of(1), clip_of(2)}
    seen_on = {m.event.clip_id for m in note.moments}
    assert seen_on == {clip_of(1), clip_of(2)}, "key moments coded on both cameras"
    for moment in note.moments:
        rgb = cv2.imdecode(np.frombuffer(moment.still_png, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
        assert framecode.decode(rgb) == moment.event.onset_frame, moment.title
