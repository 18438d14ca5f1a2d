"""The column snapshot: it reads exactly what a row scan of ``clips`` reads, draws from it give the same manifests
byte for byte, and it is maintained, not rebuilt: a change by any writer is logged and patched in by the next read,
row for row where a build would put it; a big import publishes a fresh one in its last step."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, date, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bwvtool import sampling
from bwvtool.catalogue import vocab
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
from bwvtool.sampling import columns, engine, fields
from bwvtool.sampling import inputs as reading
from bwvtool.store import catalogue as catalogue_store
from bwvtool.store import open_workspace, samples, snapshot

AS_OF = date(2021, 3, 10)
START, END = datetime(2021, 1, 1, tzinfo=UTC), datetime(2021, 3, 31, tzinfo=UTC)
ALL_FIELDS = list(snapshot.KINDS)
CHOICES = {n: f.vocabulary or () for n, f in fields.FIELDS.items() if f.kind == fields.CHOICE}
BOROUGH_PLAN = """\
name: snapshot check
unit: clip
frame:
  where: {field: borough, op: equals, value: Camden}
design:
  sample: {method: simple, n: 5}
"""


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """A 1,500-clip synthetic catalogue (Jan–Mar 2021), imported once; each test gets its own copy."""
    folder = tmp_path_factory.mktemp("snapshot")
    source = folder / "catalogue.jsonl"
    write_jsonl(source, synthetic_rows(1500, seed=11, start=START, end=END))
    with open_workspace(folder / "base.sqlite", create=True) as ws:
        import_catalogue(ws, source, actor="setup")
    return folder / "base.sqlite"


@pytest.fixture
def ws(catalogue, tmp_path):
    path = tmp_path / "ws.sqlite"
    shutil.copy(catalogue, path)
    workspace = open_workspace(path)
    yield workspace
    workspace.close()


@pytest.fixture
def snapshot_only(monkeypatch):
    """Every read through the snapshot, even a plan's small date window."""
    monkeypatch.setattr(samples, "SMALL_WINDOW_CLIPS", 0)


def _via_scan(conn, names, start=None, end=None) -> columns.Columns:
    names = list(dict.fromkeys([*fields.BASE_COLUMNS, *names]))
    vocabularies = {n: CHOICES[n] for n in names if n in CHOICES}
    return columns.build(
        samples.scan_columns(conn, names, start, end, vocabularies=vocabularies), choice_codes=True
    )


def _via_snapshot(conn, names, start=None, end=None) -> columns.Columns:
    names = list(dict.fromkeys([*fields.BASE_COLUMNS, *names]))
    vocabularies = {n: CHOICES[n] for n in names if n in CHOICES}
    return columns.build(snapshot.load(conn, names, start, end, vocabularies=vocabularies), choice_codes=True)


def _by_clip(cols: columns.Columns) -> dict[str, list]:
    """Every field of every clip as plain values, rows ordered by clip id (the two routes order rows differently)."""
    order = np.argsort(cols.clip_id.astype(str), kind="stable")
    out = {
        "clip_id": cols.clip_id.astype(str)[order].tolist(),
        "incident_id": cols.incident_id.astype(str)[order].tolist(),
        "recorded_ts": cols.recorded_ts[order].tolist(),
        "duration_s": cols.duration_s[order].tolist(),
    }
    for name, values in {**cols.masks, **cols.flags}.items():
        out[name] = values[order].tolist()
    for name, values in cols.numbers.items():
        out[name] = [None if np.isnan(v) else v for v in values[order].tolist()]
    for name, coded in cols.coded.items():
        out[name] = [coded.categories[c] if c >= 0 else None for c in coded.codes[order].tolist()]
        out[f"{name} categories"] = coded.categories
    return out


def _stored_generations(ws) -> set[int]:
    return {row[0] for row in ws.conn.execute("SELECT DISTINCT generation FROM column_snapshot")}


def _no_builds(monkeypatch) -> None:
    """From here on, a read that would build the snapshot from ``clips`` fails the test."""

    def refuse(conn):
        raise AssertionError("the snapshot was rebuilt, not patched")

    monkeypatch.setattr(snapshot, "_build", refuse)


