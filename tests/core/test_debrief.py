"""Debrief notes: key moments, stills at the exact frame, versions, and the HTML and PDF a supervisor hands over."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import subprocess
import unicodedata
from pathlib import Path

import pytest

from bwvtool import debrief
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.codebook import load_default_codebook
from bwvtool.coding import review
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodebookCodes, CodingSession
from bwvtool.errors import UsageError
from bwvtool.store import audit, open_workspace
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook

FPS = 25
CATALOGUE = """clip_id,incident_id,recorded_at,duration_s,officer_ref,borough,sources,uof_tactics,assault_types,media_path
D001,I001,2026-03-03T21:14:00Z,4,PC555,Croydon,op_hampshire;use_of_force,Non-compliant handcuffing,kicking,clip.mp4
D002,I002,2026-03-04T10:00:00Z,60,PC556,Lambeth,stop_search,,,
"""
# (code, actor, at frame, note, starred); state codes start here and end at the second press.
SCRIPT = [
    ("demeanour", "subject_1", 2, None, False, {"level": "agitated"}),
    ("command", "officer_1", 10, "'Stand still.'", False, {}),
    ("reason_given", "officer_1", 20, "Explains the arrest", False, {}),
    ("escalation_up", "subject_1", 30, None, False, {}),
    ("assault_on_officer", "subject_1", 38, "Kicks out", True, {"assault_type": ["kicking"]}),
    ("handcuffing", "officer_1", 50, "Cuffed to the rear", False, {"tactic": "non_compliant"}),
    ("turning_point", "officer_1", 62, "Colleague arrives", False, {}),
    ("escalation_down", "officer_1", 75, None, False, {}),
    ("demeanour", "subject_1", 80, None, False, {}),
]


@pytest.fixture(scope="session")
def clip_file(tmp_path_factory) -> Path:
    """A 4 s frame-coded clip, 25 fps, a keyframe every second (frames 0, 25, 50, 75)."""
    from bwvtool.media import synth

    path = tmp_path_factory.mktemp("debrief-media") / "clip.mp4"
    return synth.make_clip(path, seconds=4, fps=FPS, width=640, height=360, gop_s=1.0, seed=5)


def make_reviewed_workspace(folder: Path, clip_file: Path, *, complete: bool = True, location=None):
    """A workspace (at ``location``, default ``folder/ws.sqlite``) with clip D001 (video) coded by rev.one and its
    PIOSS review completed."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clip_file, folder / "clip.mp4")
    (folder / "cat.csv").write_text(CATALOGUE, encoding="utf-8")
    ws = open_workspace(folder / "ws.sqlite" if location is None else location, create=True)
    import_catalogue(ws, folder / "cat.csv", media_root=folder, hash_media=True, actor="importer")
    ensure_default_codebooks(ws, actor="admin")
    stored = get_codebook(ws.conn, "pioss_review")
    session = CodingSession(ws, clip_id="D001", coder="rev.one", codebook_id=stored.id,
                            codes=CodebookCodes(stored.codebook))  # fmt: skip
    ids = {}
    for code, actor, frame, note, star, mods in SCRIPT:
        event = session.code_key(code, at_ms=frame * 40, at_frame=frame, actor=actor, modifiers=mods or None,
                                 note=note)  # fmt: skip
        if star:
            session.edit(event.id, starred=True)
        ids.setdefault(code, event.id)
    session.edit(ids["escalation_down"], caused_by=ids["turning_point"])
    answers = {
        "outcome": "support_offered",
        "welfare_concern": "yes",
        "individual_learning": "Give the reason before the first command.",
        "organisational_learning": "Check spit guard issue.",
        "learning_themes": ["reasons_grounds", "use_of_force_technique"],
        "whole_encounter_recorded": "yes",
        "audio_quality": "good",
    }
    for item, value in answers.items():
        review.save_answer(ws, clip_id="D001", coder="rev.one", codebook=stored.codebook, codebook_id=stored.id,
                           item_id=item, value=value)  # fmt: skip
    if complete:
        review.complete(ws, clip_id="D001", coder="rev.one", codebook=stored.codebook, codebook_id=stored.id)
    return ws


