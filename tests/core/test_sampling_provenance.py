"""Provenance that explains itself and designs that say what they do (issue 15, parts 4 and 5): verify tells a
catalogue change (naming clips and fields) from a software change, ties follow one rule in every allocation mode,
n_h = 0 stops a draw, PIOSS weeks never draw an incident twice and carry what capacity left out, and one definition
of the clips that speak for an incident, checked on incidents filmed by several cameras."""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bwvtool import sampling
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
from bwvtool.sampling import allocation, select
from bwvtool.sampling.frame import INCIDENT_DEFINITION
from bwvtool.sampling.plan import PlanError
from bwvtool.store import open_workspace
from tests.conftest import REPO

STRATIFIED = """
name: provenance test
unit: clip
frame:
  window: {from: "2021-01-01", to: "2021-03-31"}
design:
  sample: {method: stratified, n: 40, strata: [subject_gender], allocation: proportional}
"""


@pytest.fixture
def catalogue_ws(workspace_location, tmp_path):
    rows = list(synthetic_rows(400, seed=3))
    source = tmp_path / "catalogue.jsonl"
    write_jsonl(source, rows)
    ws = open_workspace(workspace_location, create=True)
    import_catalogue(ws, source, actor="setup")
    yield ws, rows, source
    ws.close()


def test_verify_names_the_clips_and_fields_a_catalogue_change_touched(catalogue_ws, run_cli, tmp_path):
    ws, rows, source = catalogue_ws
    sample_id = sampling.draw(ws, STRATIFIED, seed=4, as_of="2021-04-01", actor="tester")
    report = sampling.get_sample(ws, sample_id)["report"]
    assert report["fingerprint"]["fields"] == ["duration_s", "incident_id", "recorded_at", "subject_gender"]
    assert [i["file"] for i in report["fingerprint"]["imports"]] == ["catalogue.jsonl"]
    assert sampling.verify(ws, sample_id)["status"] == "identical"
    # A stratifying field changes on two clips (a re-import of the corrected catalogue): same ids, other strata.
    changed = [r["clip_id"] for r in rows[:2]]
    for row in rows[:2]:
        row["subject_gender"] = "female" if row.get("subject_gender") != "female" else "male"
    write_jsonl(source, rows)
    import_catalogue(ws, source, actor="setup")
    result = sampling.verify(ws, sample_id)
    assert result["status"] == "catalogue_changed" and result["cause"] == "catalogue"
    assert result["changes"]["changed"] == {clip: ["subject_gender"] for clip in changed}
    assert all(clip in result["message"] for clip in changed) and "subject_gender" in result["message"]
    code, out, _ = run_cli("sample", "verify", str(sample_id), db=ws.path)
    assert code == 1 and changed[0] in out


def test_verify_blames_the_software_only_when_the_catalogue_read_is_the_same(
    catalogue_ws, run_cli, monkeypatch
):
    ws, _, _ = catalogue_ws
    sample_id = sampling.draw(ws, STRATIFIED, seed=4, as_of="2021-04-01", actor="tester")
    monkeypatch.setattr(select, "SAMPLE_STREAM", 9)  # a bwvtool that draws differently
    result = sampling.verify(ws, sample_id)
    assert result["status"] == "differs" and "software draws differently" in result["message"]
    code, _, _ = run_cli("sample", "verify", str(sample_id), db=ws.path)
    assert code == 2