def _edit_clip(ws, clip_id: str, **changes) -> None:
    with ws.transaction("tester") as tx:
        catalogue_store.update_clip(tx, clip_id, changes)


# -- same values as a row scan --------------------------------------------------------------------------------------


def test_the_import_leaves_a_current_snapshot_that_reads_like_a_row_scan(ws):
    assert snapshot.is_current(ws.conn) and snapshot.pending_changes(ws.conn) == 0
    assert _by_clip(_via_snapshot(ws.conn, ALL_FIELDS)) == _by_clip(_via_scan(ws.conn, ALL_FIELDS))
    start, end = (int(datetime(2021, 2, d, tzinfo=UTC).timestamp()) for d in (1, 8))
    week = _via_snapshot(ws.conn, ALL_FIELDS, start, end)
    assert 0 < week.size < 1500
    assert _by_clip(week) == _by_clip(_via_scan(ws.conn, ALL_FIELDS, start, end))
    assert np.all(np.diff(week.recorded_ts) >= 0)  # kept in recording order, so a window is a slice


# No NUL character: PostgreSQL's text cannot hold one (the ids below leave it out for the same reason).
_TEXTS = st.sampled_from(
    [None, "", "Camden", "camden", "Ünïcode ✓", "x\ny", "a\x01b", "ÿ", "\U0001f600", " "]
)
_IDS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=6
)


def _choice(name: str):
    return st.sampled_from([*CHOICES[name], None, "", "not in the vocabulary", "Ünï"])


_ROW = st.fixed_dictionaries(
    {
        "incident_id": st.sampled_from(["I1", "I2", "Ï3", "I\n4"]),
        "recorded_ts": st.integers(1_600_000_000, 1_600_000_005),  # many ties
        "duration_s": st.floats(min_value=1e-9, max_value=1e6, allow_nan=False, allow_infinity=False),
        "sources_mask": st.integers(0, 2**40),
        "uof_mask": st.integers(0, 2**20),
        "assault_mask": st.integers(0, 300),
        "mtip": st.sampled_from([None, 0, 1, 7]),
        "retention_until": st.sampled_from(
            [None, "", "2021-02-01", "2021-02-30", "garbage", "2021-01-01T10:00:00Z", "2021-01-01 10:00:00"]
        ),
        "media_path": st.sampled_from([None, "", "/v/a.mp4"]),
        "officer_ref": _TEXTS.map(lambda v: v or "PC1"),  # NOT NULL columns
        "borough": _TEXTS.map(lambda v: "" if v is None else v),
        "bcu": _TEXTS,
        "camera_id": _TEXTS,
        **{name: _choice(name) for name in CHOICES},
        "media_status": _choice("media_status").map(lambda v: "unchecked" if v is None else v),  # NOT NULL
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_IDS, _ROW), max_size=25, unique_by=lambda r: r[0]))
def test_odd_values_read_the_same_through_the_snapshot(workspace, rows):
    """NULLs, empty text, values outside a vocabulary, any Unicode (newlines, NULs, 0xFF), ties, big masks,
    unparseable dates: the snapshot gives what the row scan gives. Each example replaces the clips, so this also
    shows the snapshot following every change."""
    with workspace.transaction("tester") as tx:
        tx.execute("DELETE FROM clips")
        tx.executemany(
            "INSERT INTO incidents (incident_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(r["incident_id"], tx.at) for _, r in rows],
        )
        for clip_id, row in rows:
            names = ["clip_id", *row, "recorded_at", "row_hash", "created_at", "updated_at"]
            values = [clip_id, *row.values(), "2021-01-01T00:00:00Z", "h", tx.at, tx.at]
            sql = f"INSERT INTO clips ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            tx.execute(sql, values)
    assert not rows or not snapshot.is_current(workspace.conn)
    assert _by_clip(_via_snapshot(workspace.conn, ALL_FIELDS)) == _by_clip(
        _via_scan(workspace.conn, ALL_FIELDS)
    )
    snapshot.refresh(workspace.conn)  # the patched snapshot, stored, reads the same
    assert snapshot.is_current(workspace.conn)
    assert _by_clip(_via_snapshot(workspace.conn, ALL_FIELDS)) == _by_clip(
        _via_scan(workspace.conn, ALL_FIELDS)
    )
    window = (1_600_000_001, 1_600_000_004)
    assert _by_clip(_via_snapshot(workspace.conn, ALL_FIELDS, *window)) == _by_clip(
        _via_scan(workspace.conn, ALL_FIELDS, *window)
    )


