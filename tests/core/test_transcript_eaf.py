"""Transcripts in ELAN files: a transcription tier per speaker in EAF exports when text is kept (scrubbed like
notes, speakers pseudonymised), none otherwise; EAF import reads the tier back as the clip's next transcript."""

from __future__ import annotations

import pympi
from lxml import etree

from bwvtool.export.context import ExportOptions
from bwvtool.export.eaf_import import import_eaf
from bwvtool.export.pseudonym import generate_key_file, load_key_file
from bwvtool.export.run import export_sample
from bwvtool.store import catalogue, open_workspace
from bwvtool.transcripts.captions import Utterance
from bwvtool.transcripts.library import store_utterances, transcript_of
from tests.conftest import REPO
from tests.core.test_export_fixtures import build_coded_sample

XSD = REPO / "schemas" / "reference" / "EAFv3.0.xsd"


def test_transcripts_go_into_eaf_only_with_text_kept_and_come_back_on_import(tmp_path, workspace_location):
    sample = build_coded_sample(tmp_path / "coded", location=workspace_location)
    clip = sample.clips[0]
    with open_workspace(sample.db) as ws:
        officer = catalogue.get_clip(ws.conn, clip)["officer_ref"]
        spoken = [
            Utterance(1000, 2500, f"I'm {officer}, stop there.", "PC Smith"),
            Utterance(2000, 3000, "What for?", "Subject"),  # overlaps: ELAN wants no overlap on a tier
            Utterance(2600, 4000, "Because you match a description.", "PC Smith"),
        ]
        store_utterances(ws, clip, spoken, actor="setup", origin="imported", format="vtt")
    key = tmp_path / "force.key"
    generate_key_file(key)
    pseudo = load_key_file(key)
    with open_workspace(sample.db) as ws:
        kept = export_sample(
            ws, sample.sample_id, tmp_path / "kept", ExportOptions(fmt="eaf", key_file=key, keep_text=True)
        )
        dropped = export_sample(
            ws, sample.sample_id, tmp_path / "dropped", ExportOptions(fmt="eaf", key_file=key)
        )
    path = kept.out / f"{pseudo('clip', clip)}.eaf"
    assert etree.XMLSchema(etree.parse(str(XSD))).validate(etree.parse(str(path)))
    eaf = pympi.Elan.Eaf(str(path))
    tiers = {
        t: eaf.get_annotation_data_for_tier(t) for t in eaf.get_tier_names() if t.startswith("transcript@")
    }
    assert sorted(tiers) == ["transcript@speaker_1", "transcript@speaker_2"]
    first = sorted(tiers["transcript@speaker_1"])
    assert [(s, e) for s, e, _ in first] == [(1000, 2500), (2600, 4000)]
    assert officer not in first[0][2] and pseudo("officer", officer) in first[0][2]  # scrubbed like notes
    assert "PC Smith" not in path.read_text()
    plain = dropped.out / f"{pseudo('clip', clip)}.eaf"
    assert "transcript@" not in plain.read_text() and "stop there" not in plain.read_text()

    db = sample.copy(tmp_path / "again")
    with open_workspace(db) as ws:
        report = import_eaf(ws, [path], coder="alice", sample_id=sample.sample_id, key_file=key, replace=True,
                            actor="tester")  # fmt: skip
        assert not report.files[0].problems
        assert not any("transcript" in s for s in report.files[0].skipped)
        back = transcript_of(ws, clip)
    assert back.transcript.version == 2 and back.transcript.format == "eaf"
    assert [(u.start_ms, u.end_ms, u.speaker) for u in back.utterances] == [
        (1000, 2500, "speaker_1"), (2000, 3000, "speaker_2"), (2600, 4000, "speaker_1")
    ]  # fmt: skip
