"""A study is bound to its codebook, and blind means blind: one clip in a PIOSS sample and in a stop and search
study for the same coder is two codings, each with its sample's codebook; the study's reliability and sequences
read only the study's coding; other coders' work on a double-coded clip stays hidden until the lead opens it."""

from __future__ import annotations

import json
import shutil

import pytest

from bwvtool.coding import review
from bwvtool.debrief.build import completed_reviews
from bwvtool.store import audit, open_workspace
from bwvtool.store.codebooks import get_codebook
from tests.conftest import REPO, open_test_workspace
from tests.core.test_export_fixtures import ANSWERS

PIOSS_PLAN = """name: PIOSS test week
codebook: pioss_review
unit: clip
frame:
  where: {field: sources, op: contains_any, value: [op_hampshire]}
design:
  census:
    - name: op_hampshire
      where: {field: sources, op: contains_any, value: [op_hampshire]}
assignment:
  coders: [coder1]
"""
STUDY_PLAN = """name: Stop and search test study
codebook: ss_language_behaviour
unit: clip
frame:
  where: {field: sources, op: contains_any, value: [stop_search]}
design:
  sample: {method: simple, n: 2}
assignment:
  double_code: 1.0
"""


def write_catalogue(folder):
    """Two clips with video: S1 (an Op Hampshire stop and search: both plans take it) and S2 (study only)."""
    shutil.copy(REPO / "sample_media" / "framecode_720p25.mp4", folder / "clip.mp4")
    (folder / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,sources,media_path\n"
        "S1,2026-11-02T10:00:00Z,24,PC7,Lambeth,op_hampshire;stop_search,clip.mp4\n"
        "S2,2026-11-02T11:00:00Z,24,PC8,Lambeth,stop_search,clip.mp4\n"
    )
    return folder / "cat.csv"


@pytest.fixture
def studies(run_cli, tmp_path):
    """S1 is in both samples; coder1 codes it for each, coder2 codes it for the study (double-coded, blind)."""
    write_catalogue(tmp_path)
    (tmp_path / "pioss.yaml").write_text(PIOSS_PLAN)
    (tmp_path / "study.yaml").write_text(STUDY_PLAN)
    assert run_cli("init")[0] == 0
    assert run_cli("catalogue", "import", str(tmp_path / "cat.csv"))[0] == 0
    assert run_cli("coder", "add", "coder1", "coder2", "coder3")[0] == 0
    code, out, err = run_cli("--user", "lead", "sample", "draw", str(tmp_path / "pioss.yaml"), "--json")
    assert code == 0, err
    pioss = json.loads(out)
    code, out, err = run_cli(
        "--user",
        "lead",
        "sample",
        "draw",
        str(tmp_path / "study.yaml"),
        "--coders",
        "coder1,coder2",
        "--json",
    )
    assert code == 0, err
    study = json.loads(out)
    assert (pioss["codebook"], study["codebook"]) == ("pioss_review", "ss_language_behaviour")
    return pioss["sample_id"], study["sample_id"]