@pytest.mark.parametrize(
    ("method", "populations", "n", "per", "expected"),
    [
        # proportional: 5 x 2/6 = 1.67 each: equal remainders -> the larger stratum, then the one listed first
        ("proportional", [2, 2, 2], 5, None, [2, 2, 1]),
        ("proportional", [3, 3, 4, 2], 3, None, [1, 1, 1, 0]),
        # equal: 2 units over 3 strata: a tie among all -> the larger stratum first (not just the first listed)
        ("equal", [5, 9, 7], 2, None, [0, 1, 1]),
        ("equal", [6, 6, 6], 4, None, [2, 1, 1]),
        # minimum: 1 each, then the rest in proportion to room; equal room -> the larger stratum, then listed first
        ("minimum", [3, 5, 5], 4, 1, [1, 2, 1]),
        ("minimum", [1, 4, 4, 4], 6, 1, [1, 2, 2, 1]),
        # fixed takes per_stratum from each: nothing to break
        ("fixed", [1, 5, 5], 0, 2, [1, 2, 2]),
    ],
)
def test_allocation_ties_follow_the_documented_rule_in_every_mode(method, populations, n, per, expected):
    assert allocation.allocate(populations, n, method, per_stratum=per).allocated == expected


def test_oversample_domains_tie_the_same_way():
    assert allocation.largest_remainder(3, [4, 4, 2], [4, 4, 2]) == [1, 1, 1]
    assert allocation.largest_remainder(1, [3, 3], [3, 5]) == [0, 1]  # same weight: the larger stratum wins


def test_a_draw_leaving_a_non_empty_stratum_unsampled_stops_unless_the_plan_accepts_it(catalogue_ws):
    ws, _, _ = catalogue_ws
    tiny = STRATIFIED.replace("n: 40, strata: [subject_gender]", "n: 3, strata: [subject_ethnicity]")
    preview = sampling.preview(ws, tiny, "2021-04-01")
    assert preview["unsampled_strata"] and any("n_h = 0" in w for w in preview["warnings"])
    with pytest.raises(PlanError, match=r"n_h = 0 to \d+ non-empty strata .*allow_unsampled_strata"):
        sampling.draw(ws, tiny, seed=1, as_of="2021-04-01")
    assert sampling.list_samples(ws) == []
    accepted = tiny.replace(
        "allocation: proportional}", "allocation: proportional, allow_unsampled_strata: true}"
    )
    sample_id = sampling.draw(ws, accepted, seed=1, as_of="2021-04-01")
    report = sampling.get_sample(ws, sample_id)["report"]
    assert report["unsampled_strata"] == preview["unsampled_strata"]


# -- PIOSS weeks ---------------------------------------------------------------------------------------------------
def _clip(clip_id, incident, at, sources="op_hampshire", **extra):
    return {"clip_id": clip_id, "incident_id": incident, "recorded_at": at.isoformat().replace("+00:00", "Z"),
            "duration_s": 60.0, "officer_ref": f"PC{clip_id[-4:]}", "borough": "Lambeth", "sources": [sources],
            "media_path": f"/media/{clip_id}.mp4", **extra}  # fmt: skip


def test_pioss_never_draws_an_incident_twice_and_carries_what_capacity_left_out(
    workspace_location, tmp_path, run_cli
):
    monday = datetime(2026, 11, 2, tzinfo=UTC)
    rows = [_clip(f"C{i:04d}", f"I{i:04d}", monday + timedelta(days=1, minutes=i)) for i in range(210)]
    # One incident filmed across Sunday midnight: a clip in each week.
    rows += [_clip("S0001", "STRADDLE", monday + timedelta(days=6, hours=23, minutes=50)),
             _clip("S0002", "STRADDLE", monday + timedelta(days=7, minutes=10))]  # fmt: skip
    rows += [_clip(f"D{i:04d}", f"J{i:04d}", monday + timedelta(days=8, minutes=i)) for i in range(20)]
    source = tmp_path / "catalogue.jsonl"
    write_jsonl(source, rows)
    with open_workspace(workspace_location, create=True) as ws:
        import_catalogue(ws, source, actor="setup")
        first = sampling.draw(ws, "pioss_weekly", seed=1, as_of="2026-11-09")
        second = sampling.draw(ws, "pioss_weekly", seed=1, as_of="2026-11-16")
        one, two = (sampling.get_sample(ws, s)["report"]["manifest"] for s in (first, second))
        assert one["units"] == 200 and len(one["carry_over"]["left_out"]) == 11
        units_one = {i["unit_id"] for i in one["items"]}
        units_two = {i["unit_id"] for i in two["items"]}
        assert not units_one & units_two  # the straddling incident included: never drawn twice
        assert two["carry_over"]["carried_in"] == one["carry_over"]["left_out"]
        carried = [i for i in two["items"] if i["selection"] == "census:carried_over"]
        assert {i["unit_id"] for i in carried} == set(one["carry_over"]["left_out"])
        assert [c["rule"] for c in two["census"]][0] == "carried_over"  # taken first, with priority
        assert min(i["order"] for i in carried) == 1
        assert "STRADDLE" in units_one | units_two
        assert sampling.verify(ws, second)["status"] == "identical"  # the carried units are redrawn the same
    code, out, _ = run_cli("report", "weekly", "--week", "2026-W45", "--json", db=workspace_location)
    assert code == 0
    carry = json.loads(out)["carry_over"]
    assert carry["left_out"] == 11 and carry["carried_in"] == 0