def test_an_empty_catalogue_previews_and_reads(workspace):
    cols = _via_snapshot(workspace.conn, ALL_FIELDS)
    assert cols.size == 0 and cols.coded["borough"].categories == []
    assert sampling.preview(workspace, BOROUGH_PLAN, AS_OF)["frame_size"] == 0


# -- same draws ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan_name", ["pioss_weekly", "ss_research_study", "supervisor_dip"])
def test_draws_from_the_snapshot_match_draws_from_a_row_scan_byte_for_byte(ws, snapshot_only, plan_name):
    plan = sampling.load_plan(plan_name)
    inputs = reading.gather_inputs(ws, plan, AS_OF, reading.resolve_lists(plan))
    names = list(fields.BASE_COLUMNS) + columns.needed_fields(plan)
    bounds = (inputs.window.start_ts, inputs.window.end_ts) if inputs.window else (None, None)
    for seed in (1, 2):
        from_scan = engine.compute(plan, _via_scan(ws.conn, names, *bounds), inputs, seed)
        from_snapshot = engine.compute(plan, reading.load_columns(ws, plan, inputs.window), inputs, seed)
        assert from_scan.layout.frame.size > 0
        assert from_snapshot.manifest_sha256 == from_scan.manifest_sha256


# -- never stale ----------------------------------------------------------------------------------------------------


def test_a_changed_clip_is_seen_by_the_next_draw_and_verify(ws, tmp_path):
    first = sampling.draw(ws, BOROUGH_PLAN, seed=3, as_of=AS_OF)
    assert sampling.verify(ws, first)["status"] == "identical"
    frame_then = sampling.get_sample(ws, first)["frame_size"]
    # A catalogue re-import moves one clip into Camden: the import path, as users change clips.
    clip = ws.conn.execute("SELECT clip_id FROM clips WHERE borough <> 'Camden' LIMIT 1").fetchone()[0]
    row = next(r for r in synthetic_rows(1500, seed=11, start=START, end=END) if r["clip_id"] == clip)
    changed = tmp_path / "changed.jsonl"
    write_jsonl(changed, [row | {"borough": "Camden"}])
    assert import_catalogue(ws, changed, actor="tester").updated == 1
    assert snapshot.pending_changes(ws.conn) == 1  # logged, patched in by the next read
    result = sampling.verify(ws, first)
    assert result["status"] == "catalogue_changed"
    assert result["frame_now"]["size"] == frame_then + 1
    second = sampling.draw(ws, BOROUGH_PLAN, seed=3, as_of=AS_OF)
    assert sampling.get_sample(ws, second)["frame_size"] == frame_then + 1
    assert sampling.verify(ws, second)["status"] == "identical"


