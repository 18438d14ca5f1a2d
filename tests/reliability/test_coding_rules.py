"""Coding rules hold against what is stored, whichever window or process makes the edit (issue 9, part 3)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from bwvtool.codebook import parse_codebook
from bwvtool.coding.commands import AddEvent, DeleteEvent, EditEvent, run
from bwvtool.coding.errors import CodingError as CanonicalCodingError
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodebookCodes, CodingError, CodingSession
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import import_codebook
from tests.conftest import REPO

CODEBOOK = """\
key: rules
version: 1
title: Rules
tracks:
  - {id: behaviour, label: Behaviour}
  - {id: force, label: Force, exclusive: false}
  - {id: language, label: Language}
codes:
  - {id: calm, label: Calm, track: behaviour, type: state, shortcut: c}
  - {id: resist, label: Resists, track: behaviour, type: state, shortcut: r}
  - {id: hold, label: Hold, track: force, type: state, shortcut: h}
  - {id: command, label: Command, track: language, type: point, shortcut: m}
"""


@pytest.fixture
def coding(clip_workspace):
    ws = clip_workspace
    codebook_id = import_codebook(ws, parse_codebook(CODEBOOK, "rules.yaml"), actor="test").id
    with ws.transaction("alice") as tx:
        coder_id = ws.coder_id(tx, "alice")
    return ws, codebook_id, coder_id


def _state(codebook_id, coder_id, code, onset, offset, actor="subject_1", track=None):
    track = track or ("force" if code == "hold" else "behaviour")
    return Event(clip_id="C001", coder_id=coder_id, codebook_id=codebook_id, track=track, code=code,
                 actor=actor, onset_ms=onset, onset_frame=onset // 40, offset_ms=offset,
                 offset_frame=None if offset is None else offset // 40)  # fmt: skip


def _audit_rows(ws) -> int:
    return ws.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_the_session_and_the_commands_raise_one_error_class():
    assert CodingError is CanonicalCodingError  # what the desk and the timeline catch


@pytest.mark.parametrize(("onset", "offset"), [(2000, 2000), (3000, 2000)])
def test_zero_length_and_negative_states_are_refused_and_nothing_is_written(coding, onset, offset):
    ws, codebook_id, coder_id = coding
    before = _audit_rows(ws)
    with pytest.raises(CodingError, match="must end after it begins"):
        run(ws, AddEvent(_state(codebook_id, coder_id, "calm", onset, offset)), "alice")
    assert event_rows.for_clip(ws.conn, "C001") == [] and _audit_rows(ws) == before


def test_overlap_in_an_exclusive_track_is_refused_running_states_included(coding):
    ws, codebook_id, coder_id = coding
    run(ws, AddEvent(_state(codebook_id, coder_id, "calm", 1000, None)), "alice")  # running, no end yet
    with pytest.raises(CodingError, match=r"subject_1 already has calm on C001 from 1000 ms still running"):
        run(ws, AddEvent(_state(codebook_id, coder_id, "resist", 5000, 6000)), "alice")
    with pytest.raises(CodingError, match="exclude each other"):
        run(ws, AddEvent(_state(codebook_id, coder_id, "calm", 500, 1500)), "alice")
    # Before it, touching it, another actor, another coder's coding, a non-exclusive track: all allowed.
    run(ws, AddEvent(_state(codebook_id, coder_id, "resist", 0, 1000)), "alice")
    run(ws, AddEvent(_state(codebook_id, coder_id, "resist", 5000, 6000, actor="subject_2")), "alice")
    with ws.transaction("bob") as tx:
        bob = ws.coder_id(tx, "bob")
    run(ws, AddEvent(_state(codebook_id, bob, "resist", 5000, 6000)), "bob")
    run(ws, AddEvent(_state(codebook_id, coder_id, "hold", 100, 9000)), "alice")
    run(ws, AddEvent(_state(codebook_id, coder_id, "hold", 200, 300)), "alice")
    assert len(event_rows.for_clip(ws.conn, "C001")) == 6


def test_an_edit_or_an_undo_that_would_overlap_is_refused(coding):
    ws, codebook_id, coder_id = coding
    first = run(ws, AddEvent(_state(codebook_id, coder_id, "calm", 0, 1000)), "alice").event
    run(ws, AddEvent(_state(codebook_id, coder_id, "resist", 2000, 3000)), "alice")
    with pytest.raises(CodingError, match="exclude each other"):
        run(ws, EditEvent(first.id, {"offset_ms": 1000}, {"offset_ms": 2500}), "alice")
    with pytest.raises(CodingError, match="must end after it begins"):
        run(ws, EditEvent(first.id, {"offset_ms": 1000}, {"offset_ms": 0}), "alice")
    # Deleted, then another window codes over its time: undoing the delete would overlap, so it is refused.
    deleted = run(ws, DeleteEvent(first), "alice")
    run(ws, AddEvent(_state(codebook_id, coder_id, "resist", 200, 900)), "alice")
    with pytest.raises(CodingError, match="already has resist on C001 from 200 ms to 900 ms"):
        run(ws, deleted, "alice", undo=True)
    # Another edit takes the deleted event's id (SQLite hands the newest id out again; a server's sequence does
    # not, but a redo elsewhere reinserts under its own id): restoring over it is refused, not a crash.
    newest = max(event_rows.for_clip(ws.conn, "C001"), key=lambda e: e.id)
    undo_newest = run(ws, DeleteEvent(newest), "alice")
    taker = _state(codebook_id, coder_id, "calm", 5000, None).with_changes(id=newest.id)
    run(ws, AddEvent(taker), "alice")
    with pytest.raises(CodingError, match="another edit has taken its place"):
        run(ws, undo_newest, "alice", undo=True)
    stored = {(e.code, e.onset_ms, e.offset_ms) for e in event_rows.for_clip(ws.conn, "C001")}
    assert stored == {("resist", 2000, 3000), ("calm", 5000, None)}


def test_an_unknown_code_or_a_point_with_an_end_is_refused(coding):
    ws, codebook_id, coder_id = coding
    with pytest.raises(CodingError, match="'nope' is not a code of rules v1"):
        run(ws, AddEvent(_state(codebook_id, coder_id, "nope", 0, None)), "alice")
    with pytest.raises(CodingError, match="command is a point code"):
        run(ws, AddEvent(_state(codebook_id, coder_id, "command", 0, 10, track="language")), "alice")


# -- two processes, one coder, one clip --------------------------------------------------------------------
CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from bwvtool.coding.session import CodebookCodes, CodingError, CodingSession
    from bwvtool.errors import ChangedElsewhere
    from bwvtool.store import open_workspace
    from bwvtool.store.codebooks import get_codebook

    db, go, offset = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    ws = open_workspace(db)
    stored = get_codebook(ws.conn, "rules")
    session = CodingSession(ws, clip_id="C001", coder="alice", codebook_id=stored.id,
                            codes=CodebookCodes(stored.codebook))
    while not go.exists():
        time.sleep(0.005)
    saved = refused = 0
    for press in range(60):
        code = ("calm", "resist", "calm", "resist", "resist")[press % 5]  # switches and toggles
        try:
            session.code_key(code, at_ms=press * 500 + offset, at_frame=press * 12, actor="subject_1")
            saved += 1
        except (CodingError, ChangedElsewhere):  # the other process's state was in the way, or it ended ours
            refused += 1
    ws.close()
    print(json.dumps({"saved": saved, "refused": refused}))
    """
)


