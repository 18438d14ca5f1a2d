"""`bwvtool queue`, `events` and `review`: coding by script lands on the frames the video shows."""

from __future__ import annotations

import json
import shutil

import pytest

from bwvtool.media.frame import grab_frame
from bwvtool.media.framecode import decode
from tests.conftest import REPO


@pytest.fixture
def coded_db(workspace_location, run_cli, tmp_path):
    shutil.copy(REPO / "sample_media" / "framecode_720p25.mp4", tmp_path / "clip.mp4")
    (tmp_path / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path\n"
        "E1,2026-11-02T10:00:00Z,24,PC7,Lambeth,clip.mp4\n"
        "E2,2026-11-02T11:00:00Z,24,PC8,Lambeth,\n"
    )
    assert run_cli("init")[0] == 0
    assert run_cli("catalogue", "import", str(tmp_path / "cat.csv"))[0] == 0
    assert (
        run_cli("codebook", "import", str(REPO / "schemas" / "codebooks" / "ss_language_behaviour.yaml"))[0]
        == 0
    )
    return workspace_location


def test_events_add_snaps_to_the_frame_shown_and_lists_it(run_cli, coded_db, tmp_path):
    code, out, err = run_cli(
        "events",
        "add",
        "E1",
        "--code",
        "command",
        "--at-ms",
        "1019",
        "--codebook",
        "ss_language_behaviour",
        "--json",
    )
    assert code == 0, err
    event = json.loads(out)
    assert (event["onset_frame"], event["onset_ms"]) == (25, 1000)  # frame 25 is shown from 1000 to 1040 ms
    assert decode(grab_frame(tmp_path / "clip.mp4", event["onset_ms"]).rgb) == 25
    code, out, err = run_cli(
        "events",
        "add",
        "E1",
        "--code",
        "verbal_resistance",
        "--at-ms",
        "2000",
        "--to-ms",
        "3500",
        "--actor",
        "subject_2",
        "--json",
    )
    assert code == 0, err
    state = json.loads(out)
    assert (state["onset_frame"], state["offset_frame"], state["actor"]) == (50, 87, "subject_2")
    code, out, _ = run_cli("events", "list", "E1", "--json")
    assert [e["code"] for e in json.loads(out)] == ["command", "verbal_resistance"]


def test_bad_event_input_is_one_line_and_exit_2(run_cli, coded_db):
    code, _, err = run_cli("events", "add", "E1", "--code", "command", "--at-ms", "100")
    assert code == 2 and "--codebook" in err  # first event of this coder on the clip: which codebook?
    code, _, err = run_cli(
        "events", "add", "E1", "--code", "nonsense", "--at-ms", "100", "--codebook", "ss_language_behaviour"
    )
    assert code == 2 and "nonsense" in err
    code, _, err = run_cli(
        "events", "add", "E2", "--code", "command", "--at-ms", "100", "--codebook", "ss_language_behaviour"
    )
    assert code == 2 and "no readable media" in err
    code, _, err = run_cli(
        "events", "add", "E1", "--code", "command", "--at-ms", "99999", "--codebook", "ss_language_behaviour"
    )
    assert code == 2 and "after the end" in err
    assert "Traceback" not in err


def test_review_by_command_completes_only_when_required_items_are_answered(run_cli, coded_db):
    run_cli(
        "events", "add", "E1", "--code", "command", "--at-ms", "500", "--codebook", "ss_language_behaviour"
    )
    code, out, _ = run_cli("review", "show", "E1", "--json")
    items = json.loads(out)["items"]
    code, _, err = run_cli("review", "complete", "E1")
    assert code == 2 and "required" in err
    from bwvtool.codebook import load_default_codebook

    codebook = load_default_codebook("ss_language_behaviour.yaml")
    for item in items:
        if item["required"]:
            assert (
                run_cli(
                    "review", "answer", "E1", item["item"], str(codebook.review_item(item["item"]).choices[0])
                )[0]
                == 0
            )
    code, out, err = run_cli("review", "complete", "E1")
    assert code == 0, err
    code, out, _ = run_cli("review", "show", "E1", "--json")
    assert json.loads(out)["status"] == "complete"
    code, out, _ = run_cli("queue", "--json")
    assert code == 0 and json.loads(out) == []  # no sample drawn: nothing assigned


def test_review_answer_takes_a_multiple_choice_as_comma_separated_option_ids(run_cli, coded_db):
    """`a,b,c` answers a multiple-choice item (stored sorted); "none" only alone; an empty value clears it."""
    from bwvtool.store import open_workspace

    run_cli(
        "events", "add", "E1", "--code", "command", "--at-ms", "500", "--codebook", "ss_language_behaviour"
    )
    code, out, err = run_cli("review", "answer", "E1", "learning_themes", "officer_welfare, reasons_grounds")
    assert code == 0 and "reasons_grounds" in out, err

    def stored():
        with open_workspace(coded_db) as ws:
            (answers,) = ws.conn.execute("SELECT answers FROM clip_reviews WHERE clip_id = 'E1'").fetchone()
        return json.loads(answers).get("learning_themes")

    assert stored() == ["officer_welfare", "reasons_grounds"]
    code, out, _ = run_cli("review", "show", "E1", "--json")
    item = next(i for i in json.loads(out)["items"] if i["item"] == "learning_themes")
    assert item == {"item": "learning_themes", "label": "Learning themes", "type": "multiple", "required": True,
                    "answer": ["officer_welfare", "reasons_grounds"]}  # fmt: skip
    code, out, _ = run_cli("review", "show", "E1")
    assert "officer_welfare,reasons_grounds" in out
    for bad, message in (("none,officer_welfare", "'none' cannot be combined"),
                         ("reasons_grounds,nonsense", "'nonsense' is not an option")):  # fmt: skip
        code, _, err = run_cli("review", "answer", "E1", "learning_themes", bad)
        assert code == 2 and message in err and err.strip().count("\n") == 0
        assert stored() == ["officer_welfare", "reasons_grounds"]  # nothing lost
    assert run_cli("review", "answer", "E1", "learning_themes", "none")[0] == 0 and stored() == ["none"]
    code, out, _ = run_cli("review", "answer", "E1", "learning_themes", "")
    assert code == 0 and "Cleared" in out and stored() is None
    code, _, err = run_cli("review", "complete", "E1")
    assert code == 2 and "Learning themes: an answer is required" in err
    code, out, _ = run_cli("review", "answer", "--help")
    assert "a,b,c" in out