@pytest.mark.parametrize("change", ["update", "insert", "delete"])
def test_writes_from_outside_bwvtool_are_patched_in(ws, change, monkeypatch):
    before = sampling.preview(ws, BOROUGH_PLAN, AS_OF)["frame_size"]
    stored = _stored_generations(ws)
    outside = sqlite3.connect(ws.path)  # another program: no bwvtool code runs
    clip, incident = outside.execute(
        "SELECT clip_id, incident_id FROM clips WHERE borough = 'Camden' AND media_status = 'unchecked' LIMIT 1"
    ).fetchone()
    if change == "update":
        outside.execute("UPDATE clips SET borough = 'Barnet' WHERE clip_id = ?", (clip,))
    elif change == "delete":
        outside.execute("DELETE FROM clips WHERE clip_id = ?", (clip,))
    else:
        columns_ = [r[1] for r in outside.execute("PRAGMA table_info(clips)")]
        copied = ", ".join("'NEW1'" if c == "clip_id" else c for c in columns_)
        outside.execute(
            f"INSERT INTO clips ({', '.join(columns_)}) SELECT {copied} FROM clips WHERE clip_id = ?", (clip,)
        )
    outside.commit()
    outside.close()
    assert not snapshot.is_current(ws.conn) and snapshot.pending_changes(ws.conn) == 1
    _no_builds(monkeypatch)
    after = sampling.preview(ws, BOROUGH_PLAN, AS_OF)["frame_size"]
    assert after == before + (1 if change == "insert" else -1)
    assert _stored_generations(ws) == stored  # nothing rebuilt, nothing rewritten: the change was patched in
    assert _by_clip(_via_snapshot(ws.conn, ALL_FIELDS)) == _by_clip(_via_scan(ws.conn, ALL_FIELDS))
    assert incident  # the incident row stays (clips refer to it)


def test_a_patched_snapshot_is_row_for_row_what_a_build_gives(ws, monkeypatch):
    """Changed rows go back exactly where a full build puts them: (recorded_ts, rowid) order, ties included."""
    rows = ws.conn.execute("SELECT clip_id, recorded_ts FROM clips ORDER BY rowid LIMIT 40").fetchall()
    with ws.transaction("tester") as tx:
        for i, (clip, _ts) in enumerate(rows):
            if i % 4 == 0:
                catalogue_store.update_clip(tx, clip, {"borough": f"Borough {i}"})  # a new category
            elif i % 4 == 1:
                catalogue_store.update_clip(tx, clip, {"recorded_ts": rows[i + 1][1]})  # a tie, moved
            elif i % 4 == 2:
                tx.execute("DELETE FROM clips WHERE clip_id = ?", (clip,))
        columns_ = [r[1] for r in tx.execute("PRAGMA table_info(clips)")]
        copied = ", ".join("'ZZ' || clip_id" if c == "clip_id" else c for c in columns_)
        tx.execute(f"INSERT INTO clips ({', '.join(columns_)}) SELECT {copied} FROM clips WHERE clip_id = ?",
                   (rows[3][0],))  # fmt: skip
    patched, _ = snapshot._current(ws.conn, list(snapshot._STORED))
    built = snapshot._build(ws.conn)
    assert set(patched) == set(built)
    for name, column in built.items():
        assert patched[name].categories == column.categories, name
        assert np.array_equal(
            patched[name].values, column.values, equal_nan=column.values.dtype.kind == "f"
        ), name


def test_edits_in_place_patch_to_what_a_build_gives(ws, monkeypatch):
    """Edits that keep each clip's recording time are written over the stored rows (one copy per field): still
    row for row a build, text categories and digests included."""
    rows = ws.conn.execute("SELECT clip_id, borough FROM clips ORDER BY rowid LIMIT 30").fetchall()
    last = ws.conn.execute("SELECT borough FROM clips GROUP BY borough ORDER BY count(*) LIMIT 1").fetchone()[
        0
    ]
    with ws.transaction("tester") as tx:
        for i, (clip, _borough) in enumerate(rows):
            catalogue_store.update_clip(tx, clip, {"borough": f"Borough {i % 3}", "duration_s": 10.0 + i})
        tx.execute("UPDATE clips SET borough = 'Camden' WHERE borough = ?", (last,))  # a category goes
    monkeypatch.setattr(
        snapshot.cols, "insert", lambda *a: pytest.fail("patched by taking out and inserting")
    )
    patched, _ = snapshot._current(ws.conn, list(snapshot._STORED))
    built = snapshot._build(ws.conn)
    assert set(patched) == set(built) and last not in patched["borough"].categories
    for name, column in built.items():
        assert patched[name].categories == column.categories, name
        assert np.array_equal(
            patched[name].values, column.values, equal_nan=column.values.dtype.kind == "f"
        ), name


