"""`bwvtool reliability` and `bwvtool sequences` on a coded sample, checked against the analysis core fed by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bwvtool.analysis.events import Clip, CodedEvent
from bwvtool.analysis.report import reliability_report
from bwvtool.analysis.sequences import transitions
from bwvtool.coding.session import CodebookCodes, CodingSession
from bwvtool.store import events as event_rows
from bwvtool.store import reviews as review_rows
from bwvtool.store import samples as sample_rows
from bwvtool.store.catalogue import get_clip
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook
from tests.core.test_export_fixtures import build_coded_sample


@pytest.fixture(scope="module")
def coded_sample(tmp_path_factory, module_workspace_location):
    return build_coded_sample(tmp_path_factory.mktemp("coded"), location=module_workspace_location)


def _by_hand(coded_sample):
    """Clips, events and reviews read with the store's plain readers (not bwvtool.export)."""
    with coded_sample.open() as ws:
        names = dict(ws.conn.execute("SELECT id, name FROM coders"))
        codebook = get_codebook(ws.conn, "ss_language_behaviour").codebook
        durations = {c: round(get_clip(ws.conn, c)["duration_s"] * 1000) for c in coded_sample.clips}
        stored = event_rows.for_clips(ws.conn, coded_sample.clips)
        answers = review_rows.for_clips(ws.conn, coded_sample.clips)
    events = []
    for e in stored:
        offset = e.offset_ms
        if offset is None and codebook.code(e.code).is_state:
            offset = durations[e.clip_id]
        events.append(CodedEvent(e.clip_id, names[e.coder_id], e.track, e.code, e.actor, e.onset_ms, offset))
    reviews: dict = {}
    for r in answers:
        reviews.setdefault(r.clip_id, {})[names[r.coder_id]] = r.answers
    return durations, events, reviews, codebook


def test_reliability_json_equals_the_report_on_the_double_coded_clips(coded_sample, run_cli):
    code, out, _ = run_cli("reliability", str(coded_sample.sample_id), "--json", "--boot", "50", "--bin-ms", "500",
                           db=coded_sample.db)  # fmt: skip
    assert code == 0
    got = json.loads(out)
    durations, events, reviews, codebook = _by_hand(coded_sample)
    shared = sorted(coded_sample.double_coded)
    clips = [Clip(c, durations[c], ("alice", "bob")) for c in shared]
    from bwvtool.analysis.reviews import levels_from_codebook

    expected = reliability_report(
        clips,
        [e for e in events if e.clip_id in shared],
        {c: reviews[c] for c in shared},
        bin_ms=500,
        n_boot=50,
        tracks=[t.id for t in codebook.tracks],
        review_levels={k: v for k, v in levels_from_codebook(codebook.data()["review_items"]).items() if v},
    )
    got_sample = got.pop("sample")
    assert got == json.loads(json.dumps(expected))
    assert got_sample["double_coded"] == len(shared) and got_sample["clips"] == len(coded_sample.clips)
    assert {e["item"] for e in got["reviews"]} >= {"gowisely_grounds", "pj_voice"}
    assert "notes" not in {e["item"] for e in got["reviews"]}  # free text is not analysed


def test_reliability_text_shows_every_section_with_intervals_and_flags(coded_sample, run_cli):
    code, out, _ = run_cli("reliability", str(coded_sample.sample_id), "--boot", "50", db=coded_sample.db)
    assert code == 0
    for heading in ("Time-sliced Cohen's kappa", "per track x actor", "Krippendorff's alpha (nominal)",
                    "ELAN-style modified kappa", "Onset agreement within +/-1000 ms", "Clip reviews"):  # fmt: skip
        assert heading in out
    assert "95% CI" in out and "reliable" in out and "alice/bob" in out
    assert "intervals are unstable" in out  # fewer than 10 double-coded clips


def test_too_few_double_coded_clips_is_a_clear_message(clip_workspace, run_cli):
    ws = clip_workspace
    ensure_default_codebooks(ws, actor="setup")
    stored = get_codebook(ws.conn, "ss_language_behaviour")
    with ws.transaction("setup") as tx:
        sample_id = sample_rows.insert_sample(tx, {
            "name": "tiny", "plan_text": "name: tiny", "plan_sha256": "0" * 64, "seed": 1, "unit": "clip",
            "drawn_at": tx.at, "drawn_by": "setup", "frame_sha256": "0" * 64, "frame_size": 3,
            "manifest_sha256": "0" * 64, "report": {"as_of": "2026-11-05"}})  # fmt: skip
        ann, bob = ws.coder_id(tx, "ann"), ws.coder_id(tx, "bob")
        sample_rows.insert_contents(tx, sample_id, [("all", 3, 3, 0)],
                                    [(c, c, "all", "sample", 1.0, 1.0, i) for i, c in enumerate(("C001", "C002", "C003"))],
                                    [("C001", ann, "primary"), ("C001", bob, "reliability")])  # fmt: skip
    session = CodingSession(
        ws, clip_id="C001", coder="ann", codebook_id=stored.id, codes=CodebookCodes(stored.codebook)
    )
    session.code_key("command", at_ms=1_000, at_frame=25, actor="officer_1")
    code, _, err = run_cli("reliability", str(sample_id))
    assert code == 2 and "no clip is coded by two or more coders" in err
    assert "1 reliability assignment(s) not yet coded" in err and err.count("\n") == 1
    code, _, err = run_cli("reliability", "42")
    assert code == 2 and "no sample 42" in err
    code, _, err = run_cli("sequences", str(sample_id), "--coder", "bob")
    assert code == 2 and "no coded events by bob" in err


def test_sequences_json_csv_and_options(coded_sample, run_cli, tmp_path):
    _, events, _, _ = _by_hand(coded_sample)
    code, out, _ = run_cli("sequences", str(coded_sample.sample_id), "--json", "--out", str(tmp_path / "t.csv"),
                           db=coded_sample.db)  # fmt: skip
    assert code == 0
    data = json.loads(out)
    expected = transitions(events)
    assert data["labels"] == list(expected.labels) and data["counts"] == expected.counts.tolist()
    assert data["rows"] == json.loads(json.dumps(expected.rows()))
    table = pd.read_csv(tmp_path / "t.csv")
    assert len(table) == len(expected.labels) ** 2 and table["count"].sum() == expected.total
    assert list(table.columns) == ["given", "target", "count", "expected", "adjusted_residual", "yules_q"]

    code, out, _ = run_cli("sequences", str(coded_sample.sample_id), "--by-actor", "--label-actor", "--coder", "bob",
                           "--json", db=coded_sample.db)  # fmt: skip
    assert code == 0
    bob = transitions([e for e in events if e.coder == "bob"], by_actor=True, label_actor=True)
    assert json.loads(out)["counts"] == bob.counts.tolist()

    code, out, _ = run_cli("sequences", str(coded_sample.sample_id), "--label-actor", db=coded_sample.db)
    assert code == 0 and "adj. residual" in out and "Yule's Q" in out
    assert "Officer 1 · Command" in out and "officer_1:command" not in out  # codebook labels, never ids
    data = json.loads(
        run_cli("sequences", str(coded_sample.sample_id), "--label-actor", "--json", db=coded_sample.db)[1]
    )
    assert data["names"]["officer_1:command"] == "Officer 1 · Command"  # the ids stay in the data, named


@pytest.mark.parametrize("option", ["--bin-ms", "--boot"])
def test_reliability_rejects_non_positive_settings(run_cli, option):
    code, _, err = run_cli("reliability", "1", option, "0")
    assert code == 2 and option in err
