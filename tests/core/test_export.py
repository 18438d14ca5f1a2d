"""Research exports opened the way a researcher would: csv module, pandas, JSON Lines; privacy and provenance."""

from __future__ import annotations

import csv
import hashlib
import json
import stat

import jsonschema
import pandas as pd
import pytest

from bwvtool.errors import UsageError
from bwvtool.export.context import ExportOptions
from bwvtool.export.pseudonym import generate_key_file, load_key_file
from bwvtool.export.run import export_sample
from bwvtool.export.tables import Column, Table, TableWriter
from bwvtool.store import exports as rows_of
from bwvtool.store import samples as sample_rows
from tests.conftest import REPO
from tests.core.test_export_fixtures import FORMULA_NOTE, build_coded_sample


@pytest.fixture(scope="module")
def coded_sample(tmp_path_factory, module_workspace_location):
    return build_coded_sample(tmp_path_factory.mktemp("coded"), location=module_workspace_location)


TABLES = ("clips", "reviews", "events", "summary")


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "force.key"
    generate_key_file(path)
    return path


def _export(coded_sample, out, **options):
    with coded_sample.open() as ws:
        return export_sample(
            ws, coded_sample.sample_id, out, ExportOptions(**options), actor="researcher-export"
        )


@pytest.fixture(scope="module")
def csv_export(coded_sample, key, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "csv"
    return _export(coded_sample, out, fmt="csv", key_file=key)


def test_csv_opens_in_the_csv_module_and_pandas_with_the_stores_counts(coded_sample, csv_export, key):
    out = csv_export.out
    with coded_sample.open() as ws:
        expected = rows_of.count_rows(ws.conn, coded_sample.sample_id)
    for name in TABLES:
        raw = (out / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # UTF-8 without BOM, CRLF (RFC 4180)
        with (out / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == csv_export.rows[name] == csv_export.manifest["rows"][name]
        if name in expected:
            assert len(rows) == expected[name]
    events = pd.read_csv(out / "events.csv")
    assert events["onset_ms"].dtype == "int64" and events["onset_frame"].dtype == "int64"
    assert events["starred"].dtype == bool and events["open"].dtype == bool
    assert set(events["kind"]) == {"point", "state"}
    points = events[events["kind"] == "point"]
    assert points["offset_ms"].isna().all() and points["duration_ms"].isna().all()
    states = events[(events["kind"] == "state") & ~events["open"]]
    assert (states["duration_ms"] == states["offset_ms"] - states["onset_ms"]).all()
    assert set(events.loc[events["code"] == "demeanour", "mod_level"].dropna()) == {"calm", "agitated"}
    assert events.loc[events["code"] == "assault_on_officer", "mod_assault_type"].eq("spitting;pushing").all()
    caused = events.dropna(subset=["caused_by"])
    assert set(caused["code"]) == {"escalation_up"}
    assert set(caused["caused_by"].astype(int)) <= set(events.loc[events["code"] == "command", "event_id"])

    clips = pd.read_csv(out / "clips.csv")
    assert len(clips) == len(coded_sample.clips)
    assert clips["design_weight"].dtype == float and clips["inclusion_prob"].between(0, 1).all()
    assert (clips["design_weight"] * clips["inclusion_prob"]).round(9).eq(1).all()
    pseudo = load_key_file(key)
    assert set(clips.loc[clips["n_coders"] == 2, "coders"]) == {
        ";".join(sorted(map(pseudo.person, ["alice", "bob"])))
    }
    reviews = pd.read_csv(out / "reviews.csv")
    assert reviews["pj_voice"].dtype == "int64" and set(reviews["review_status"]) == {"complete"}
    assert "notes" not in reviews.columns  # free text dropped by default


def test_summary_agrees_with_the_events(csv_export):
    events = pd.read_csv(csv_export.out / "events.csv")
    summary = pd.read_csv(csv_export.out / "summary.csv").set_index(["clip_id", "coder"])
    counts = events.groupby(["clip_id", "coder", "code"]).size().unstack(fill_value=0)
    for (clip, coder), row in counts.iterrows():
        for code, n in row.items():
            assert summary.loc[(clip, coder), f"count_{code}"] == n
        mine = events[(events["clip_id"] == clip) & (events["coder"] == coder)]
        first_command = mine.loc[mine["code"] == "command", "onset_ms"].min()
        reasons = mine.loc[mine["code"] == "reason_given", "onset_ms"]
        assert summary.loc[(clip, coder), "time_to_first_command_ms"] == first_command
        assert summary.loc[(clip, coder), "reason_before_first_command"] == bool(
            (reasons < first_command).any()
        )
        assert summary.loc[(clip, coder), "n_escalation_up"] == (mine["code"] == "escalation_up").sum()
    closed = (
        events[(events["code"] == "verbal_resistance")].groupby(["clip_id", "coder"])["duration_ms"].sum()
    )
    for key, total in closed.items():
        assert summary.loc[key, "duration_ms_verbal_resistance"] == total
    assert summary["time_to_first_force_ms"].isna().all()  # the S&S codebook has no use-of-force track


def test_manifest_lists_every_file_with_its_sha256_and_matches_its_schema(coded_sample, csv_export, key):
    out, manifest = csv_export.out, json.loads((csv_export.out / "manifest.json").read_text())
    jsonschema.validate(manifest, json.loads((REPO / "schemas" / "export_manifest.schema.json").read_text()))
    listed = {f["name"]: f for f in manifest["files"]}
    on_disk = {p.name for p in out.iterdir()} - {"manifest.json"}
    assert set(listed) == on_disk
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    with coded_sample.open() as ws:
        sample = sample_rows.get_sample(ws.conn, coded_sample.sample_id)
    assert (
        manifest["sample"]["plan_sha256"] == sample["plan_sha256"]
        and manifest["sample"]["seed"] == sample["seed"]
    )
    assert manifest["tool"]["name"] == "bwvtool" and manifest["exported_by"] == load_key_file(key).person(
        "researcher-export"
    )
    assert manifest["privacy"]["identified"] is False and manifest["privacy"]["free_text"] == "dropped"
    assert manifest["summary_roles"]["command"] == ["command"] and manifest["summary_roles"]["force"] == []
    (book,) = manifest["codebooks"]
    body = json.loads((out / book["file"]).read_text())
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == book["sha256"]


def test_data_dictionary_describes_every_column_and_allowed_values_hold(csv_export):
    dictionary = pd.read_csv(csv_export.out / "data_dictionary.csv", keep_default_na=False)
    for name in TABLES:
        frame = pd.read_csv(csv_export.out / f"{name}.csv", dtype=str, keep_default_na=False)
        described = dictionary[dictionary["file"] == f"{name}.csv"].set_index("column")
        assert list(described.index) == list(frame.columns)
        assert (described["meaning"].str.len() > 10).all() and described["type"].ne("").all()
        for column, entry in described.iterrows():
            if not entry["allowed_values"]:
                continue
            allowed = set(entry["allowed_values"].split(";"))
            values = frame[column][frame[column] != ""]
            if entry["type"] == "list":
                values = values.str.split(";").explode()
            assert set(values) <= allowed, (name, column)


def test_tsv_and_jsonl_hold_the_same_rows(coded_sample, key, csv_export, tmp_path):
    tsv = _export(coded_sample, tmp_path / "tsv", fmt="tsv", key_file=key)
    jsonl = _export(coded_sample, tmp_path / "jsonl", fmt="jsonl", key_file=key)
    for name in TABLES:
        a = pd.read_csv(csv_export.out / f"{name}.csv")
        b = pd.read_csv(tsv.out / f"{name}.tsv", sep="\t")
        c = pd.read_json(jsonl.out / f"{name}.jsonl", lines=True)
        assert a.shape == b.shape == c.shape and list(a.columns) == list(c.columns)
    events = [json.loads(line) for line in (jsonl.out / "events.jsonl").read_text().splitlines()]
    assaults = [e for e in events if e["code"] == "assault_on_officer"]
    assert all(e["mod_assault_type"] == ["spitting", "pushing"] for e in assaults)  # lists stay lists
    assert all(isinstance(e["starred"], bool) for e in events)


def test_formula_injection_is_neutralised_in_text_cells_only(coded_sample, key, tmp_path):
    result = _export(coded_sample, tmp_path / "text", fmt="csv", key_file=key, keep_text=True)
    with (result.out / "events.csv").open(newline="", encoding="utf-8") as handle:
        notes = [row["note"] for row in csv.DictReader(handle) if row["note"]]
    assert f"'{FORMULA_NOTE}" in notes and FORMULA_NOTE not in notes
    for path in result.out.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                assert not [cell for cell in row if cell[:1] in ("=", "+", "@", "\t", "\r")], path.name

    table = Table(
        "t", [Column("number", "number", "n"), Column("text", "text", "t"), Column("flag", "boolean", "b")]
    )
    with TableWriter(tmp_path, table, "csv") as writer:
        writer.write([-5, "-5 degrees", True])
        writer.write([-0.5, "@SUM(A1)", False])
        writer.write([3, 'a "quoted", \r\nmulti-line text', None])
    writer.close()
    with (tmp_path / "t.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[1:] == [["-5", "'-5 degrees", "TRUE"], ["-0.5", "'@SUM(A1)", "FALSE"],
                        ["3", 'a "quoted", \r\nmulti-line text', ""]]  # fmt: skip
    assert pd.read_csv(tmp_path / "t.csv")["number"].tolist() == [-5, -0.5, 3]  # numbers stay numbers


def test_pseudonyms_are_stable_with_one_key_and_differ_with_another(coded_sample, key, csv_export, tmp_path):
    again = _export(coded_sample, tmp_path / "again", fmt="csv", key_file=key, coder="alice")
    other_key = tmp_path / "other.key"
    generate_key_file(other_key)
    other = _export(coded_sample, tmp_path / "other", fmt="csv", key_file=other_key)
    first = pd.read_csv(csv_export.out / "clips.csv")
    second = pd.read_csv(again.out / "clips.csv")
    third = pd.read_csv(other.out / "clips.csv")
    for column in ("clip_id", "incident_id", "officer_ref", "camera_id"):
        assert first[column].tolist() == second[column].tolist()
        assert not set(first[column]) & set(third[column])
    assert again.manifest["privacy"]["key_fingerprint"] == csv_export.manifest["privacy"]["key_fingerprint"]
    assert other.manifest["privacy"]["key_fingerprint"] != csv_export.manifest["privacy"]["key_fingerprint"]
    pseudo = load_key_file(key)
    assert set(first["clip_id"]) == {pseudo("clip", c) for c in coded_sample.clips}


def test_no_catalogue_identifier_appears_in_any_exported_file(coded_sample, key, tmp_path):
    exports = [
        _export(coded_sample, tmp_path / "csv", fmt="csv", key_file=key, keep_text=True),
        _export(
            coded_sample, tmp_path / "jsonl", fmt="jsonl", key_file=key, keep_text=True, coarsen_dates="day"
        ),
        _export(coded_sample, tmp_path / "eaf", fmt="eaf", key_file=key, keep_text=True),
    ]
    with coded_sample.open() as ws:
        identifiers = rows_of.catalogue_identifiers(ws.conn)
    every = sorted(set().union(*identifiers.values()))
    assert len(every) > 600 and all(len(i) >= 4 for i in every)
    scanned = 0
    for result in exports:
        for path in result.out.rglob("*"):
            if path.is_file():
                text = path.read_bytes().decode("utf-8")
                scanned += 1
                leaks = [i for i in every if i in text or i in path.name]
                assert leaks == [], f"{path.name} contains {leaks[:5]}"
    assert scanned >= 20
    # The kept notes mentioned the clip and its officer: they were replaced by the pseudonyms.
    notes = pd.read_csv(exports[0].out / "reviews.csv")["notes"]
    assert notes.str.contains("clip-").all() and notes.str.contains("officer-").all()


def test_identified_export_keeps_identifiers_and_every_export_is_audited(
    coded_sample, key, csv_export, tmp_path
):
    result = _export(coded_sample, tmp_path / "internal", fmt="csv", identified=True, coarsen_dates="week")
    clips = pd.read_csv(result.out / "clips.csv")
    assert set(clips["clip_id"]) == set(coded_sample.clips)
    assert clips["recorded_at"].str.fullmatch(r"\d{4}-W\d{2}").all()
    assert pd.read_csv(result.out / "events.csv")["created_at"].str.fullmatch(r"\d{4}-W\d{2}").all()
    assert result.manifest["privacy"] == {"identified": True, "key_fingerprint": None, "pseudonymised_columns": [],
                                          "free_text": "dropped", "dates": "week"}  # fmt: skip
    with coded_sample.open() as ws:
        audit = ws.conn.execute(
            "SELECT action, actor, detail FROM audit_log WHERE action LIKE 'export.%' ORDER BY id"
        ).fetchall()
        assert ws.verify_audit().ok
    actions = [a for a, _, _ in audit]
    assert "export.identified" in actions and "export.pseudonymised" in actions
    detail = json.loads(audit[actions.index("export.identified")][2])
    assert detail["out"] == str(result.out.resolve()) and detail["rows"]["events"] == result.rows["events"]
    assert (
        detail["manifest_sha256"] == hashlib.sha256((result.out / "manifest.json").read_bytes()).hexdigest()
    )


def test_coder_filter_keeps_one_coders_rows(coded_sample, key, tmp_path):
    result = _export(coded_sample, tmp_path / "bob", fmt="csv", key_file=key, coder="bob")
    with coded_sample.open() as ws:
        expected = rows_of.count_rows(ws.conn, coded_sample.sample_id, "bob")
    for name in ("events", "reviews", "summary"):
        frame = pd.read_csv(result.out / f"{name}.csv")
        assert set(frame["coder"]) == {load_key_file(key).person("bob")}
    assert result.rows["events"] == expected["events"] > 0 and result.rows["reviews"] == expected["reviews"]
    assert result.manifest["filters"] == {"coder": load_key_file(key).person("bob")}


def test_bad_requests_are_refused_and_leave_nothing_behind(coded_sample, key, csv_export, tmp_path):
    with pytest.raises(UsageError, match="pseudonymise KEYFILE"):
        _export(coded_sample, tmp_path / "a", fmt="csv")
    with pytest.raises(UsageError, match="not both"):
        _export(coded_sample, tmp_path / "a", fmt="csv", key_file=key, identified=True)
    with pytest.raises(UsageError, match="not an empty folder"):
        _export(coded_sample, csv_export.out, fmt="csv", key_file=key)
    with pytest.raises(UsageError, match="no coder 'carol'"):
        _export(coded_sample, tmp_path / "a", fmt="csv", key_file=key, coder="carol")
    with pytest.raises(UsageError, match="no key file"):
        _export(coded_sample, tmp_path / "a", fmt="csv", key_file=tmp_path / "missing.key")
    (tmp_path / "bad.key").write_text("not a key\n")
    with pytest.raises(UsageError, match="not a bwvtool key file"):
        _export(coded_sample, tmp_path / "a", fmt="csv", key_file=tmp_path / "bad.key")
    with coded_sample.open() as ws, pytest.raises(UsageError, match="no sample 99"):
        export_sample(ws, 99, tmp_path / "a", ExportOptions(fmt="csv", key_file=key))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.key"]


def test_cli_export_keygen_and_exit_codes(coded_sample, run_cli, tmp_path):
    db = coded_sample.copy(tmp_path / "ws")
    key_path = tmp_path / "k" / "force.key"
    code, out, _ = run_cli("export", "keygen", str(key_path), "--json", db=db)
    assert code == 0 and json.loads(out)["fingerprint"] == load_key_file(key_path).fingerprint
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    code, _, err = run_cli("export", "keygen", str(key_path), db=db)
    assert code == 2 and "never overwritten" in err
    code, out, _ = run_cli("export", str(coded_sample.sample_id), "--format", "tsv", "--out", str(tmp_path / "x"),
                           "--pseudonymise", str(key_path), "--json", db=db)  # fmt: skip
    assert code == 0 and json.loads(out)["rows"]["events"] > 0 and (tmp_path / "x" / "events.tsv").exists()
    code, _, err = run_cli(
        "export", "sample", str(coded_sample.sample_id), "--out", str(tmp_path / "y"), db=db
    )
    assert code == 2 and "pseudonymised" in err and err.count("\n") == 1 and not (tmp_path / "y").exists()
    code, _, err = run_cli("export", "1", "--format", "xlsx", "--out", str(tmp_path / "z"), db=db)
    assert code == 2 and "xlsx" in err


def test_a_sample_nobody_has_coded_yet_exports_empty_tables(clip_workspace, key, tmp_path):
    ws = clip_workspace
    with ws.transaction("setup") as tx:
        sample_id = sample_rows.insert_sample(tx, {
            "name": "uncoded", "plan_text": "name: uncoded", "plan_sha256": "0" * 64, "seed": 1, "unit": "incident",
            "drawn_at": tx.at, "drawn_by": "setup", "frame_sha256": "0" * 64, "frame_size": 2,
            "manifest_sha256": "0" * 64, "report": {"as_of": "2026-11-05"}})  # fmt: skip
        sample_rows.insert_contents(tx, sample_id, [("all", 2, 2, 0)],
                                    [("C001", "I001", "all", "sample", 0.5, 2.0, 0),
                                     ("C003", "I002", "all", "sample", 0.5, 2.0, 1)], [])  # fmt: skip
    tables = export_sample(ws, sample_id, tmp_path / "csv", ExportOptions(fmt="csv", key_file=key))
    assert tables.rows == {"clips": 2, "reviews": 0, "events": 0, "summary": 0}
    clips = pd.read_csv(tmp_path / "csv" / "clips.csv")
    pseudo = load_key_file(key)
    assert clips["unit_id"].tolist() == [pseudo("incident", "I001"), pseudo("incident", "I002")]
    assert clips["n_coders"].tolist() == [0, 0]
    assert pd.read_csv(tmp_path / "csv" / "events.csv").empty
    elan = export_sample(ws, sample_id, tmp_path / "eaf", ExportOptions(fmt="eaf", identified=True))
    assert sorted(p.name for p in elan.out.glob("*.eaf")) == ["C001.eaf", "C003.eaf"]


def test_a_multiple_choice_review_answer_is_a_list_in_every_format(coded_sample, key, csv_export, tmp_path):
    """learning_themes: ';'-joined option ids in CSV/TSV, a JSON array in JSON Lines, described as a list."""
    reviews = pd.read_csv(csv_export.out / "reviews.csv", dtype=str)
    assert set(reviews["learning_themes"]) == {"language_manner;reasons_grounds"}
    dictionary = pd.read_csv(csv_export.out / "data_dictionary.csv", keep_default_na=False)
    entry = dictionary[
        (dictionary["file"] == "reviews.csv") & (dictionary["column"] == "learning_themes")
    ].iloc[0]
    assert (
        entry["type"] == "list"
        and "Multiple choice" in entry["meaning"]
        and "none only alone" in entry["meaning"]
    )
    assert entry["allowed_values"].split(";")[0] == "reasons_grounds" and entry["allowed_values"].endswith(
        ";none"
    )
    tsv = _export(coded_sample, tmp_path / "tsv", fmt="tsv", key_file=key)
    assert set(pd.read_csv(tsv.out / "reviews.tsv", sep="\t", dtype=str)["learning_themes"]) == {
        "language_manner;reasons_grounds"
    }
    jsonl = _export(coded_sample, tmp_path / "jsonl", fmt="jsonl", key_file=key)
    rows = [json.loads(line) for line in (jsonl.out / "reviews.jsonl").read_text().splitlines()]
    assert rows and all(r["learning_themes"] == ["language_manner", "reasons_grounds"] for r in rows)