def test_values_written_back_as_they_were_patch_without_a_copy_or_a_pass_to_prune(ws, monkeypatch):
    """The usual edit changes one field of a clip: the fields it leaves as they were (a text value written back
    included) are handed out as stored, not copied, and no category can have lost its last row (no pruning);
    still row for row a build."""
    rows = ws.conn.execute("SELECT clip_id, borough FROM clips ORDER BY rowid LIMIT 5").fetchall()
    with ws.transaction("tester") as tx:
        for i, (clip, borough) in enumerate(rows):
            catalogue_store.update_clip(tx, clip, {"borough": borough, "duration_s": 12.5 + i})
    monkeypatch.setattr(snapshot.cols, "prune", lambda *a: pytest.fail("pruned, though no value went"))
    patched, _ = snapshot._current(ws.conn, list(snapshot._STORED))
    copied = {name for name, column in patched.items() if column.values.flags.writeable}
    assert copied == {"duration_s", snapshot.DIGEST + "duration_s"}
    built = snapshot._build(ws.conn)
    for name, column in built.items():
        assert patched[name].categories == column.categories, name
        assert np.array_equal(
            patched[name].values, column.values, equal_nan=column.values.dtype.kind == "f"
        ), name


def test_a_change_that_names_no_clip_is_read_without_copying_a_field(ws):
    """A big import logs a change naming no clip before its last step (mark_change); until a newer snapshot is
    published every read patches the stored one with it. Nothing is there to patch: the stored fields are handed
    out as stored, not copied (every field of a million clips, ~0.05 s a read)."""
    before = _by_clip(_via_snapshot(ws.conn, ALL_FIELDS))
    with ws.transaction("tester") as tx:
        snapshot.mark_change(tx)
    assert snapshot.pending_changes(ws.conn) == 1
    current, _ = snapshot._current(ws.conn, list(snapshot._STORED))
    assert not any(column.values.flags.writeable for column in current.values())  # views of the stored bytes
    assert _by_clip(_via_snapshot(ws.conn, ALL_FIELDS)) == before


def test_each_change_is_logged_and_a_refresh_folds_them_in(ws):
    clips = [r[0] for r in ws.conn.execute("SELECT clip_id FROM clips LIMIT 3")]
    for clip in clips:
        _edit_clip(ws, clip, notes="edited")
    assert snapshot.pending_changes(ws.conn) == 3
    assert not snapshot.is_current(ws.conn)
    assert snapshot.refresh(ws.conn) and snapshot.is_current(ws.conn)
    assert len(_stored_generations(ws)) == 1  # the older snapshot and the folded change log are gone
    assert ws.conn.execute("SELECT count(*) FROM snapshot_changes").fetchone()[0] == 0
    assert not snapshot.refresh(ws.conn)
    _edit_clip(ws, clips[0], notes="again")
    assert snapshot.pending_changes(ws.conn) == 1


def test_a_big_import_publishes_a_fresh_snapshot_in_its_last_step(ws, tmp_path, monkeypatch):
    from bwvtool.catalogue import importer

    monkeypatch.setattr(importer, "SNAPSHOT_PATCH_LIMIT", 100)
    more = tmp_path / "more.jsonl"
    write_jsonl(
        more,
        ({**r, "clip_id": "M" + r["clip_id"]} for r in synthetic_rows(400, seed=12, start=START, end=END)),
    )
    generation = _stored_generations(ws)
    assert import_catalogue(ws, more, actor="tester").inserted == 400
    assert snapshot.is_current(ws.conn) and _stored_generations(ws) != generation
    assert _by_clip(_via_snapshot(ws.conn, ALL_FIELDS)) == _by_clip(_via_scan(ws.conn, ALL_FIELDS))


