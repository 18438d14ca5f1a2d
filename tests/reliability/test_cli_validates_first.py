"""Every command checks all of its input before it writes: a refused command leaves no row and no audit row."""

from __future__ import annotations

import pytest

from bwvtool.codebook import load_default_codebook
from bwvtool.store import open_workspace
from bwvtool.store.postgres.copy import tables
from tests.core.test_coding_cli import coded_db  # noqa: F401, F811 - the fixture


def _counts(db) -> dict[str, int]:
    """Rows of every table (the audit log included) and the assignments' statuses, on either engine."""
    with open_workspace(db) as ws:
        counts = {t: ws.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables(ws.conn)}
        counts["assignment statuses"] = [
            r[0] for r in ws.conn.execute("SELECT status FROM assignments ORDER BY id")
        ]
        return counts


@pytest.fixture
def db(run_cli, coded_db):  # noqa: F811 - the imported fixture
    """The coding CLI tests' workspace (clip E1 with video), where alice has coded one event."""
    add = (
        "events",
        "add",
        "E1",
        "--code",
        "command",
        "--at-ms",
        "500",
        "--codebook",
        "ss_language_behaviour",
    )
    assert run_cli("--user", "alice", *add)[0] == 0
    return coded_db


def _refused(run_cli, db, args, message):
    before = _counts(db)
    code, out, err = run_cli(*args)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert "Error" not in err.replace("error:", "") and "Traceback" not in err
    assert _counts(db) == before, "a refused command wrote to the workspace"


STATE = ("events", "add", "E1", "--code", "verbal_resistance", "--codebook", "ss_language_behaviour")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # Used to store a running state and its audit row, then fail (and the running state blocked the coder).
        (("--user", "newbie", *STATE, "--at-ms", "3000", "--to-ms", "2000"), "--to-ms 2000 must be after --at-ms 3000"),
        (("--user", "alice", *STATE, "--at-ms", "3000", "--to-ms", "3000"), "must be after"),
        (("--user", "alice", *STATE, "--at-ms", "3000", "--to-ms", "3010"), "fall on the same frame (75)"),
        (("--user", "newbie", *STATE, "--at-ms", "3000", "--to-ms", "99999"), "after the end of the video"),
        # Used to register the new coder (a row and an audit row) before refusing.
        (("--user", "newbie", "events", "delete", "1"), "event 1 belongs to another coder"),
        (("--user", "newbie", "review", "answer", "E1", "nonsense", "x", "--codebook", "ss_language_behaviour"),
         "no review item 'nonsense'"),
        (("--user", "newbie", "review", "complete", "E1", "--codebook", "ss_language_behaviour"),
         "review not complete"),
    ],
)  # fmt: skip
def test_refused_coding_commands_write_nothing(run_cli, db, args, message):
    _refused(run_cli, db, args, message)


def test_review_show_by_a_new_coder_writes_nothing(run_cli, db):
    before = _counts(db)
    code, out, _ = run_cli("--user", "newbie", "review", "show", "E1", "--codebook", "ss_language_behaviour")
    assert code == 0 and "newbie · new" in out
    assert _counts(db) == before


def test_a_refused_debrief_export_saves_no_narrative_version(run_cli, db, tmp_path):
    codebook = load_default_codebook("ss_language_behaviour.yaml")
    for item in codebook.review_items:
        if item.required:
            answer = ("--user", "alice", "review", "answer", "E1", item.id, str(item.choices[0]))
            code, out, err = run_cli(*answer)
            assert code == 0, err
    assert run_cli("--user", "alice", "review", "complete", "E1")[0] == 0
    narrative = tmp_path / "narrative.yaml"
    narrative.write_text("next_steps: Refresher on GOWISELY.\n", encoding="utf-8")
    missing = tmp_path / "no-such-folder" / "note.html"
    args = ("--user", "sgt", "debrief", "E1", "--narrative", str(narrative), "--out", str(missing))
    _refused(run_cli, db, args, "does not exist")
    args = (
        "--user",
        "sgt",
        "debrief",
        "E1",
        "--narrative",
        str(narrative),
        "--out",
        str(tmp_path / "n.docx"),
    )
    _refused(run_cli, db, args, "a debrief note is written as .html or .pdf")
