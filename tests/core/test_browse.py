"""Paged, sorted, filtered catalogue reads (bwvtool.store.browse), checked against the rows that were imported."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bwvtool.catalogue import vocab
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
from bwvtool.errors import UsageError
from bwvtool.store import browse, open_workspace
from bwvtool.store.browse import ClipFilter, ClipSort

N = 900


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """A workspace with N synthetic clips, and those rows as plain dicts (the oracle)."""
    folder = tmp_path_factory.mktemp("browse")
    rows = list(synthetic_rows(N, seed=11))
    rows[0]["officer_ref"] = "PC_50%"  # LIKE's wildcards must match only themselves
    write_jsonl(folder / "cat.jsonl", rows)
    ws = open_workspace(folder / "ws.sqlite", create=True)
    import_catalogue(ws, folder / "cat.jsonl", actor="tester")
    yield ws, rows
    ws.close()


def _ts(row: dict) -> int:
    return int(datetime.fromisoformat(row["recorded_at"].replace("Z", "+00:00")).timestamp())


def _expected(rows: list[dict], flt: ClipFilter) -> set[str]:
    text = flt.text.lower()
    keep = set()
    for r in rows:
        day = datetime.fromtimestamp(_ts(r), UTC).date()
        if text and not any(text in r[k].lower() for k in ("clip_id", "officer_ref", "borough")):
            continue
        if flt.borough and r["borough"] != flt.borough:
            continue
        if flt.source and flt.source not in r["sources"]:
            continue
        if flt.date_from and day < flt.date_from:
            continue
        if flt.date_to and day > flt.date_to:
            continue
        keep.add(r["clip_id"])
    return keep


def _all_pages(conn, flt, sort, page=97, sparse=False) -> list[browse.ClipRow]:
    out, offset = [], 0
    while True:
        rows = browse.fetch_clips(conn, flt, sort, offset=offset, limit=page, sparse=sparse)
        out += rows
        offset += page
        if len(rows) < page:
            return out


def test_counts_and_pages_cover_the_catalogue_once(catalogue):
    ws, rows = catalogue
    assert browse.count_clips(ws.conn) == N
    paged = _all_pages(ws.conn, None, ClipSort())
    assert len(paged) == N and {r.clip_id for r in paged} == {r["clip_id"] for r in rows}


@pytest.mark.parametrize("key", list(browse.SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_key_orders_pages_without_gaps_or_overlaps(catalogue, key, descending):
    ws, rows = catalogue
    paged = _all_pages(ws.conn, None, ClipSort(key, descending))
    assert len({r.clip_id for r in paged}) == N
    field = {
        "clip_id": "clip_id",
        "incident_id": "incident_id",
        "recorded": "recorded_ts",
        "duration": "duration_s",
        "officer": "officer_ref",
        "borough": "borough",
    }[key]
    values = [getattr(r, field) for r in paged]
    assert values == sorted(values, reverse=descending)
    assert paged == browse.fetch_clips(ws.conn, None, ClipSort(key, descending), limit=N)


def test_filters_match_the_imported_rows(catalogue):
    ws, rows = catalogue
    borough = rows[5]["borough"]
    first = min(_ts(r) for r in rows)
    start = datetime.fromtimestamp(first, UTC).date()
    cases = [
        ClipFilter(text="nw"),
        ClipFilter(text="BWV00000001"),
        ClipFilter(text="50%"),
        ClipFilter(text="_"),
        ClipFilter(borough=borough),
        ClipFilter(source="stop_search"),
        ClipFilter(source="op_hampshire"),
        ClipFilter(date_from=start, date_to=date(start.year, start.month, 20)),
        ClipFilter(date_from=date(2021, 2, 1)),
        ClipFilter(text="1", borough=borough, source="use_of_force", date_to=date(2021, 3, 1)),
        ClipFilter(text="no such thing"),
    ]
    for flt in cases:
        expected = _expected(rows, flt)
        assert browse.count_clips(ws.conn, flt) == len(expected), flt
        for sparse in (False, True):
            got = _all_pages(ws.conn, flt, ClipSort("borough", True), sparse=sparse)
            assert [r.clip_id for r in got] == [
                r.clip_id for r in browse.fetch_clips(ws.conn, flt, ClipSort("borough", True), limit=N)
            ]
            assert {r.clip_id for r in got} == expected, flt
    assert browse.count_clips(ws.conn, ClipFilter(text="50%")) == 1
    assert browse.count_clips(ws.conn, ClipFilter(text="_")) == 1


def test_list_fields_arrive_as_masks_and_choices(catalogue):
    ws, rows = catalogue
    by_id = {r["clip_id"]: r for r in rows}
    for row in browse.fetch_clips(ws.conn, limit=50):
        source = by_id[row.clip_id]
        assert vocab.values_of(row.sources_mask, vocab.SOURCES) == [
            s for s in vocab.SOURCES if s in source["sources"]
        ]
        assert set(vocab.values_of(row.uof_mask, vocab.UOF_TACTICS)) == set(source["uof_tactics"])
        assert row.subject_gender == source["subject_gender"]
    one = browse.fetch_clip(ws.conn, rows[3]["clip_id"])
    assert one is not None and one.borough == rows[3]["borough"]
    assert browse.fetch_clip(ws.conn, "nope") is None


def test_boroughs_and_recorded_range(catalogue):
    ws, rows = catalogue
    assert browse.boroughs(ws.conn) == sorted({r["borough"] for r in rows})
    low, high = browse.recorded_range(ws.conn)
    assert low == datetime.fromtimestamp(min(map(_ts, rows)), UTC).date()
    assert high == datetime.fromtimestamp(max(map(_ts, rows)), UTC).date()


def test_empty_workspace(workspace):
    assert browse.count_clips(workspace.conn) == 0
    assert browse.fetch_clips(workspace.conn) == []
    assert browse.boroughs(workspace.conn) == []
    assert browse.recorded_range(workspace.conn) is None


def test_bad_requests_are_usage_errors(catalogue):
    ws, _ = catalogue
    with pytest.raises(UsageError, match="cannot sort by"):
        ClipSort("sources")
    with pytest.raises(UsageError, match="unknown source"):
        browse.count_clips(ws.conn, ClipFilter(source="gossip"))
    with pytest.raises(UsageError, match="date range is empty"):
        browse.count_clips(ws.conn, ClipFilter(date_from=date(2021, 3, 2), date_to=date(2021, 3, 1)))
    with pytest.raises(UsageError, match="negative"):
        browse.fetch_clips(ws.conn, offset=-1)


def test_sparse_threshold():
    assert browse.is_sparse(0, 100_000) and browse.is_sparse(1_000, 100_000)
    assert not browse.is_sparse(5_000, 100_000) and not browse.is_sparse(10, 10)