def test_a_big_import_checked_in_a_child_process_has_it_build_the_snapshot_beside_the_steps(
    ws, tmp_path, monkeypatch
):
    """Inserts and updates of clips read before the child began: the published snapshot reads like a row scan,
    and this process built none."""
    from bwvtool.catalogue import checking, importer

    monkeypatch.setattr(importer, "SNAPSHOT_PATCH_LIMIT", 100)
    monkeypatch.setattr(importer, "FIRST_STEP_ROWS", 50)
    monkeypatch.setattr(checking, "CHILD_BYTES", 0)
    monkeypatch.setattr(checking, "BATCH_ROWS", 50)

    def refuse(*args, **kwargs):
        raise AssertionError("the importer built the snapshot itself")

    monkeypatch.setattr(snapshot, "prepare", refuse)
    stored = [dict(r) for r in synthetic_rows(1500, seed=11, start=START, end=END)][:300]
    more = tmp_path / "more.jsonl"
    new = ({**r, "clip_id": "M" + r["clip_id"]} for r in synthetic_rows(400, seed=12, start=START, end=END))
    write_jsonl(more, [*({**r, "notes": "re-catalogued", "borough": "Camden"} for r in stored), *new])
    report = import_catalogue(ws, more, actor="tester")
    assert (report.inserted, report.updated) == (400, 300)
    assert snapshot.is_current(ws.conn)
    assert _by_clip(_via_snapshot(ws.conn, ALL_FIELDS)) == _by_clip(_via_scan(ws.conn, ALL_FIELDS))


def test_a_snapshot_built_beside_a_job_holds_what_others_changed_meanwhile(ws):
    """Rows read, then changed by another writer (logged), deleted, and rows inserted unlogged by the job."""
    builder = snapshot.Builder(ws.conn)
    while builder.catch_up():
        pass
    clips = [r[0] for r in ws.conn.execute("SELECT clip_id FROM clips WHERE borough <> 'Camden' LIMIT 3")]
    _edit_clip(ws, clips[0], borough="Camden")
    with ws.transaction("tester") as tx:
        tx.execute("DELETE FROM clips WHERE clip_id = ?", (clips[1],))
        catalogue_store.set_tracking(tx, False)  # the job's own inserts are not logged
        _copy_clips(tx, 10)
        catalogue_store.set_tracking(tx, True)
        snapshot.mark_change(tx)
    prepared = builder.finish()
    assert prepared.stored
    with ws.transaction("tester") as tx:
        snapshot.publish(tx.conn, prepared)
    assert snapshot.is_current(ws.conn)
    assert _by_clip(_via_snapshot(ws.conn, ALL_FIELDS)) == _by_clip(_via_scan(ws.conn, ALL_FIELDS))


_CLIP_COLUMNS = (
    "clip_id, incident_id, recorded_at, recorded_ts, duration_s, officer_ref, borough, camera_id, bcu, media_path,"
    " sha256, sources, sources_mask, uof_tactics, uof_mask, assault_types, assault_mask, ss_power, ss_outcome, mtip,"
    " subject_age_band, subject_gender, subject_ethnicity, retention_until, notes, extra, row_hash, import_id,"
    " media_status, media_probe, media_checked_at, created_at, updated_at"
)


def _copy_clips(tx, limit: int, **exprs: str) -> None:
    """Insert copies of ``limit`` clips, each column as ``exprs`` computes it (by default as it is, the clip id
    prefixed with X)."""
    exprs = {"clip_id": "'X' || clip_id", **exprs}
    select = ", ".join(exprs.get(c, c) for c in _CLIP_COLUMNS.split(", "))
    tx.execute(f"INSERT INTO clips SELECT {select} FROM clips ORDER BY clip_id LIMIT {limit:d}")


def _generation(conn, seq: int) -> dict[str, tuple]:
    """Every field of the stored snapshot ``seq`` as stored: kind, rows, dtype, bytes, categories."""
    sql = "SELECT field, kind, rows, dtype, data, strings FROM column_snapshot WHERE generation = ?"
    return {row[0]: tuple(row[1:]) for row in conn.execute(sql, (seq,))}


