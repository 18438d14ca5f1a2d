"""Hostile and mistaken input files are refused quickly with one plain sentence (issue 9, part 7)."""

from __future__ import annotations

import json
import time

import pytest

from bwvtool.codebook import load_codebook
from bwvtool.debrief.notes import read_narrative_file
from bwvtool.errors import UsageError
from bwvtool.export.eaf_read import EafError, read_eaf
from bwvtool.export.pseudonym import load_key_file
from bwvtool.safe_files import CAPS, MB
from bwvtool.sampling import load_plan
from tests.conftest import REPO

CODEBOOK = (REPO / "schemas" / "codebooks" / "pioss_review.yaml").read_text(encoding="utf-8")
PLAN = (REPO / "schemas" / "plans" / "pioss_weekly.yaml").read_text(encoding="utf-8")

# Nine levels of nine aliases: 9**9 (387 million) values once expanded, from a file of under 1 KB.
LAUGHS = "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" if i else 'l0: &l0 "lol"\n' for i in range(10)
)


def _refused_quickly(load, path, message):
    started = time.perf_counter()
    with pytest.raises(UsageError) as caught:
        load(path)
    elapsed = time.perf_counter() - started
    text = str(caught.value)
    assert message in text and "\n" not in text and "Error" not in text, text
    assert elapsed < 2, f"took {elapsed:.1f} s"  # unbounded before: minutes and gigabytes
    return text


def test_billion_laughs_codebook_and_plan_are_refused_in_under_2_s(tmp_path):
    codebook = tmp_path / "laughs.yaml"
    codebook.write_text(
        CODEBOOK + LAUGHS.replace("l", "x_l"), encoding="utf-8"
    )  # unknown fields, but aliases first
    text = _refused_quickly(load_codebook, codebook, "YAML aliases here expand to more than 200,000 values")
    assert text.startswith(f"{codebook}: line ") and "billion laughs" in text
    plan = tmp_path / "laughs_plan.yaml"
    plan.write_text(PLAN + LAUGHS.replace("l", "x_l"), encoding="utf-8")
    _refused_quickly(load_plan, plan, "plan laughs_plan.yaml: line ")
    narrative = tmp_path / "narrative.yaml"
    narrative.write_text(LAUGHS, encoding="utf-8")
    _refused_quickly(read_narrative_file, narrative, "expand to more than")


def test_an_alias_inside_itself_is_refused(tmp_path):
    plan = tmp_path / "loop.yaml"
    plan.write_text("name: &a [*a]\n", encoding="utf-8")
    _refused_quickly(load_plan, plan, "a YAML alias refers to a value that contains it")


def test_a_50_mb_codebook_and_oversized_files_of_each_kind_are_refused_in_under_2_s(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(CODEBOOK.encode() + b"# padding\n" * (5 * MB))  # 50 MB
    text = _refused_quickly(load_codebook, big, "is too large (50.0 MB) for a codebook: the limit is 5.0 MB")
    assert text.startswith(str(big))
    plan = tmp_path / "big_plan.yaml"
    plan.write_bytes(PLAN.encode() + b"#" * CAPS["sampling plan"])
    _refused_quickly(load_plan, plan, "too large")
    key = tmp_path / "big.key"
    key.write_bytes(b"x" * (CAPS["key file"] + 1))
    _refused_quickly(load_key_file, key, "too large")
    eaf = tmp_path / "big.eaf"
    eaf.write_bytes(b"<ANNOTATION_DOCUMENT>" + b" " * CAPS["ELAN file"])
    started = time.perf_counter()
    with pytest.raises(EafError, match="big.eaf is too large"):
        read_eaf(eaf)
    assert time.perf_counter() - started < 2


def _line_of(text: str, prefix: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(prefix))


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("utf-16", "line 1: the file is saved as UTF-16; save it as UTF-8"),
        ("utf-16-le", "line 1: the file holds NUL characters (UTF-16 without a byte order mark?); save it as UTF-8"),
        ("latin-1", "line {line}: byte 0xE9 is not UTF-8 (it looks like Latin-1 or Windows-1252); save it as UTF-8"),
        ("cp1252", "line {line}: byte 0x92 is not UTF-8 (it looks like Latin-1 or Windows-1252); save it as UTF-8"),
    ],
)  # fmt: skip
def test_a_codebook_or_plan_not_saved_as_utf8_says_so_with_the_line(tmp_path, encoding, message):
    word = "Officer’s" if encoding == "cp1252" else "Café"
    for load, source, field, name in ((load_codebook, CODEBOOK, "title: ", "codebook.yaml"),
                                      (load_plan, PLAN, "name: ", "plan.yaml")):  # fmt: skip
        path = tmp_path / name
        plain = source.encode("ascii", "replace").decode()  # the one non-ASCII word is ours
        path.write_bytes(plain.replace(field, f"{field}{word} ", 1).encode(encoding))
        expected = message.format(line=_line_of(source, field))
        label = str(path) if load is load_codebook else f"plan {name}"
        assert _refused_quickly(load, path, expected) == f"{label}: {expected}"


