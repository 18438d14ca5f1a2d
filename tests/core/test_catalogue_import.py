"""Importing real catalogue files: encodings, quoting, every kind of bad row, idempotency, updates, audit."""

from __future__ import annotations

import csv
import hashlib
import json

import pytest

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.errors import UsageError
from bwvtool.store import catalogue as store

# The store's behaviour is the same on both engines (tests/pg.py starts the PostgreSQL one).
pytestmark = pytest.mark.both_engines

HEADER = "clip_id,recorded_at,duration_s,officer_ref,borough,sources,uof_tactics,mtip,notes"
GOOD_LINES = [
    "C1,2021-03-04T10:11:12Z,60,1234AS,Lambeth,stop_search,,false,",
    'C2,2021-03-04T10:12:00+01:00,30.5,1234AS,Lambeth,"use_of_force;dcb","Baton drawn;Baton used",true,"a note, with a comma"',
]


def _write(path, text: str, *, bom: bool = False) -> str:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def _clips(ws) -> dict[str, dict]:
    return {
        c["clip_id"]: c
        for c in (store.get_clip(ws.conn, r[0]) for r in ws.conn.execute("SELECT clip_id FROM clips"))
    }


@pytest.mark.parametrize("bom", [False, True])
def test_csv_with_and_without_bom(workspace, tmp_path, bom):
    path = _write(tmp_path / "cat.csv", "\n".join([HEADER, *GOOD_LINES]) + "\n", bom=bom)
    report = import_catalogue(workspace, path)
    assert (report.rows_read, report.inserted, report.rejected) == (2, 2, 0)
    clips = _clips(workspace)
    assert clips["C2"]["recorded_at"] == "2021-03-04T09:12:00.000Z"
    assert json.loads(clips["C2"]["uof_tactics"]) == ["Baton drawn", "Baton used"]
    assert clips["C2"]["mtip"] == 1 and clips["C1"]["mtip"] == 0
    assert clips["C2"]["notes"] == "a note, with a comma"
    assert clips["C1"]["incident_id"] == "C1"
    assert workspace.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 2


def test_quoted_newlines_keep_line_numbers_right(workspace, tmp_path):
    text = "\r\n".join(
        [
            HEADER,
            'C1,2021-03-04T10:11:12Z,60,1234AS,Lambeth,,,,"first line\r\nsecond line"',
            'C2,2021-03-04T10:11:12Z,0,1234AS,Lambeth,,,,"multi\nline ""quoted"""',
            "C3,2021-03-04T10:11:12Z,5,1234AS,Lambeth,,,,",
            "C4,2021-03-04T10:11:12Z,5,1234AS,Lambeth,nope,,,",
        ]
    )
    report = import_catalogue(workspace, _write(tmp_path / "q.csv", text + "\r\n"))
    assert report.inserted == 2
    assert [(r.line, r.end_line, r.clip_id, r.column) for r in report.rejects] == [
        (4, 5, "C2", "duration_s"),
        (7, 7, "C4", "sources"),
    ]
    assert _clips(workspace)["C1"]["notes"] == "first line\r\nsecond line"
    # The rejects file holds the original records byte for byte, under the original header.
    expected = (
        HEADER
        + '\r\nC2,2021-03-04T10:11:12Z,0,1234AS,Lambeth,,,,"multi\nline ""quoted"""'
        + "\r\nC4,2021-03-04T10:11:12Z,5,1234AS,Lambeth,nope,,,\r\n"
    )
    assert (tmp_path / "q.rejects.csv").read_bytes().decode() == expected