def test_a_snapshot_built_beside_a_job_in_chunks_is_stored_as_one_read_stores_it(ws, monkeypatch):
    """Many small chunks, spilled to a file and joined a field at a time, the last ones needing wider types than
    the first (longer ids, bigger masks, text codes past int8): byte for byte what one read of ``clips`` stores."""
    monkeypatch.setattr(snapshot, "_BESIDE_CHUNK", 97)
    with ws.transaction("tester") as tx:  # read last (highest rowids)
        _copy_clips(tx, 300, clip_id="'A-CLIP-ID-LONGER-THAN-ANY-BEFORE-' || clip_id",
                    sources_mask="sources_mask + 4000000000", officer_ref="'PC' || rowid")  # fmt: skip
    builder = snapshot.Builder(ws.conn)
    while builder.catch_up():
        pass
    built = builder.finish()
    rebuilt = snapshot.prepare(ws.conn, rebuild=True)  # one read of clips, every field held at once
    assert built.stored and rebuilt.stored and rebuilt.seq > built.seq
    in_chunks, at_once = _generation(ws.conn, built.seq), _generation(ws.conn, rebuilt.seq)
    assert len(in_chunks) == len(snapshot._STORED) and in_chunks == at_once
    longest = ws.conn.execute("SELECT max(length(clip_id)) FROM clips").fetchone()[0]
    assert in_chunks["clip_id"][2] == f"|S{longest}" and in_chunks["sources"][2] == "<i8"
    assert in_chunks["officer_ref"][2] == "<i2"  # codes past int8 only in the last chunks


def test_a_snapshot_built_beside_a_job_reads_it_all_again_when_others_changed_too_much(ws, monkeypatch):
    builder = snapshot.Builder(ws.conn)
    while builder.catch_up():
        pass
    monkeypatch.setattr(snapshot, "PATCH_LIMIT", 2)
    sql = "SELECT clip_id FROM clips WHERE borough <> 'Camden' LIMIT 3"
    for clip in [row[0] for row in ws.conn.execute(sql)]:  # one more change than a builder patches in
        _edit_clip(ws, clip, borough="Camden")
    prepared = builder.finish()
    with ws.transaction("tester") as tx:
        snapshot.publish(tx.conn, prepared)
    assert snapshot.is_current(ws.conn)
    assert _by_clip(_via_snapshot(ws.conn, ALL_FIELDS)) == _by_clip(_via_scan(ws.conn, ALL_FIELDS))


def test_a_change_committed_while_a_snapshot_is_prepared_is_not_missed(ws, monkeypatch):
    clip = ws.conn.execute("SELECT clip_id FROM clips WHERE borough <> 'Camden' LIMIT 1").fetchone()[0]
    build = snapshot._build

    def build_then_someone_writes(conn):
        built = build(conn)  # inside the build's read transaction
        other = sqlite3.connect(ws.path)
        other.execute("UPDATE clips SET borough = 'Camden' WHERE clip_id = ?", (clip,))
        other.commit()
        other.close()
        return built

    monkeypatch.setattr(snapshot, "_build", build_then_someone_writes)
    prepared = snapshot.prepare(ws.conn, rebuild=True)
    monkeypatch.undo()
    with ws.transaction("tester") as tx:
        snapshot.publish(tx.conn, prepared)
    assert not snapshot.is_current(ws.conn)  # the change came after what was built: it is pending
    assert _borough_of(_via_snapshot(ws.conn, ["clip_id", "borough"]), clip) == "Camden"


def _borough_of(cols: columns.Columns, clip: str) -> str:
    coded = cols.coded["borough"]
    return coded.categories[coded.codes[cols.clip_id.tolist().index(clip)]]