# -- one definition of the clips that speak for an incident --------------------------------------------------------
def test_the_documentation_and_code_define_an_incidents_clips_in_the_same_words():
    """The README's sampling reference (docs/sampling.md, linked from the README) quotes the code's definition."""
    reference = " ".join((REPO / "docs" / "sampling.md").read_text(encoding="utf-8").split())
    assert " ".join(INCIDENT_DEFINITION.split()) in reference


MULTI_CAMERA = """
name: multi camera
unit: incident
frame:
  window: {from: "2021-01-01", to: "2021-12-31"}
  where: {field: media, op: present}
design:
  census:
    - {name: baton, where: {field: uof_tactics, op: contains_any, value: [Baton used]}}
  sample: {method: stratified, n: 2, strata: [borough], allocation: proportional}
"""


def test_the_definition_holds_on_incidents_filmed_by_several_cameras(workspace_location, tmp_path):
    t = datetime(2021, 5, 1, 12, tzinfo=UTC)
    rows = [
        # Incident A: its earliest clip has no media (not eligible); its earliest eligible clip is in Croydon
        # (ties on time: the lower clip id); a later camera recorded the baton and another borough.
        _clip("A1", "A", t, borough="Westminster", media_path=None),
        _clip("A3", "A", t + timedelta(minutes=1), borough="Hackney"),
        _clip("A2", "A", t + timedelta(minutes=1), borough="Croydon"),
        _clip("A4", "A", t + timedelta(minutes=2), borough="Lambeth", uof_tactics=["Baton used"]),
        # Incident B: two cameras, the earliest eligible one in Croydon, no baton.
        _clip("B1", "B", t, borough="Croydon"),
        _clip("B2", "B", t + timedelta(minutes=5), borough="Lambeth"),
        _clip("C1", "C", t, borough="Lambeth"),
    ]
    for row in rows:
        row.setdefault("uof_tactics", [])
    source = tmp_path / "catalogue.jsonl"
    write_jsonl(source, rows)
    with open_workspace(workspace_location, create=True) as ws:
        import_catalogue(ws, source, actor="setup")
        without_census = MULTI_CAMERA.replace(
            "  census:\n    - {name: baton, where: {field: uof_tactics, op: contains_any, value: [Baton used]}}\n",
            "",
        )
        strata = {
            s["stratum"]: s["population"]
            for s in sampling.preview(ws, without_census, "2021-06-01")["strata"]
        }
        assert strata == {"Croydon": 2, "Lambeth": 1}  # A by A2 (not A1, not A3), B by B1
        preview = sampling.preview(ws, MULTI_CAMERA, "2021-06-01")
        assert preview["census"] == [{"rule": "baton", "matched": 1, "taken": 1, "dropped": 0}]  # A, by A4
        sample_id = sampling.draw(ws, MULTI_CAMERA, seed=2, as_of="2021-06-01")
        items = sampling.sample_items(ws, sample_id)
    taken_a = sorted(i["clip_id"] for i in items if i["unit_id"] == "A")
    assert taken_a == ["A2", "A3", "A4"]  # only eligible clips are taken
    assert re.search(r"earliest eligible clip \(ties: the lowest clip id\)", INCIDENT_DEFINITION)