def test_every_kind_of_bad_row_is_rejected_with_line_column_reason(workspace, tmp_path):
    lines = [
        "clip_id,recorded_at,duration_s,officer_ref,borough,sources,mtip,colour",
        "G1,2021-01-01T10:00:00Z,10,1,Camden,dcb,true,red",  # 2 good
        ",2021-01-01T10:00:00Z,10,1,Camden,,,",  # 3 missing clip_id
        "B2,not a date,10,1,Camden,,,",  # 4 bad date
        "B3,2021-01-01T10:00:00,10,1,Camden,,,",  # 5 naive date
        "B4,2021-01-01T10:00:00Z,0,1,Camden,,,",  # 6 zero duration
        "B5,2021-01-01T10:00:00Z,-3,1,Camden,,,",  # 7 negative duration
        "B6,2021-01-01T10:00:00Z,long,1,Camden,,,",  # 8 non-numeric duration
        "B7,2021-01-01T10:00:00Z,10,1,Camden,dcb;teleport,,",  # 9 unknown list value
        "B8,2021-01-01T10:00:00Z,10,1,Camden,,maybe,",  # 10 bad bool
        "G1,2021-01-01T11:00:00Z,10,1,Camden,,,",  # 11 duplicate clip_id
        "B9,2021-01-01T10:00:00Z,10,1,Camden",  # 12 too few fields
        "B10,2021-01-01T10:00:00Z,10,,Camden,,,",  # 13 missing officer
        'B11,2021-01-01T10:00:00Z,10,1,"Cam"den,,,',  # 14 broken quoting
    ]
    path = _write(tmp_path / "bad.csv", "\n".join(lines) + "\n")
    report = import_catalogue(workspace, path)
    assert report.inserted == 1 and report.rows_read == 13
    got = {r.line: (r.column, r.reason) for r in report.rejects}
    assert sorted(got) == list(range(3, 15))
    assert got[3][0] == "clip_id" and "required" in got[3][1]
    assert got[4][0] == "recorded_at" and "ISO 8601" in got[4][1]
    assert got[5][0] == "recorded_at" and "no UTC offset" in got[5][1]
    assert got[6][0] == got[7][0] == got[8][0] == "duration_s"
    assert "not a number" in got[8][1]
    assert got[9][0] == "sources" and "teleport" in got[9][1]
    assert got[10][0] == "mtip"
    assert got[11][0] == "clip_id" and "already on line 2" in got[11][1]
    assert got[12][0] is None and "found 5" in got[12][1]
    assert got[13][0] == "officer_ref"
    assert got[14][0] is None and "CSV" in got[14][1]
    # Nothing lost: the rejects file has every rejected record verbatim; the reasons file says why.
    rejected_lines = (tmp_path / "bad.rejects.csv").read_text().splitlines()
    assert rejected_lines == [lines[0], *lines[2:]]
    with open(report.reasons_path, newline="") as handle:
        reasons = list(csv.DictReader(handle))
    assert {int(r["line"]) for r in reasons} == set(range(3, 15))
    assert {r["clip_id"] for r in reasons if r["line"] == "9"} == {"B7"}
    # Unknown columns are kept as extra attributes.
    assert json.loads(_clips(workspace)["G1"]["extra"]) == {"colour": "red"}
    # The rejects file imports again (after fixing) with the same tool.
    fixed = _write(
        tmp_path / "fixed.csv", "\n".join([lines[0], "B8,2021-01-01T10:00:00Z,10,1,Camden,,false,"]) + "\n"
    )
    assert import_catalogue(workspace, fixed).inserted == 1