def test_one_coder_in_two_processes_cannot_store_overlapping_states(coding, tmp_path):
    ws, codebook_id, coder_id = coding
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(ws.path), str(go), str(offset)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )  # fmt: skip
        for offset in (0, 250)
    ]
    go.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        results.append(json.loads(out))
    # Both started from an empty clip, so the later one's first state overlaps the earlier one's: refused.
    assert sum(r["refused"] for r in results) >= 1
    assert sum(r["saved"] for r in results) >= 1
    check = open_workspace(ws.path)
    states = [e for e in event_rows.for_clip(check.conn, "C001", coder_id) if e.track == "behaviour"]
    check.close()
    assert states
    for event in states:
        assert event.offset_ms is None or event.offset_ms > event.onset_ms, event
    spans = sorted((e.onset_ms, e.offset_ms if e.offset_ms is not None else 1 << 62) for e in states)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"overlapping states stored: {spans}"
    assert ws.verify_audit().ok


def test_session_key_presses_meet_the_stored_rules(coding):
    """A second session on the same clip (another app window) does not know the first one's running state."""
    ws, codebook_id, coder_id = coding
    codes = CodebookCodes(parse_codebook(CODEBOOK, "rules.yaml"))
    one = CodingSession(ws, clip_id="C001", coder="alice", codebook_id=codebook_id, codes=codes)
    two = CodingSession(ws, clip_id="C001", coder="alice", codebook_id=codebook_id, codes=codes)
    one.code_key("calm", at_ms=0, at_frame=0, actor="subject_1")
    with pytest.raises(CodingError, match="already has calm"):
        two.code_key("resist", at_ms=4000, at_frame=100, actor="subject_1")
    with pytest.raises(CodingError, match="must end after it begins"):
        one.code_key("calm", at_ms=0, at_frame=0, actor="subject_1")  # ended on the frame it began
    assert [(e.code, e.offset_ms) for e in event_rows.for_clip(ws.conn, "C001")] == [("calm", None)]