@pytest.mark.both_engines
def test_earlier_samples_are_found_by_draw_date_plan_and_id_on_both_engines(workspace, tmp_path):
    """Exclusions read the clips of earlier samples: samples chosen by their report first (each report's JSON read
    once, not once per item), then their items."""
    source = tmp_path / "catalogue.jsonl"
    write_jsonl(source, synthetic_rows(200, seed=5))
    import_catalogue(workspace, source, actor="setup")
    first = sampling.draw(workspace, STRATIFIED, seed=1, as_of="2021-04-01", actor="tester")
    second = sampling.draw(
        workspace, STRATIFIED.replace("provenance test", "other"), seed=2, as_of="2021-04-03"
    )
    from bwvtool.store import samples as store

    def clips_of(sample_id):
        return {(i["clip_id"], i["incident_id"]) for i in sampling.sample_items(workspace, sample_id)}

    assert set(store.sampled_between(workspace.conn, "2021-04-01", "2021-04-01")) == clips_of(first)
    assert set(store.sampled_between(workspace.conn, "2021-03-01", "2021-04-30")) == clips_of(
        first
    ) | clips_of(second)
    assert set(
        store.sampled_between(workspace.conn, "2021-03-01", "2021-04-30", plan_name="other")
    ) == clips_of(second)
    assert store.sampled_between(workspace.conn, "2021-03-01", "2021-04-30", before_sample=first) == []


# -- fingerprints kept content-addressed, digests kept with the column snapshot (issue 13, part 3) -----------------
@pytest.mark.parametrize(
    "ids",
    [
        [f"BWV{i:09d}" for i in range(50)],  # the usual: ASCII, one length
        ["a", "bc", "def", "g"],
        ["é1", "é2", "ä"],
        ["x"],
        [],
        ["a\x00b", "cde"],
    ],
)
def test_ids_joined_one_a_line_are_cut_apart_into_the_same_ids(ids):
    """A fingerprint's ids blob (the ids one a line) read back: cut apart in numpy for the usual ids, the plain
    way for others, the same ids either way; and joined again from the snapshot's UTF-8 octets or from unicode,
    the same text."""
    from bwvtool.sampling import fingerprint
    from bwvtool.store import snapshot

    text = "\n".join(ids).encode("utf-8")
    unicode = np.array(ids, dtype=str)
    octets = np.array([i.encode("utf-8") for i in ids], dtype=np.bytes_)
    assert fingerprint.joined_lines(unicode) == fingerprint.joined_lines(octets) == text
    assert snapshot.Octets(octets).unicode().tolist() == ids
    cut = fingerprint._lines(text)
    assert fingerprint._unicode(cut).tolist() == ids and fingerprint.joined_lines(cut) == text


def _blob_count(ws):
    return ws.conn.execute("SELECT count(*) FROM fingerprint_blobs").fetchone()[0]


def test_snapshot_digests_are_what_the_draw_would_compute_also_after_an_edit(catalogue_ws, monkeypatch):
    """The digests the column snapshot keeps (and patches) are exactly the fingerprint's own digests of the
    values a draw reads, so a draw through the snapshot takes them instead of digesting every value."""
    from bwvtool.sampling import fingerprint, inputs
    from bwvtool.store import catalogue, samples

    ws, rows, _ = catalogue_ws
    monkeypatch.setattr(samples, "SMALL_WINDOW_CLIPS", 0)  # every window through the snapshot
    wanted = ["duration_s", "media", "mtip", "retention_until", "sources", "subject_gender", "borough"]
    for edit in (None, {"duration_s": 12.5, "mtip": None, "borough": "Nowhere", "sources_mask": 5}):
        if edit is not None:
            with ws.transaction("tester") as tx:
                catalogue.update_clip(tx, rows[5]["clip_id"], edit)
        assert not inputs.read_columns(ws, wanted, None).digests  # a preview or redraw reads none of it
        cols = inputs.read_columns(ws, wanted, None, provenance=True)
        assert {"incident_id", "recorded_at", "duration_s", "mtip", "retention_until", "sources"} <= set(
            cols.digests
        )
        kept = fingerprint.of_columns(cols)
        cols.digests = {}
        computed = fingerprint.of_columns(cols)
        assert kept.fields == computed.fields
        for name, a, b in zip(kept.fields, kept.columns, computed.columns, strict=True):
            assert np.array_equal(a, b), name
        assert kept.sha256 == computed.sha256