@pytest.fixture
def reviewed(workspace_location, tmp_path, clip_file):
    ws = make_reviewed_workspace(tmp_path / "w", clip_file, location=workspace_location)
    yield ws
    ws.close()


# -- key moments -----------------------------------------------------------------------------------------------
def _event(i: int, code: str, track: str, at: int, **extra) -> Event:
    return Event(clip_id="C", coder_id=1, codebook_id=1, track=track, code=code, actor="officer_1", onset_ms=at,
                 onset_frame=at // 40, id=i, **extra)  # fmt: skip


def test_key_moments_are_starred_first_command_reason_force_and_turning_points():
    codebook = load_default_codebook("pioss_review.yaml")
    events = [
        _event(1, "tactical_communications", "officer_force", 100),  # talk, not force
        _event(2, "reason_given", "officer_language", 300),
        _event(3, "command", "officer_language", 500),
        _event(4, "command", "officer_language", 600, starred=True),
        _event(5, "restraint", "officer_force", 900, modifiers={"tactic": "unarmed_skills"}),
        _event(6, "turning_point", "escalation", 900),
        _event(7, "baton", "officer_force", 1200, modifiers={"tactic": "used"}),
        _event(8, "reason_given", "officer_language", 1300),
    ]
    picked = debrief.moments.key_moment_reasons(events, codebook)
    assert [(e.id, reasons) for e, reasons in picked] == [
        (2, ("first reason given",)),
        (3, ("first command",)),
        (4, ("starred by the reviewer",)),
        (5, ("first use of force",)),
        (6, ("turning point",)),
    ]
    moments = debrief.moments.key_moments(events, codebook)
    assert [m.number for m in moments] == [1, 2, 3, 4, 5]
    assert moments[3].title == "Unarmed skills"  # the Home Office category, from the modifier
    assert debrief.moments.key_moments([], codebook) == ()


# -- building the note --------------------------------------------------------------------------------------------
def test_note_has_facts_moments_and_stills_at_the_exact_frame(reviewed):
    from bwvtool.media import framecode

    note = debrief.build_note(reviewed, "D001")
    assert note.review.coder == "rev.one" and note.version is None
    assert note.facts.borough == "Croydon" and note.facts.tactics == ("Non-compliant handcuffing",)
    titles = [(m.title, m.reasons) for m in note.moments]
    assert titles == [
        ("Command", ("first command",)),
        ("Reason given", ("first reason given",)),
        ("Assault on officer: kicking", ("starred by the reviewer",)),
        ("Non-compliant handcuffing", ("first use of force",)),
        ("Turning point", ("turning point",)),
    ]
    import cv2
    import numpy as np

    for moment in note.moments:
        assert moment.still_png is not None and moment.still_problem is None
        rgb = cv2.imdecode(np.frombuffer(moment.still_png, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
        assert rgb.shape[1] == moment.still_size[0] == 640
        assert framecode.decode(rgb) == moment.event.onset_frame  # the frame on screen at the event
    draft = note.narrative
    assert draft["individual_learning"] == "Give the reason before the first command."
    assert "Support offered" in draft["support"] and "welfare concern" in draft["support"]
    assert "The encounter calmed at 00:03.000 after: turning point." in draft["went_well"]
    assert draft["next_steps"] == ""


def test_a_note_without_video_still_builds_and_says_why(reviewed, tmp_path):
    clip = tmp_path / "w" / "clip.mp4"
    clip.rename(clip.with_suffix(".gone"))
    note = debrief.build_note(reviewed, "D001")
    assert note.moments and all(m.still_png is None and "unreadable" in m.still_problem for m in note.moments)
    html = debrief.render_html(note)
    assert "No still: video unreadable" in html


def test_which_review_a_note_is_built_from(reviewed, clip_file, tmp_path):
    with pytest.raises(UsageError, match="no completed review"):
        debrief.build_note(reviewed, "D002")
    with pytest.raises(UsageError, match="no clip 'NOPE'"):
        debrief.build_note(reviewed, "NOPE")
    with pytest.raises(UsageError, match="rev.two has not reviewed D001"):
        debrief.build_note(reviewed, "D001", "rev.two")
    stored = get_codebook(reviewed.conn, "pioss_review")
    for item, value in (("outcome", "no_action"), ("welfare_concern", "no"), ("whole_encounter_recorded", "yes"),
                        ("audio_quality", "good"), ("learning_themes", ["none"])):  # fmt: skip
        review.save_answer(reviewed, clip_id="D001", coder="rev.two", codebook=stored.codebook,
                           codebook_id=stored.id, item_id=item, value=value)  # fmt: skip
    with pytest.raises(UsageError, match="still a draft"):
        debrief.build_note(reviewed, "D001", "rev.two")
    review.complete(
        reviewed, clip_id="D001", coder="rev.two", codebook=stored.codebook, codebook_id=stored.id
    )
    with pytest.raises(UsageError, match="completed reviews by rev.one, rev.two; choose one with --coder"):
        debrief.build_note(reviewed, "D001")
    assert debrief.build_note(reviewed, "D001", "rev.two", stills=False).moments == ()


# -- versions ---------------------------------------------------------------------------------------------------
def test_narrative_versions_are_append_only_and_audited(reviewed):
    assert debrief.save_narrative(reviewed, "D001", {}, actor="sgt.a") == 1  # the draft becomes v1
    assert debrief.save_narrative(reviewed, "D001", {}, actor="sgt.a") == 1  # unchanged: no new version
    v2 = debrief.save_narrative(
        reviewed, "D001", {"next_steps": "Refresher on GOWISELY by April."}, actor="sgt.b"
    )
    assert v2 == 2
    latest = debrief.build_note(reviewed, "D001", stills=False)
    assert latest.version == 2 and latest.saved_by == "sgt.b"
    assert latest.narrative["next_steps"] == "Refresher on GOWISELY by April."
    assert latest.narrative["individual_learning"] == "Give the reason before the first command."  # kept
    first = debrief.build_note(reviewed, "D001", version=1, stills=False)
    assert first.narrative["next_steps"] == ""
    assert [v["version"] for v in debrief.versions(reviewed, "D001")] == [1, 2]
    saves = [
        r for r in audit.recent(reviewed.conn, 50, entity="debrief_note") if r["action"] == "debrief.save"
    ]
    assert [r["detail"]["version"] for r in saves] == [2, 1]
    assert saves[0]["detail"]["fields_changed"] == ["next_steps"] and saves[0]["actor"] == "sgt.b"
    with pytest.raises(sqlite3.IntegrityError, match="never changed"):
        reviewed.conn.execute("UPDATE debrief_notes SET narrative = '{}'")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        reviewed.conn.execute("DELETE FROM debrief_notes")
    with pytest.raises(UsageError, match="unknown debrief field shoe_size"):
        debrief.save_narrative(reviewed, "D001", {"shoe_size": "9"})
    with pytest.raises(UsageError, match="no version 7"):
        debrief.build_note(reviewed, "D001", version=7)
    assert reviewed.verify_audit().ok


# -- exports ----------------------------------------------------------------------------------------------------
def test_html_is_self_contained_with_every_still_and_the_timeline(reviewed, tmp_path):
    debrief.save_narrative(reviewed, "D001", {"went_well": "- Calm voice\n- Reason given early"}, actor="sgt")
    note = debrief.build_note(reviewed, "D001")
    out = tmp_path / "note.html"
    result = debrief.export_note(reviewed, note, out, actor="sgt")
    html = out.read_text(encoding="utf-8")
    images = re.findall(r'<img class="still" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(note.moments) == 5
    assert all(base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n" for data in images)
    assert html.count("<svg") == 1 and "Escalation markers" in html
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing fetched from outside the file
    assert "<li>Calm voice</li>" in html and "OFFICIAL-SENSITIVE" in html and "Version 1, saved" in html
    assert (
        '<td width="55%">Explaining reasons and grounds, Use-of-force technique</td>' in html
    )  # coded themes
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert result.sha256 == digest and result.version == 1
    row = audit.recent(reviewed.conn, 1, entity="debrief_note")[0]
    assert row["action"] == "debrief.export" and row["detail"]["sha256"] == digest
    assert row["detail"]["format"] == "html" and row["detail"]["stills"] == 5


def test_export_refuses_an_unsaved_note_and_unknown_formats(reviewed, tmp_path):
    note = debrief.build_note(reviewed, "D001", stills=False)
    with pytest.raises(UsageError, match="save the debrief note"):
        debrief.export_note(reviewed, note, tmp_path / "n.html")
    debrief.save_narrative(reviewed, "D001", {})
    note = debrief.build_note(reviewed, "D001", stills=False)
    with pytest.raises(UsageError, match=r"\.html or \.pdf"):
        debrief.export_note(reviewed, note, tmp_path / "n.docx")
    with pytest.raises(UsageError, match="PDF writer"):
        debrief.export_note(reviewed, note, tmp_path / "n.pdf")
    assert not list(tmp_path.glob("n.*")) and not list(tmp_path.glob(".n-*"))


def _pdf_text(path: Path) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return unicodedata.normalize("NFKC", text)  # fonts with ligatures give "ﬃ" for "ffi" (DejaVu does)


def test_cli_exports_an_a4_pdf_with_page_numbers_and_the_note(reviewed, run_cli, tmp_path):
    db = reviewed.path
    narrative = tmp_path / "narrative.yaml"
    narrative.write_text("next_steps: Meet again in two weeks to review a stop together.\n", encoding="utf-8")
    out = tmp_path / "note.pdf"
    code, stdout, err = run_cli("--user", "sgt.lee", "debrief", "D001", "--narrative", str(narrative), "--out",
                                str(out), "--json", db=db)  # fmt: skip
    assert code == 0, err
    result = json.loads(stdout)
    assert result["format"] == "pdf" and result["version"] == 1 and result["key_moments"] == 5
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert pages >= 2 and "595 x 842 pts (A4)" in info
    text = _pdf_text(out)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    for expected in ("Debrief note", "OFFICIAL-SENSITIVE", "D001", "PC555", "Key moments", "Assault on officer:",
                     "first use of force", "Meet again in two weeks", "Support offered", "Version 1, saved"):  # fmt: skip
        assert expected in text, expected
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) - 2 >= 6  # five stills and the timeline
    assert hashlib.sha256(out.read_bytes()).hexdigest() == result["sha256"]
    with open_workspace(db) as ws:
        row = audit.recent(ws.conn, 1, entity="debrief_note")[0]
    assert (
        row["action"] == "debrief.export" and row["actor"] == "sgt.lee" and row["detail"]["format"] == "pdf"
    )


def test_cli_outline_and_bad_input(reviewed, run_cli, tmp_path):
    db = reviewed.path
    code, out, err = run_cli("debrief", "D001", db=db)
    assert code == 0, err
    assert "Key moments:" in out and "first use of force" in out and "Saved versions: none yet" in out
    code, out, _ = run_cli("debrief", "D001", "--json", db=db)
    assert json.loads(out)["key_moments"][0]["title"] == "Command"
    for args, message in (
        (["D001", "--out", str(tmp_path / "n.docx")], ".html or .pdf"),
        (["D002", "--out", str(tmp_path / "n.html")], "no completed review"),
        (["D001", "--version", "3"], "no version 3"),
    ):
        code, _, err = run_cli("debrief", *args, db=db)
        assert code == 2 and message in err and err.strip().count("\n") == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n", encoding="utf-8")
    code, _, err = run_cli("debrief", "D001", "--narrative", str(bad), db=db)
    assert code == 2 and "mapping of debrief fields" in err
    with open_workspace(db) as ws:
        assert debrief.versions(ws, "D001") == []  # nothing saved by the failures


def test_research_exports_never_read_debrief_notes():
    """Debrief notes are identified documents: no research export module may name their table."""
    core = Path(debrief.__file__).resolve().parents[1]
    for path in [*(core / "export").glob("*.py"), core / "store" / "exports.py"]:
        if path.exists():
            assert not any(table in path.read_text(encoding="utf-8") for table in debrief.TABLES), path.name
    assert debrief.TABLES == ("debrief_notes",)