def test_an_elan_file_breaking_the_rules_imports_nothing_and_the_other_files_still_import(
    workspace_location, run_cli, tmp_path
):
    import pympi

    shutil.copy(REPO / "sample_media" / "framecode_720p25.mp4", tmp_path / "clip.mp4")
    (tmp_path / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path\nE1,2026-11-02T10:00:00Z,24,PC7,Lambeth,clip.mp4\n"
    )
    assert run_cli("init")[0] == 0
    assert run_cli("catalogue", "import", str(tmp_path / "cat.csv"))[0] == 0
    assert (
        run_cli("codebook", "import", str(REPO / "schemas" / "codebooks" / "ss_language_behaviour.yaml"))[0]
        == 0
    )

    def eaf(name: str, spans: list[tuple[int, int, str]]):
        doc = pympi.Elan.Eaf(author="researcher")
        doc.add_tier("subject_behaviour@subject_1")
        for start, end, value in spans:
            doc.add_annotation("subject_behaviour@subject_1", start, end, value)
        path = tmp_path / name
        pympi.Elan.to_eaf(str(path), doc)
        return str(path)

    overlapping = eaf("overlap.eaf", [(500, 4_500, "verbal_resistance"), (3_000, 6_000, "active_resistance")])
    fine = eaf("fine.eaf", [(500, 3_000, "verbal_resistance"), (3_000, 6_000, "active_resistance")])
    common = ("--clip", "E1", "--codebook", "ss_language_behaviour", "--json")
    code, out, err = run_cli("import", "eaf", overlapping, "--coder", "ana", *common)
    assert code == 1, err
    (entry,) = json.loads(out)["files"]
    assert entry["imported"] == 0
    assert any("overlap.eaf: subject_1 already has verbal_resistance on E1" in p for p in entry["problems"])
    code, out, err = run_cli("import", "eaf", fine, "--coder", "ana", *common)
    (entry,) = json.loads(out)["files"]  # exit 1 only for pympi's empty 'default' tier
    assert (
        code == 1 and entry["imported"] == 2 and [p for p in entry["problems"] if "'default'" not in p] == []
    )
    # --replace with a file that breaks the rules keeps what was there.
    code, out, _ = run_cli("import", "eaf", overlapping, "--coder", "ana", "--replace", *common)
    assert code == 1
    with open_workspace(workspace_location) as ws:
        kept = [(e.code, e.onset_ms, e.offset_ms) for e in event_rows.for_clip(ws.conn, "E1")]
    assert kept == [("verbal_resistance", 500, 3_000), ("active_resistance", 3_000, 6_000)]