def _add(run_cli, user, *args):
    code, out, err = run_cli("--user", user, "events", "add", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def _code_both(run_cli, pioss, study):
    """coder1: a PIOSS state and a study command on S1; coder2: two study commands on S1."""
    for_pioss = _add(run_cli, "coder1", "S1", "--sample", str(pioss), "--code", "tactical_communications",
                     "--at-ms", "1000", "--to-ms", "3000")  # fmt: skip
    for_study = _add(run_cli, "coder1", "S1", "--sample", str(study), "--code", "command", "--at-ms", "1000",
                     "--note", "coder1 heard the command")  # fmt: skip
    second = [
        _add(run_cli, "coder2", "S1", "--code", "command", "--at-ms", str(ms), "--note", "coder2's note")
        for ms in (1000, 5000)
    ]
    return for_pioss, for_study, second


@pytest.mark.both_engines
def test_one_clip_in_two_samples_is_two_codings_with_their_codebooks(run_cli, studies, workspace_location):
    pioss, study = studies
    code, out, _ = run_cli("--user", "coder1", "queue", "--json")
    queue = [(q["clip_id"], q["sample_id"], q["codebook"]) for q in json.loads(out)]
    assert ("S1", pioss, "pioss_review") in queue and ("S1", study, "ss_language_behaviour") in queue
    code, _, err = run_cli("--user", "coder1", "events", "add", "S1", "--code", "command", "--at-ms", "1000")
    assert code == 2 and "say which with --sample" in err and err.count("\n") == 1
    code, _, err = run_cli(
        "--user",
        "coder1",
        "events",
        "add",
        "S1",
        "--sample",
        str(pioss),
        "--code",
        "reassurance",
        "--at-ms",
        "1000",
    )
    assert code == 2 and "'reassurance' is not a code of pioss_review" in err  # the PIOSS coding's codebook
    code, _, err = run_cli("--user", "coder1", "events", "add", "S1", "--sample", str(study), "--code", "command",
                           "--at-ms", "1000", "--codebook", "pioss_review")  # fmt: skip
    assert code == 2 and "is coded with ss_language_behaviour, not pioss_review" in err
    for_pioss, for_study, _ = _code_both(run_cli, pioss, study)
    assert for_pioss["assignment_id"] != for_study["assignment_id"]
    with open_test_workspace(workspace_location) as ws:
        books = {
            row[0]: row[1]
            for row in ws.conn.execute(
                "SELECT e.id, b.key FROM events e JOIN codebooks b ON b.id = e.codebook_id"
            ).fetchall()
        }
    assert books[for_pioss["id"]] == "pioss_review" and books[for_study["id"]] == "ss_language_behaviour"
    # Each coding goes on with its own events: the same state code in the study is refused, not merged.
    code, out, _ = run_cli("--user", "coder1", "review", "show", "S1", "--sample", str(pioss), "--json")
    assert code == 0 and {i["item"] for i in json.loads(out)["items"]} >= {"outcome", "welfare_concern"}
    code, out, _ = run_cli("--user", "coder1", "review", "show", "S1", "--sample", str(study), "--json")
    assert code == 0 and "gowisely_grounds" in {i["item"] for i in json.loads(out)["items"]}
    # One review per assignment: answering the study's leaves the PIOSS review of the same clip as it was.
    for sample, value in ((pioss, "poor"), (study, "good")):
        code, _, err = run_cli("--user", "coder1", "review", "answer", "S1", "audio_quality", value,
                               "--sample", str(sample))  # fmt: skip
        assert code == 0, err
    answers = {}
    for sample in (pioss, study):
        code, out, _ = run_cli("--user", "coder1", "review", "show", "S1", "--sample", str(sample), "--json")
        answers[sample] = {i["item"]: i["answer"] for i in json.loads(out)["items"]}["audio_quality"]
    assert answers == {pioss: "poor", study: "good"}


@pytest.mark.both_engines
def test_reliability_and_sequences_of_the_study_read_only_its_coding(run_cli, studies):
    pioss, study = studies
    _code_both(run_cli, pioss, study)
    code, out, err = run_cli("--user", "lead", "reliability", str(study), "--boot", "20", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["sample"]["events"] == 3  # coder1's study command and coder2's two; not the PIOSS state
    assert report["sample"]["codebooks"] == ["ss_language_behaviour v1"]
    code, out, err = run_cli("--user", "lead", "sequences", str(study), "--json")
    assert code == 0, err
    assert "tactical_communications" not in out and "command" in out
    code, out, err = run_cli("--user", "lead", "reliability", str(pioss), "--json")
    assert code == 2 and "no clip is coded by two or more coders" in err  # the study's coder2 is not PIOSS's


@pytest.mark.both_engines
def test_blind_until_the_lead_opens_the_complete_study(run_cli, studies, workspace_location):
    pioss, study = studies
    _code_both(run_cli, pioss, study)
    # The case: another reviewer lists the clip and sees nobody else's events or notes.
    code, out, err = run_cli("--user", "coder2", "events", "list", "S1", "--json")
    assert code == 0 and "coder1 heard" not in out and "blind:" in err
    assert {e["coder"] for e in json.loads(out)} == {"coder2"}
    code, out, err = run_cli("--user", "coder2", "events", "list", "S1", "--coder", "coder1")
    assert code == 2 and "sample unblind" in err and out == "" and err.count("\n") == 1
    code, _, err = run_cli("--user", "coder2", "reliability", str(study))
    assert (
        code == 2
        and err.startswith(f"bwvtool: error: blind: sample {study} (")
        and err.count(f"sample {study}") == 1
    )
    assert "double-codes clips and is not yet opened" in err and f"'bwvtool sample unblind {study}'" in err
    code, out, err = run_cli("--user", "coder2", "sequences", str(study), "--json")
    assert code == 0 and json.loads(out)["total"] == 1 and "blind:" in err  # their own two events: one step
    # The lead (who drew the study) sees everyone's, named, and the look is audited.
    code, out, _ = run_cli("--user", "lead", "events", "list", "S1", "--json")
    listed = json.loads(out)
    assert code == 0 and {e["coder"] for e in listed} == {"coder1", "coder2"}
    assert {(e["coder"], e["sample_id"]) for e in listed} == {
        ("coder1", pioss),
        ("coder1", study),
        ("coder2", study),
    }
    with open_test_workspace(workspace_location) as ws:
        looks = audit.recent(ws.conn, 5, entity="clip")
    assert looks[0]["action"] == "coding.view" and looks[0]["actor"] == "lead"
    assert looks[0]["detail"]["coders"] == ["coder1", "coder2"]
    # Opening: only the lead or an admin, and only once the double coding is complete.
    code, _, err = run_cli("--user", "coder1", "sample", "unblind", str(study))
    assert code == 2 and "only the study lead (lead" in err
    code, _, err = run_cli("--user", "lead", "sample", "unblind", str(study))
    assert code == 2 and "not complete yet" in err
    with open_test_workspace(workspace_location) as ws:
        stored = get_codebook(ws.conn, "ss_language_behaviour")
        for coder in ("coder1", "coder2"):
            for clip in ("S1", "S2"):
                assignment = ws.conn.execute(
                    "SELECT a.id FROM assignments a JOIN coders k ON k.id = a.coder_id"
                    " WHERE a.sample_id = ? AND a.clip_id = ? AND k.name = ?",
                    (study, clip, coder),
                ).fetchone()[0]
                for item, value in ANSWERS.items():
                    review.save_answer(ws, clip_id=clip, coder=coder, codebook=stored.codebook,
                                       codebook_id=stored.id, item_id=item, value=value,
                                       assignment_id=assignment)  # fmt: skip
                review.complete(ws, clip_id=clip, coder=coder, codebook=stored.codebook, codebook_id=stored.id,
                                assignment_id=assignment)  # fmt: skip
    code, out, err = run_cli("--user", "lead", "sample", "unblind", str(study))
    assert code == 0 and "Opened sample" in out, err
    code, out, err = run_cli("--user", "coder2", "events", "list", "S1", "--json")
    assert code == 0 and "coder1 heard the command" in out and "blind:" not in err
    with open_test_workspace(workspace_location) as ws:
        assert audit.recent(ws.conn, 1, entity="clip")[0]["actor"] == "coder2"  # the look is audited
        # The PIOSS coding of coder1 was not completed by the study's reviews: two codings, two statuses.
        statuses = dict(
            ws.conn.execute(
                "SELECT a.sample_id, a.status FROM assignments a JOIN coders k ON k.id = a.coder_id"
                " WHERE a.clip_id = 'S1' AND k.name = 'coder1'"
            ).fetchall()
        )
    assert statuses == {pioss: "in_progress", study: "complete"}
    code, _, err = run_cli("--user", "lead", "sample", "unblind", str(study))
    assert code == 2 and "opened already" in err


def test_drawing_never_invents_coders(workspace_location, run_cli, studies, tmp_path):
    code, out, err = run_cli("sample", "draw", str(tmp_path / "study.yaml"), "--coders", "coder1,nobody")
    assert code == 2 and "unknown coder 'nobody'" in err and err.count("\n") == 1
    code, _, err = run_cli("sample", "draw", str(tmp_path / "study.yaml"))
    assert code == 2 and "--coders" in err and "coder1, coder2, coder3" in err
    code, _, err = run_cli("sample", "draw", str(tmp_path / "pioss.yaml"), "--codebook", "no_such_book")
    assert code == 2 and "no codebook 'no_such_book'" in err
    with open_workspace(workspace_location) as ws:
        assert (
            ws.conn.execute("SELECT count(*) FROM samples").fetchone()[0] == 2
        )  # nothing stored by refusals
        names = {r[0] for r in ws.conn.execute("SELECT name FROM coders")}
    assert names == {"coder1", "coder2", "coder3"}  # the lead drew, and coded nothing: not made a coder


def test_built_in_plans_draw_on_a_fresh_workspace_and_are_listed_by_title(run_cli, tmp_path):
    from datetime import UTC, datetime, timedelta

    from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl

    now = datetime.now(UTC)
    write_jsonl(tmp_path / "cat.jsonl", synthetic_rows(3000, seed=4, start=now - timedelta(days=20), end=now))
    assert run_cli("init")[0] == 0
    assert run_cli("catalogue", "import", str(tmp_path / "cat.jsonl"))[0] == 0
    code, out, _ = run_cli("sample", "plans")
    assert code == 0 and out.index("PIOSS weekly") < out.index("Stop and search study") < out.index(
        "Supervisor dip"
    )
    # No dates to edit and no codebook to import first: today's draw has a frame and names its codebook.
    code, out, err = run_cli("sample", "draw", "pioss_weekly", "--json")
    assert code == 0, err
    drawn = json.loads(out)
    assert drawn["units"] > 0 and drawn["codebook"] == "pioss_review"
    code, _, err = run_cli("sample", "draw", "ss_research_study")
    assert code == 2 and "name them with --coders" in err and "bwvtool coder add" in err
    assert run_cli("coder", "add", "ana", "ben")[0] == 0
    code, out, err = run_cli("sample", "draw", "ss_research_study", "--coders", "ana,ben")
    assert code == 0 and "codebook: ss_language_behaviour" in out, err
    code, out, _ = run_cli("sample", "list", "--json")
    newest = json.loads(out)[0]
    assert newest["codebook"] == "ss_language_behaviour" and newest["units"] > 0
    code, out, _ = run_cli("sample", "verify", str(newest["id"]))
    assert code == 0, out  # the coders named at the draw are recorded: the redraw is identical


def test_a_coder_of_a_blind_study_debriefs_only_from_their_own_review(
    workspace_location, run_cli, studies, tmp_path
):
    _pioss, study = studies
    with open_workspace(workspace_location) as ws:
        stored = get_codebook(ws.conn, "ss_language_behaviour")
        assignment = ws.conn.execute(
            "SELECT a.id FROM assignments a JOIN coders k ON k.id = a.coder_id"
            " WHERE a.sample_id = ? AND a.clip_id = 'S1' AND k.name = 'coder1'",
            (study,),
        ).fetchone()[0]
        for item, value in ANSWERS.items():
            review.save_answer(ws, clip_id="S1", coder="coder1", codebook=stored.codebook, codebook_id=stored.id,
                               item_id=item, value=value, assignment_id=assignment)  # fmt: skip
        review.complete(ws, clip_id="S1", coder="coder1", codebook=stored.codebook, codebook_id=stored.id,
                        assignment_id=assignment)  # fmt: skip
    with open_workspace(workspace_location) as ws:  # the app's Debrief page lists what its user may see
        listed = {
            user: [r.coder for r in completed_reviews(ws, viewer=user)] for user in ("coder2", "supervisor")
        }
    assert listed == {"coder2": [], "supervisor": ["coder1"]}
    code, out, err = run_cli("--user", "coder2", "debrief", "S1", "--coder", "coder1")
    assert code == 2 and "blind:" in err and "coder1's review is not shown" in err and out == ""
    code, out, err = run_cli("--user", "supervisor", "debrief", "S1", "--coder", "coder1", "--json")
    assert code == 0, err
    with open_workspace(workspace_location) as ws:
        look = audit.recent(ws.conn, 1, entity="clip")[0]
    assert (look["action"], look["actor"], look["detail"]["coders"]) == (
        "coding.view",
        "supervisor",
        ["coder1"],
    )
