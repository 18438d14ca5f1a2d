"""Private by default, imports that cannot destroy, and plain error messages (issue 15, parts 2 and 3)."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from bwvtool.export.context import ExportOptions
from bwvtool.export.pseudonym import generate_key_file, load_key_file, scrubber
from bwvtool.export.run import export_sample
from bwvtool.store import exports as rows_of
from tests.core.test_export_fixtures import build_coded_sample

PYTHON_TEXT = re.compile(r"Traceback|\b[A-Z]\w*(Error|Exception)\b|Errno|\.partial-\d")


@pytest.fixture(scope="module")
def coded_sample(tmp_path_factory, module_workspace_location):
    return build_coded_sample(
        tmp_path_factory.mktemp("coded"), hostile=True, location=module_workspace_location
    )


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "force.key"
    generate_key_file(path)
    return path


def _export(coded_sample, out, **options):
    with coded_sample.open() as ws:
        return export_sample(
            ws, coded_sample.sample_id, out, ExportOptions(**options), actor="researcher_rx7"
        )


def test_no_identifier_the_workspace_holds_appears_in_any_file_of_any_format(coded_sample, key, tmp_path):
    """Clip, incident, officer and camera ids, coders, every user in the audit log and media paths: in no file of a
    pseudonymised export (kept text included), in any case, inside longer tokens too."""
    exports = [
        _export(coded_sample, tmp_path / fmt, fmt=fmt, key_file=key, keep_text=True)
        for fmt in ("csv", "tsv", "jsonl", "eaf")
    ]
    with coded_sample.open() as ws:
        found = rows_of.workspace_identifiers(ws.conn)
    assert {"alice", "bob", "setup", "researcher_rx7"} <= found["coder"] | found["user"]
    every = sorted(set().union(*found.values()))
    assert len(every) > 600
    scanned = 0
    for result in exports:
        for path in result.out.rglob("*"):
            if path.is_file():
                text = path.read_bytes().decode("utf-8").casefold()
                scanned += 1
                leaks = [i for i in every if i.casefold() in text or i.casefold() in path.name.casefold()]
                assert leaks == [], f"{result.options.fmt}/{path.name} contains {leaks[:5]}"
    assert scanned >= 25
    pseudo = load_key_file(key)
    manifest = exports[0].manifest
    assert (
        manifest["exported_by"] == pseudo.person("researcher_rx7") and manifest["privacy"]["dates"] == "day"
    )
    eaf = next(exports[3].out.glob("*.eaf"))
    root = etree.parse(str(eaf)).getroot()
    annotators = {t.get("ANNOTATOR") for t in root.iter("TIER")}
    assert annotators <= {pseudo.person("alice"), pseudo.person("bob")}
    assert root.get("AUTHOR") == pseudo.person("researcher_rx7")
    for media in root.iter("MEDIA_DESCRIPTOR"):
        assert media.get("MEDIA_URL").startswith("./media/") and str(tmp_path) not in media.get("MEDIA_URL")


def test_dates_are_coarsened_by_default_and_exact_times_are_an_audited_choice(coded_sample, key, tmp_path):
    default = _export(coded_sample, tmp_path / "default", fmt="jsonl", key_file=key)
    rows = [json.loads(line) for line in (default.out / "clips.jsonl").read_text().splitlines()]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["recorded_at"]) for r in rows)
    exact = _export(coded_sample, tmp_path / "exact", fmt="jsonl", key_file=key, exact_dates=True)
    rows = [json.loads(line) for line in (exact.out / "clips.jsonl").read_text().splitlines()]
    assert all(r["recorded_at"].endswith("Z") and "T" in r["recorded_at"] for r in rows)
    assert exact.manifest["privacy"]["dates"] == "exact"
    with coded_sample.open() as ws:
        details = [
            json.loads(d)
            for (d,) in ws.conn.execute("SELECT detail FROM audit_log WHERE action LIKE 'export.%'")
        ]
    assert [d["exact_dates"] for d in details if d["out"].endswith("exact")] == [True]
    assert [d["dates"] for d in details if d["out"].endswith("default")] == ["day"]


def test_scrubbing_finds_identifiers_inside_longer_tokens_and_in_any_case():
    scrub = scrubber([("BWV000000123", "clip-aa"), ("PC4411", "officer-bb"), ("alice", "coder-cc")])
    text = "bwv000000123_note by pc4411's partner (ALICE) and xBWV000000123y"
    assert scrub(text) == "clip-aa_note by officer-bb's partner (coder-cc) and xclip-aay"


def test_a_name_of_letters_or_a_number_of_digits_is_not_scrubbed_out_of_ordinary_words():
    """A login such as ``sam`` is also the start of "sample": only a whole run of letters is the name (a
    researcher's export once read ``coder-…ple`` for "sample"); likewise a collar number inside a longer number."""
    scrub = scrubber([("sam", "coder-aa"), ("1077", "officer-bb"), ("PC4411", "officer-cc")])
    text = "sample by sam, Sam's and (SAM); 1077 not 10771 or 21077; xPC4411y; samuel"
    assert (
        scrub(text)
        == "sample by coder-aa, coder-aa's and (coder-aa); officer-bb not 10771 or 21077; xofficer-ccy; samuel"
    )


def test_replace_deletes_nothing_unless_something_valid_replaces_it(coded_sample, key, run_cli, tmp_path):
    db = coded_sample.copy(tmp_path / "ws")
    out = _export(coded_sample, tmp_path / "eaf", fmt="eaf", key_file=key).out
    alice = load_key_file(key).person("alice")
    source = next(
        f for f in sorted(out.glob("*.eaf")) if f'ANNOTATOR="{alice}"' in f.read_text()
    )  # alice coded it
    tree = etree.parse(str(source))
    for value in tree.iter("ANNOTATION_VALUE"):
        if value.getparent().tag == "ALIGNABLE_ANNOTATION":
            value.text = "not_a_code"  # every annotation rejected
    broken = tmp_path / "broken.eaf"
    tree.write(str(broken), xml_declaration=True, encoding="UTF-8")
    with coded_sample.open() as ws:
        before = ws.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    code, text, _ = run_cli("import", "eaf", str(broken), "--sample", str(coded_sample.sample_id), "--pseudonymise",
                            str(key), "--coder", "alice", "--replace", db=db)  # fmt: skip
    assert code == 1 and "were kept (nothing replaced)" in text
    with coded_sample.open() as ws:
        assert ws.conn.execute("SELECT count(*) FROM events").fetchone()[0] == before
    # Tiers of an annotator not asked for: named as skipped, nothing imported, exit 1 (was 0).
    code, text, _ = run_cli("import", "eaf", str(source), "--sample", str(coded_sample.sample_id), "--pseudonymise",
                            str(key), "--coder", "newcoder", "--annotator", "nobody", "--json", db=db)  # fmt: skip
    (entry,) = json.loads(text)["files"]
    assert code == 1 and entry["imported"] == 0 and any("--annotator coder-" in s for s in entry["skipped"])


def test_every_error_a_user_can_trigger_is_one_plain_sentence(coded_sample, key, run_cli, tmp_path):
    db = coded_sample.copy(tmp_path / "ws")
    sample = str(coded_sample.sample_id)
    (tmp_path / "not.eaf").write_bytes(b"\xff\xfe<bad")
    (tmp_path / "plan.yaml").write_text("name: x\nunit: clip\ndesign: {capacity: nan}\n")
    bad = [
        ("export", sample, "--out", "/proc/forbidden/out", "--pseudonymise", str(key)),
        ("export", sample, "--out", str(tmp_path / "o1"), "--pseudonymise", str(tmp_path)),
        ("export", sample, "--out", str(tmp_path / "o2"), "--pseudonymise", str(key), "--exact-dates",
         "--coarsen-dates", "week"),
        ("export", sample, "--out", str(tmp_path / "o3"), "--pseudonymise", str(key), "--coder", "nobody"),
        ("export", "99", "--out", str(tmp_path / "o4"), "--identified"),
        ("export", "keygen", "/proc/forbidden.key"),
        ("export", "keygen", str(key)),
        ("import", "eaf", str(tmp_path / "not.eaf"), "--coder", "a", "--clip", coded_sample.clips[0]),
        ("import", "eaf", str(tmp_path / "missing.eaf"), "--coder", "a", "--clip", coded_sample.clips[0]),
        ("import", "eaf", str(tmp_path / "not.eaf"), "--coder", "a", "--codebook", "x@y"),
        ("import", "eaf", str(tmp_path / "not.eaf"), "--coder", "a", "--sample", "1", "--pseudonymise",
         str(tmp_path / "no.key")),
        ("sample", "draw", str(tmp_path / "plan.yaml")),
        ("sample", "draw", "pioss_weekly", "--as-of", "not-a-date"),
        ("sample", "draw", "pioss_weekly", "--seed", "-1"),
        ("sample", "verify", "99"),
        ("sample", "show", "99"),
        ("sample", "export", sample, "--out", str(tmp_path / "x.xlsx")),
        ("sample", "export", sample, "--out", "/proc/forbidden.csv"),
        ("sample", "size", "--rate", "nan", "--margin", "0.05"),
        ("sample", "size", "--rate", "0.1", "--margin", "inf"),
        ("sample", "size", "--rate", "0.1", "--margin", "0.05", "--population", "0"),
        ("sample", "plan-copy", "nosuch", str(tmp_path / "p.yaml")),
        ("sample", "plan-copy", "pioss_weekly", "/proc/forbidden.yaml"),
        ("reliability", "99"),
        ("sequences", sample, "--out", "/proc/forbidden.csv"),
    ]  # fmt: skip
    for args in bad:
        code, out, err = run_cli(*args, db=db)
        text = out + err
        assert code != 0, args
        assert not PYTHON_TEXT.search(text), (args, text)
        assert err.strip().count("\n") == 0 or code == 1, (args, err)


@pytest.fixture(scope="module")
def coded_incident(tmp_path_factory):
    from tests.core.incident_coded import build_coded_incident

    return build_coded_incident(tmp_path_factory.mktemp("coded_incident"))


def test_no_identifier_and_no_camera_id_leaks_from_an_incident_export(coded_incident, key, tmp_path):
    """Events coded on an incident's clock add camera ids, incident times and an EAF per incident (media named per
    camera): still no clip, incident, officer or camera id, coder or user name in any file."""
    with coded_incident.open() as ws:
        exports = [
            export_sample(
                ws,
                coded_incident.sample_id,
                tmp_path / fmt,
                ExportOptions(fmt=fmt, key_file=key, keep_text=True),
                actor="researcher",
            )  # fmt: skip
            for fmt in ("csv", "jsonl", "eaf")
        ]
        found = rows_of.workspace_identifiers(ws.conn)
    assert {"CAM-001", "CAM-002", "CAM-003"} <= found["camera"]
    every = sorted(set().union(*found.values()))
    for result in exports:
        for path in result.out.rglob("*"):
            if path.is_file():
                text = path.read_bytes().decode("utf-8", errors="replace").casefold()
                leaks = [i for i in every if i.casefold() in text or i.casefold() in path.name.casefold()]
                assert leaks == [], f"{result.options.fmt}/{path.name} contains {leaks[:5]}"


def test_a_key_beside_the_workspace_is_exported_with_a_warning(coded_sample, key, tmp_path):
    with coded_sample.open() as ws:
        folder = ws.path.parent if hasattr(ws.path, "exists") else None
    if folder is None:  # a server workspace has no folder for the key to sit in
        return
    beside = folder / "beside.key"
    beside.write_bytes(key.read_bytes())
    result = _export(coded_sample, tmp_path / "beside", key_file=beside)
    assert any("in the workspace's folder" in w and "keep the key elsewhere" in w for w in result.warnings)
    assert not any(
        "workspace's folder" in w for w in _export(coded_sample, tmp_path / "apart", key_file=key).warnings
    )