def test_the_cli_refuses_a_hostile_codebook_in_one_line(run_cli, tmp_path):
    codebook = tmp_path / "laughs.yaml"
    codebook.write_text(LAUGHS, encoding="utf-8")
    code, out, err = run_cli("codebook", "validate", str(codebook))
    assert code == 2 and "billion laughs" in err + out and "Traceback" not in err
    latin = tmp_path / "latin.yaml"
    plain = CODEBOOK.encode("ascii", "replace").decode()
    latin.write_bytes(plain.replace("title: ", "title: Café ", 1).encode("latin-1"))
    assert run_cli("init")[0] == 0
    code, out, err = run_cli("codebook", "import", str(latin))
    line = _line_of(CODEBOOK, "title: ")
    expected = f"{latin}: line {line}: byte 0xE9 is not UTF-8 (it looks like Latin-1 or Windows-1252); save it as UTF-8"
    assert code == 2 and err.strip() == f"bwvtool: error: {expected}"


XML_BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ANNOTATION_DOCUMENT>&lol3;</ANNOTATION_DOCUMENT>
"""
XML_EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE doc [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ANNOTATION_DOCUMENT>&secret;</ANNOTATION_DOCUMENT>
"""


@pytest.mark.parametrize(
    "text", [XML_BOMB, XML_EXTERNAL, '<!DOCTYPE ANNOTATION_DOCUMENT SYSTEM "x.dtd"><ANNOTATION_DOCUMENT/>']
)
def test_elan_files_with_dtds_or_entities_are_refused(tmp_path, text, run_cli):
    eaf = tmp_path / "hostile.eaf"
    eaf.write_text(text, encoding="utf-8")
    with pytest.raises(EafError, match="hostile.eaf: the XML declares a DTD or entities"):
        read_eaf(eaf)


def test_a_catalogue_line_over_the_cap_is_rejected_alone(run_cli, tmp_path):
    good = {"clip_id": "J1", "incident_id": "I1", "recorded_at": "2026-11-02T10:00:00Z", "duration_s": 30,
            "officer_ref": "PC1", "borough": "Lambeth"}  # fmt: skip
    huge = dict(good, clip_id="J2", notes="x" * (CAPS["catalogue line"] + 10))
    last = dict(good, clip_id="J3")
    source = tmp_path / "cat.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in (good, huge, last)) + "\n", encoding="utf-8")
    assert run_cli("init")[0] == 0
    code, out, err = run_cli("catalogue", "import", str(source), "--json")
    report = json.loads(out)
    assert code == 1 and report["inserted"] == 2 and report["rejected"] == 1, err
    (reject,) = report["rejects"]
    assert reject["line"] == 2 and reject["reason"] == "the line is longer than 1.0 MB: not a clip record"


@pytest.mark.parametrize("kind", ["codebook", "plan"])
def test_json_files_are_parsed_as_json_a_trailing_comma_named_with_line_and_column(tmp_path, kind):
    """Issue 15, part 6: YAML would accept the trailing comma silently."""
    source = CODEBOOK if kind == "codebook" else PLAN
    import yaml

    data = yaml.safe_load(source)
    text = json.dumps(data, indent=2, default=str)
    broken = text.removesuffix("\n}") + ",\n}"  # a comma after the last field, as JavaScript allows
    path = tmp_path / f"{kind}.json"
    path.write_text(text, encoding="utf-8")
    (load_codebook if kind == "codebook" else load_plan)(path)  # the same content, valid JSON: accepted
    path.write_text(broken, encoding="utf-8")
    line = broken.count("\n")  # the closing brace's line
    if kind == "codebook":
        from bwvtool.codebook.issues import CodebookInvalid

        with pytest.raises(CodebookInvalid) as caught:
            load_codebook(path)
        assert (
            f"{path}:{line + 1}:1: $: not valid JSON: a trailing comma before '}}' (JSON allows none)"
            in str(caught.value)
        )
    else:
        with pytest.raises(UsageError) as caught:
            load_plan(path)
        assert (
            f"plan plan.json: line {line + 1}, column 1: not valid JSON: a trailing comma before '}}' (JSON allows none)"
            == str(caught.value)
        )