def test_a_reader_that_cannot_write_still_reads_right_and_stores_nothing(ws, monkeypatch):
    monkeypatch.setattr(snapshot, "_BUSY_MS", 20)
    clip = ws.conn.execute("SELECT clip_id FROM clips WHERE borough <> 'Camden' LIMIT 1").fetchone()[0]
    _edit_clip(ws, clip, borough="Camden")
    ws.conn.execute("DELETE FROM column_snapshot")  # nothing stored: the read must build
    writer = sqlite3.connect(ws.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        assert _borough_of(_via_snapshot(ws.conn, ["clip_id", "borough"]), clip) == "Camden"
        assert ws.conn.execute("SELECT count(*) FROM column_snapshot").fetchone()[0] == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert _borough_of(_via_snapshot(ws.conn, ["clip_id", "borough"]), clip) == "Camden"
    assert snapshot.is_current(ws.conn)  # built and stored once the workspace could be written


def test_a_draw_that_fails_leaves_no_snapshot_half_written(ws):
    """The rebuild runs inside the draw's transaction, so a refused plan rolls it back with everything else."""
    _edit_clip(ws, ws.conn.execute("SELECT clip_id FROM clips LIMIT 1").fetchone()[0], notes="x")
    impossible = (
        "name: too many\nunit: clip\ndesign:\n  sample:\n    method: stratified\n    n: 10\n"
        "    strata: [borough]\n    allocation: minimum\n    per_stratum: 5\n"
    )
    with pytest.raises(sampling.PlanError, match="minimum 5 per stratum"):
        sampling.draw(ws, impossible, seed=1, as_of=AS_OF)
    assert not snapshot.is_current(ws.conn)
    old_rows = ws.conn.execute("SELECT count(*) FROM column_snapshot").fetchone()[0]
    assert old_rows == len(snapshot._STORED)  # the fields, the rowids, the import ids and the digests
    assert sampling.list_samples(ws) == []
    assert sampling.preview(ws, BOROUGH_PLAN, AS_OF)["frame_size"] > 0


def test_rows_of_another_layout_are_ignored_and_rebuilt(ws):
    ws.conn.execute("UPDATE column_snapshot SET format = format + 1, data = x'00'")
    assert not snapshot.is_current(ws.conn)
    assert _by_clip(_via_snapshot(ws.conn, ALL_FIELDS)) == _by_clip(_via_scan(ws.conn, ALL_FIELDS))
    assert snapshot.is_current(ws.conn)


def test_the_store_knows_how_to_keep_every_plan_field():
    assert set(snapshot.KINDS) == set(samples.COLUMN_SQL)
    assert set(snapshot.KINDS) - {"recorded_ts"} <= set(fields.FIELDS)
    assert vocab.CHOICE_FIELDS.keys() <= CHOICES.keys()


def test_a_draws_imports_are_counted_from_the_snapshot_as_sql_counts_them(ws, snapshot_only):
    """Which imports wrote the clips a draw read (its provenance) comes from the snapshot's hidden import-id field,
    patched like every field: the same counts as a GROUP BY over ``clips``, clips no import wrote first."""
    clip_ids = [row[0] for row in ws.conn.execute("SELECT clip_id FROM clips ORDER BY clip_id LIMIT 3")]
    with ws.transaction("tester") as tx:  # one clip written by no import, two by a later one
        tx.execute("INSERT INTO catalogue_imports (source_path, source_sha256, format, imported_at, imported_by,"
                   " state) VALUES ('/x/later.csv', 'ab', 'csv', ?, 'tester', 'done')", (tx.at,))  # fmt: skip
        later = tx.execute("SELECT max(id) FROM catalogue_imports").fetchone()[0]
        catalogue_store.update_clip(tx, clip_ids[0], {"import_id": None})
        for clip_id in clip_ids[1:]:
            catalogue_store.update_clip(tx, clip_id, {"import_id": later})
    start, end = (int(datetime(2021, m, 1, tzinfo=UTC).timestamp()) for m in (1, 3))
    for bounds in ((None, None), (start, end)):
        where = " WHERE recorded_ts >= ? AND recorded_ts < ?" if bounds[0] is not None else ""
        expected = ws.conn.execute(
            f"SELECT import_id, count(*) FROM clips{where} GROUP BY import_id ORDER BY import_id",
            [b for b in bounds if b is not None],
        ).fetchall()
        found = samples.imports_of_clips(ws.conn, *bounds)
        assert [(i["import_id"], i["clips"]) for i in found] == expected
        assert {i["file"] for i in found} <= {None, "catalogue.jsonl", "later.csv"}
