"""ELAN files: valid EAF 3.0 (lxml against the XSD), readable by pympi-ling, and a lossless round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pympi
import pytest
from lxml import etree

from bwvtool.export.context import ExportOptions
from bwvtool.export.eaf import POINT_MS
from bwvtool.export.eaf_import import import_eaf
from bwvtool.export.pseudonym import generate_key_file, load_key_file
from bwvtool.export.run import export_sample
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from tests.conftest import REPO
from tests.core.test_export_fixtures import FORMULA_NOTE, build_coded_sample


@pytest.fixture(scope="module")
def coded_sample(tmp_path_factory, module_workspace_location):
    return build_coded_sample(tmp_path_factory.mktemp("coded"), location=module_workspace_location)


XSD = REPO / "schemas" / "reference" / "EAFv3.0.xsd"


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "force.key"
    generate_key_file(path)
    return path


@pytest.fixture(scope="module")
def eaf_export(coded_sample, key, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "eaf"
    with coded_sample.open() as ws:
        return export_sample(
            ws, coded_sample.sample_id, out, ExportOptions(fmt="eaf", key_file=key, keep_text=True)
        )


def _events_by_coder(db: Path, clips: list[str], coder: str) -> list:
    with open_workspace(db) as ws:
        row = ws.conn.execute("SELECT id FROM coders WHERE name = ?", (coder,)).fetchone()
        return [e for clip in clips for e in event_rows.for_clip(ws.conn, clip, row[0])] if row else []


def _comparable(events: list) -> list[tuple]:
    """Everything an event carries except its row id and time stamps; causes by (code, onset) of the cause."""
    by_id = {e.id: e for e in events}

    def cause(e):
        return None if e.caused_by is None else (by_id[e.caused_by].code, by_id[e.caused_by].onset_ms)

    return sorted(
        (e.clip_id, e.codebook_id, e.track, e.code, e.actor, e.onset_ms, e.onset_frame, e.offset_ms, e.offset_frame,
         json.dumps(e.modifiers, sort_keys=True), e.note, e.starred, cause(e))
        for e in events
    )  # fmt: skip


def test_every_file_validates_against_the_eaf_3_0_xsd_and_opens_in_pympi(coded_sample, eaf_export, key):
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    files = sorted(eaf_export.out.glob("*.eaf"))
    pseudo = load_key_file(key)
    assert {f.stem for f in files} == {pseudo("clip", c) for c in coded_sample.clips}
    total = 0
    for path in files:
        document = etree.parse(str(path))
        assert schema.validate(document), schema.error_log
        eaf = pympi.Elan.Eaf(str(path))
        assert eaf.header["TIME_UNITS"] == "milliseconds"
        (media,) = eaf.media_descriptors
        assert media["RELATIVE_MEDIA_URL"] == f"./media/{path.stem}.mp4" and media["MIME_TYPE"] == "video/mp4"
        assert ("bwvtool:clip", path.stem) in eaf.properties
        assert "officer_language" in eaf.get_controlled_vocabulary_names()
        for tier in eaf.get_tier_names():
            if tier.endswith("/details"):
                continue
            track, actor, coder = tier.split("#")[0].split("@")
            assert eaf.tiers[tier][2]["PARTICIPANT"] == actor and eaf.tiers[tier][2]["ANNOTATOR"] == coder
            annotations = eaf.get_annotation_data_for_tier(tier)
            total += len(annotations)
            for start, end, value in annotations:
                if value in ("command", "reason_given", "complies", "escalation_up", "assault_on_officer"):
                    assert end - start == POINT_MS
            starts = sorted(annotations)
            assert all(
                a[1] <= b[0] for a, b in zip(starts, starts[1:], strict=False)
            )  # no overlaps on a tier
    assert total == eaf_export.rows["events"]
    assert any("#2" in t for f in files for t in pympi.Elan.Eaf(str(f)).get_tier_names())  # an overflow tier


def test_export_then_import_gives_the_same_events(coded_sample, eaf_export, key, tmp_path):
    db = coded_sample.copy(tmp_path)
    files = sorted(eaf_export.out.glob("*.eaf"))
    before = {c: _comparable(_events_by_coder(db, coded_sample.clips, c)) for c in ("alice", "bob")}
    with open_workspace(db) as ws:
        for coder in ("alice", "bob"):
            report = import_eaf(ws, files, coder=coder, sample_id=coded_sample.sample_id, key_file=key,
                                replace=True, actor="tester")  # fmt: skip
            # The other coder's tiers are named as skipped (exit 1 on the command line); nothing else is.
            other = load_key_file(key).person("bob" if coder == "alice" else "alice")
            assert all(not f.problems and all(other in s for s in f.skipped) for f in report.files)
            assert report.imported == len(before[coder]) > 0
    after = {c: _comparable(_events_by_coder(db, coded_sample.clips, c)) for c in ("alice", "bob")}
    assert after == before
    assert any(row[10] == FORMULA_NOTE for row in after["alice"])  # kept text survives the round trip
    assert any(row[7] is None and row[3] == "demeanour" for row in after["alice"])  # open states stay open


def test_import_reports_unknown_values_and_tiers_and_keeps_the_rest(
    coded_sample, eaf_export, run_cli, tmp_path
):
    db = coded_sample.copy(tmp_path / "ws")
    source = sorted(eaf_export.out.glob("*.eaf"))[0]
    tree = etree.parse(str(source))
    values = tree.xpath("//TIER[starts-with(@ANNOTATOR, 'coder-')][not(@PARENT_REF)]//ANNOTATION_VALUE")
    values[0].text = "made_up_code"
    root = tree.getroot()
    stray = etree.Element(
        "TIER", TIER_ID="gestures", LINGUISTIC_TYPE_REF="gesture_type", PARTICIPANT="officer_1"
    )
    root.insert(list(root).index(root.find("TIER")), stray)
    etree.SubElement(root, "LINGUISTIC_TYPE", LINGUISTIC_TYPE_ID="gesture_type", TIME_ALIGNABLE="true")
    edited = tmp_path / "edited.eaf"
    tree.write(str(edited), xml_declaration=True, encoding="UTF-8")
    annotator = values[0].getparent().getparent().getparent().get("ANNOTATOR")
    code, out, _ = run_cli("import", "eaf", str(edited), "--sample", str(coded_sample.sample_id), "--pseudonymise",
                           str(eaf_export.options.key_file), "--coder", "carol", "--annotator", annotator,
                           "--json", db=db)  # fmt: skip
    assert code == 1, out
    report = json.loads(out)
    (entry,) = report["files"]
    assert any("'made_up_code' is not a code" in p for p in entry["problems"])
    assert any("tier 'gestures'" in p and "no track" in p for p in entry["problems"])
    assert entry["imported"] > 0
    assert len(_events_by_coder(db, [entry["clip_id"]], "carol")) == entry["imported"]


def test_existing_events_are_not_overwritten_without_replace(
    coded_sample, eaf_export, key, run_cli, tmp_path
):
    db = coded_sample.copy(tmp_path / "ws")
    files = [str(f) for f in sorted(eaf_export.out.glob("*.eaf"))]
    before = _comparable(_events_by_coder(db, coded_sample.clips, "alice"))
    code, out, _ = run_cli("import", "eaf", *files, "--sample", str(coded_sample.sample_id), "--pseudonymise",
                           str(key), "--coder", "alice", db=db)  # fmt: skip
    assert code == 1 and "use --replace" in out
    assert _comparable(_events_by_coder(db, coded_sample.clips, "alice")) == before
    code, _, err = run_cli(
        "import", "eaf", *files[:2], "--clip", coded_sample.clips[0], "--coder", "x", db=db
    )
    assert code == 2 and "--clip names one clip" in err
    code, out, _ = run_cli(
        "import", "eaf", files[0], "--sample", str(coded_sample.sample_id), "--coder", "x", db=db
    )
    assert code == 1 and "a pseudonym" in out  # no key: the clip cannot be found


def test_a_file_made_in_elan_without_bwvtool_details_imports(coded_sample, run_cli, tmp_path):
    """Tiers named by the user, values given as labels, no details tier: points, states and frames at 25 fps."""
    db = coded_sample.copy(tmp_path / "ws")
    eaf = pympi.Elan.Eaf(author="researcher")
    eaf.add_linked_file(str(tmp_path / "clip.mp4"), mimetype="video/mp4")
    eaf.add_tier("officer_language@officer_1")
    eaf.add_annotation(
        "officer_language@officer_1", 1_000, 1_900, "Command"
    )  # a label, and too long for a point
    eaf.add_annotation("officer_language@officer_1", 2_000, 2_200, "reason_given")
    eaf.add_tier("subject_demeanour@subject_1")
    eaf.add_annotation("subject_demeanour@subject_1", 500, 4_500, "demeanour")
    eaf.add_tier("notes")
    eaf.add_annotation("notes", 100, 200, "something")
    path = tmp_path / "made_in_elan.eaf"
    pympi.Elan.to_eaf(str(path), eaf)
    clip = coded_sample.clips[0]
    code, out, _ = run_cli("import", "eaf", str(path), "--clip", clip, "--codebook", "ss_language_behaviour",
                           "--coder", "elan_user", "--json", db=db)  # fmt: skip
    assert code == 1  # the 'notes' tier maps to no track
    (entry,) = json.loads(out)["files"]
    assert entry["imported"] == 3 and any("tier 'notes'" in p for p in entry["problems"])
    events = sorted(_events_by_coder(db, [clip], "elan_user"), key=lambda e: e.onset_ms)
    assert [(e.code, e.onset_ms, e.onset_frame, e.offset_ms, e.offset_frame) for e in events] == [
        ("demeanour", 500, 12, 4_500, 112),
        ("command", 1_000, 25, None, None),
        ("reason_given", 2_000, 50, None, None),
    ]


def test_not_an_eaf_file_is_reported(coded_sample, run_cli, tmp_path):
    db = coded_sample.copy(tmp_path / "ws")
    bad = tmp_path / "broken.eaf"
    bad.write_text("<ANNOTATION_DOCUMENT><unclosed>")
    code, out, _ = run_cli("import", "eaf", str(bad), "--clip", coded_sample.clips[0], "--coder", "x", db=db)
    assert code == 1 and "not well-formed XML" in out


def test_media_links_and_copies(coded_sample, key, tmp_path):
    """Identified: the real file linked relative to the export; pseudonymised: a copy named by pseudonym."""
    with coded_sample.open() as ws:
        media_path = ws.conn.execute(
            "SELECT media_path FROM clips WHERE clip_id = ?", (coded_sample.clips[0],)
        ).fetchone()[0]
    root = tmp_path / "media_root"
    (root / media_path).parent.mkdir(parents=True)
    (root / media_path).write_bytes(b"not really a video, but bytes to copy")
    with coded_sample.open() as ws:
        identified = export_sample(ws, coded_sample.sample_id, tmp_path / "internal",
                                   ExportOptions(fmt="eaf", identified=True, media_root=root))  # fmt: skip
        copied = export_sample(ws, coded_sample.sample_id, tmp_path / "research",
                               ExportOptions(fmt="eaf", key_file=key, media_root=root, copy_media=True))  # fmt: skip
    (media,) = pympi.Elan.Eaf(str(identified.out / f"{coded_sample.clips[0]}.eaf")).media_descriptors
    assert media["MEDIA_URL"] == media["RELATIVE_MEDIA_URL"] and not media["MEDIA_URL"].startswith(
        ("/", "file:")
    )
    assert (identified.out / media["RELATIVE_MEDIA_URL"]).resolve() == (root / media_path).resolve()
    for path in copied.out.glob("*.eaf"):  # no folder of the exporter's machine in a research export
        assert str(tmp_path) not in path.read_text() and "file:" not in path.read_text()
    name = load_key_file(key)("clip", coded_sample.clips[0])
    assert (copied.out / "media" / f"{name}.mp4").read_bytes() == (root / media_path).read_bytes()
    assert f"media/{name}.mp4" in {f["name"] for f in copied.manifest["files"]}
    assert copied.partial and len(copied.missing_media) == len(coded_sample.clips) - 1
    assert name not in copied.missing_media