def test_draws_share_the_blobs_of_what_they_read_and_verify_names_an_edit(catalogue_ws, monkeypatch):
    from bwvtool.store import catalogue, samples

    ws, rows, _ = catalogue_ws
    monkeypatch.setattr(samples, "SMALL_WINDOW_CLIPS", 0)
    first = sampling.draw(ws, STRATIFIED, seed=4, as_of="2021-04-01", actor="tester")
    read = sampling.get_sample(ws, first)["report"]["fingerprint"]  # imports counted from the columns read
    assert [(i["file"], i["clips"]) for i in read["imports"]] == [("catalogue.jsonl", read["clips"])]
    stored = _blob_count(ws)
    assert stored == 5  # the ids, and the digests of four fields
    again = sampling.draw(ws, STRATIFIED, seed=5, as_of="2021-04-01", actor="tester")
    assert _blob_count(ws) == stored  # the same values read: nothing written again
    clip = rows[0]["clip_id"]  # in the window
    with ws.transaction("tester") as tx:
        gender = "female" if rows[0].get("subject_gender") != "female" else "male"
        catalogue.update_clip(tx, clip, {"subject_gender": gender})
    third = sampling.draw(ws, STRATIFIED, seed=6, as_of="2021-04-01", actor="tester")
    assert (
        _blob_count(ws) == stored + 1
    )  # only that field's digests are new, kept as the one row that changed
    patches = ws.conn.execute(
        "SELECT length(data) FROM fingerprint_blobs WHERE kind = 'digests-patch'"
    ).fetchall()
    assert [p[0] for p in patches] == [64 + 8]  # the whole blob's key, one position, one digest
    parts = [samples.get_fingerprint(ws.conn, s)["parts"] for s in (first, again, third)]
    assert parts[0] == parts[1] and parts[0]["ids"] == parts[2]["ids"]
    assert [a == b for a, b in zip(parts[0]["digests"], parts[2]["digests"], strict=True)].count(False) == 1
    assert sampling.verify(ws, third)["status"] == "identical"
    result = sampling.verify(ws, first)
    assert result["status"] == "catalogue_changed" and result["changes"]["changed"] == {
        clip: ["subject_gender"]
    }


@pytest.mark.parametrize("kind", ["digests", "ids"])
def test_a_changed_blob_is_caught_as_an_altered_sample(catalogue_ws, kind):
    ws, _, _ = catalogue_ws
    sample_id = sampling.draw(ws, STRATIFIED, seed=4, as_of="2021-04-01", actor="tester")
    from bwvtool.store import dialect

    key, data = ws.conn.execute(
        "SELECT sha256, data FROM fingerprint_blobs WHERE kind = ?", (kind,)
    ).fetchone()
    if dialect.is_postgres(ws.conn):  # edited outside bwvtool
        ws.conn.execute("ALTER TABLE fingerprint_blobs DISABLE TRIGGER fingerprint_blobs_no_update")
    else:
        ws.conn.execute("DROP TRIGGER fingerprint_blobs_no_update")
    if kind == "digests":
        altered = bytes([data[0] ^ 1]) + bytes(data[1:])  # one digest of one clip
    else:  # one character of one clip id
        text = zlib.decompress(bytes(data))
        altered = zlib.compress(text[:3] + bytes([text[3] ^ 1]) + text[4:])
    ws.conn.execute("UPDATE fingerprint_blobs SET data = ? WHERE sha256 = ?", (altered, key))
    result = sampling.verify(ws, sample_id)
    assert result["status"] == "altered" and "fingerprint" in result["message"]