def test_jsonl_with_bad_json_lines(workspace, tmp_path):
    rows = [
        {"clip_id": "J1", "recorded_at": "2021-01-01T10:00:00Z", "duration_s": 5, "officer_ref": "1", "borough": "Brent",
         "sources": ["dcb"], "mtip": True, "camera": {"make": "Axon"}},
        {"clip_id": "J2", "recorded_at": "2021-01-01T10:00:00Z", "duration_s": "5", "officer_ref": "1", "borough": "Brent"},
        {"clip_id": "J3", "recorded_at": "2021-01-01T10:00:00Z", "duration_s": 5, "officer_ref": "1", "borough": "Brent",
         "sources": "dcb"},
    ]  # fmt: skip
    lines = [json.dumps(rows[0]), "{not json", "", json.dumps(rows[1]), "[1, 2]", json.dumps(rows[2])]
    path = _write(tmp_path / "cat.jsonl", "\n".join(lines) + "\n")
    report = import_catalogue(workspace, path)
    assert report.inserted == 1 and report.rows_read == 5
    got = {r.line: r for r in report.rejects}
    assert sorted(got) == [2, 4, 5, 6]
    assert "not valid JSON" in got[2].reason
    assert got[4].column == "duration_s"  # typed rows must carry numbers as numbers
    assert "JSON object" in got[5].reason
    assert got[6].column == "sources"
    clip = _clips(workspace)["J1"]
    assert json.loads(clip["extra"]) == {"camera": {"make": "Axon"}} and clip["mtip"] == 1
    assert (tmp_path / "cat.rejects.jsonl").read_text().splitlines() == [
        lines[1],
        lines[3],
        lines[4],
        lines[5],
    ]


def test_empty_file_is_refused_and_header_only_imports_nothing(workspace, tmp_path):
    with pytest.raises(UsageError, match="empty"):
        import_catalogue(workspace, _write(tmp_path / "empty.csv", ""))
    with pytest.raises(UsageError, match="empty"):
        import_catalogue(workspace, _write(tmp_path / "empty.jsonl", ""))
    report = import_catalogue(workspace, _write(tmp_path / "head.csv", HEADER + "\n"))
    assert (report.rows_read, report.inserted, report.rejected) == (0, 0, 0)
    assert workspace.conn.execute("SELECT count(*) FROM catalogue_imports").fetchone()[0] == 1


def test_file_level_problems_are_usage_errors(workspace, tmp_path):
    with pytest.raises(UsageError, match="required column"):
        import_catalogue(workspace, _write(tmp_path / "a.csv", "clip_id,borough\nC1,Brent\n"))
    with pytest.raises(UsageError, match="twice"):
        import_catalogue(workspace, _write(tmp_path / "b.csv", HEADER + ",notes\n"))
    (tmp_path / "c.csv").write_bytes(
        (HEADER + "\nC1,2021-01-01T00:00:00Z,1,1,Br\xe9nt,,,,\n").encode("latin-1")
    )
    with pytest.raises(UsageError, match="not UTF-8 text \\(line 2"):
        import_catalogue(workspace, str(tmp_path / "c.csv"))
    with pytest.raises(UsageError, match="format"):
        import_catalogue(workspace, _write(tmp_path / "d.txt", HEADER))
    with pytest.raises(UsageError, match="no catalogue file"):
        import_catalogue(workspace, tmp_path / "missing.csv")
    assert workspace.conn.execute("SELECT count(*) FROM catalogue_imports").fetchone()[0] == 0