def test_samples_drawn_before_blobs_still_verify(catalogue_ws, monkeypatch):
    """A fingerprint stored in the row (layout 1, before migration 0016) still verifies and still names changes."""
    import zlib

    from bwvtool.sampling import engine, fingerprint
    from bwvtool.store import samples

    ws, rows, source = catalogue_ws

    def layout_1(cols):
        made = fingerprint.of_columns(cols)
        return fingerprint.Fingerprint(made.fields, made.clip_ids, made.columns, layout=1)

    def in_the_row(tx, sample_id, found):
        made = layout_1.last
        matrix = np.stack(made.columns, axis=1).astype("<u4")
        tx.execute(
            "INSERT INTO sample_fingerprints (sample_id, fields, clips, clip_ids, digests, sha256, imports)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sample_id, json.dumps(made.fields), found["clips"], zlib.compress("\n".join(made.clip_ids).encode()),
             matrix.tobytes(), found["sha256"], json.dumps(found["imports"])),
        )  # fmt: skip

    def remembered(cols):
        layout_1.last = layout_1(cols)
        return layout_1.last

    monkeypatch.setattr(engine, "_fingerprint", remembered)
    monkeypatch.setattr(samples, "insert_fingerprint", in_the_row)
    monkeypatch.setattr(samples, "insert_blobs", lambda tx, blobs: None)
    sample_id = sampling.draw(ws, STRATIFIED, seed=4, as_of="2021-04-01", actor="tester")
    monkeypatch.undo()
    kept = samples.get_fingerprint(ws.conn, sample_id)
    assert kept["parts"] is None and len(kept["digests"]) == 4 * 4 * kept["clips"]
    assert _blob_count(ws) == 0
    assert sampling.verify(ws, sample_id)["status"] == "identical"
    changed = rows[0]["clip_id"]
    rows[0]["subject_gender"] = "female" if rows[0].get("subject_gender") != "female" else "male"
    write_jsonl(source, rows)
    import_catalogue(ws, source, actor="setup")
    result = sampling.verify(ws, sample_id)
    assert result["status"] == "catalogue_changed" and result["changes"]["changed"] == {
        changed: ["subject_gender"]
    }


def test_a_workspace_copy_keeps_every_sample_verifiable(tmp_path, server_url, monkeypatch):
    from bwvtool.store import samples
    from bwvtool.store.postgres.copy import copy_workspace
    from tests.conftest import open_test_workspace

    monkeypatch.setattr(samples, "SMALL_WINDOW_CLIPS", 0)
    source = tmp_path / "catalogue.jsonl"
    write_jsonl(source, synthetic_rows(400, seed=3))
    with open_workspace(tmp_path / "a.sqlite", create=True) as ws:
        import_catalogue(ws, source, actor="setup")
        ids = [sampling.draw(ws, STRATIFIED, seed=s, as_of="2021-04-01", actor="tester") for s in (1, 2)]
        copy_workspace(ws, server_url)
        hashes = {i: sampling.get_sample(ws, i)["report"]["fingerprint"]["sha256"] for i in ids}
    with open_test_workspace(server_url) as server:
        assert _blob_count(server) == 5
        for i in ids:
            assert sampling.verify(server, i)["status"] == "identical"
            assert sampling.get_sample(server, i)["report"]["fingerprint"]["sha256"] == hashes[i]
        copy_workspace(server, tmp_path / "b.sqlite")
    with open_workspace(tmp_path / "b.sqlite") as back:
        assert [sampling.verify(back, i)["status"] for i in ids] == ["identical", "identical"]