def test_reimport_is_idempotent_and_changes_are_updated_and_audited(workspace, tmp_path):
    path = _write(tmp_path / "cat.csv", "\n".join([HEADER, *GOOD_LINES]) + "\n")
    first = import_catalogue(workspace, path, actor="alice")
    before = _clips(workspace)
    again = import_catalogue(workspace, path, actor="alice")
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
    assert _clips(workspace) == before
    # Change C1's duration and sources, add C3: C1 is updated (not duplicated), C3 inserted.
    changed = GOOD_LINES[0].replace(",60,", ",61,").replace("stop_search", "stop_search;complaint")
    _write(
        tmp_path / "cat.csv",
        "\n".join([HEADER, changed, GOOD_LINES[1], "C3,2021-03-05T00:00:00Z,9,9,Brent,,,,"]),
    )
    third = import_catalogue(workspace, path, actor="bob")
    assert (third.inserted, third.updated, third.unchanged) == (1, 1, 1)
    clips = _clips(workspace)
    assert (
        len(clips) == 3 and clips["C1"]["duration_s"] == 61.0 and clips["C1"]["import_id"] == third.import_id
    )
    assert clips["C1"]["created_at"] == before["C1"]["created_at"]
    updates = workspace.conn.execute(
        "SELECT actor, entity_id, detail FROM audit_log WHERE action = 'clip.update'"
    ).fetchall()
    assert len(updates) == 1 and updates[0][:2] == ("bob", "C1")
    changes = json.loads(updates[0][2])["changes"]
    assert changes["duration_s"] == [60.0, 61.0]
    assert changes["sources"] == ['["stop_search"]', '["stop_search", "complaint"]']
    assert "row_hash" not in changes
    # One audit row per import, with counts and the hash of the sorted inserted ids.
    imports = workspace.conn.execute(
        "SELECT detail FROM audit_log WHERE action = 'catalogue.import' ORDER BY id"
    ).fetchall()
    details = [json.loads(row[0]) for row in imports]
    assert [d["rows_inserted"] for d in details] == [2, 0, 1]
    assert (
        details[0]["inserted_ids_sha256"]
        == hashlib.sha256(b"C1\nC2").hexdigest()
        == first.inserted_ids_sha256
    )
    assert details[2]["inserted_ids_sha256"] == hashlib.sha256(b"C3").hexdigest()
    recorded = store.imports(workspace.conn)
    assert [r["rows_updated"] for r in recorded] == [1, 0, 0]
    assert workspace.verify_audit().ok and workspace.integrity_check() == []


def test_rejects_path_option_and_import_record(workspace, tmp_path):
    path = _write(tmp_path / "cat.csv", "\n".join([HEADER, GOOD_LINES[0], "X,bad,1,1,Brent,,,,"]) + "\n")
    out = tmp_path / "out" / "mine.csv"
    report = import_catalogue(workspace, path, rejects_path=out)
    assert report.rejects_path == str(out) and out.exists()
    assert (tmp_path / "out" / "mine.reasons.csv").exists()
    assert store.imports(workspace.conn)[0]["rejects_path"] == str(out)
    assert store.imports(workspace.conn)[0]["rows_rejected"] == 1


def test_a_nul_character_is_refused_on_every_engine(workspace, tmp_path):
    """PostgreSQL cannot store a NUL in text (SQLite would): refused everywhere, so both engines hold the same rows;
    the row is kept verbatim with the rejects like any other, and the rows around it are imported."""
    csv_path = _write(
        tmp_path / "nul.csv",
        "\n".join([HEADER, "N1,2021-01-01T10:00:00Z,10,1,Camden,,,,fine",
                   'N2,2021-01-01T10:00:00Z,10,1,Camden,,,,"a\x00b"', "N3,2021-01-01T10:00:00Z,10,1,Camden,,,,"]) + "\n",
    )  # fmt: skip
    report = import_catalogue(workspace, csv_path)
    assert report.inserted == 2 and [(r.line, r.clip_id) for r in report.rejects] == [(3, "N2")]
    assert "NUL character" in report.rejects[0].reason
    jsonl = tmp_path / "nul.jsonl"
    rows = [{"clip_id": "J1", "recorded_at": "2021-01-01T10:00:00Z", "duration_s": 5, "officer_ref": "1",
             "borough": "Camden", "notes": "ok \\u0000 written out"},  # a backslash and 'u0000': text, kept
            {"clip_id": "J2", "recorded_at": "2021-01-01T10:00:00Z", "duration_s": 5, "officer_ref": "1",
             "borough": "Camden", "notes": "x\x00y"}]  # fmt: skip
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = import_catalogue(workspace, jsonl)
    assert report.inserted == 1 and [r.line for r in report.rejects] == [2]
    assert "NUL character" in report.rejects[0].reason
    assert set(_clips(workspace)) == {"N1", "N3", "J1"}
