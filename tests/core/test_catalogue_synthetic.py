"""Synthetic catalogues: deterministic, valid, and shaped like the published 2021 MPS figures."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from bwvtool.catalogue import vocab
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.rows import COLUMNS, Normaliser
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv, write_jsonl
from bwvtool.resources import load_json

START, END = datetime(2021, 6, 1, tzinfo=UTC), datetime(2021, 7, 1, tzinfo=UTC)


def test_same_seed_same_rows_other_seed_other_rows():
    a = list(synthetic_rows(400, seed=5, start=START, end=END))
    assert a == list(synthetic_rows(400, seed=5, start=START, end=END))
    assert a != list(synthetic_rows(400, seed=6, start=START, end=END))
    assert len(a) == 400 and len({r["clip_id"] for r in a}) == 400


def test_rows_are_valid_and_consistent():
    rows = list(synthetic_rows(5000, seed=1, start=START, end=END))
    normaliser = Normaliser(text=False)
    assert all(normaliser.is_valid([r.get(c) for c in COLUMNS]) for r in rows)
    for r in rows:
        assert START.isoformat()[:10] <= r["recorded_at"][:10] <= END.isoformat()[:10]
        assert ("use_of_force" in r["sources"]) == bool(r["uof_tactics"])
        assert ("op_hampshire" in r["sources"]) == bool(r["assault_types"])
        assert ("stop_search" in r["sources"]) == (r["ss_power"] is not None) == (r["ss_outcome"] is not None)
        assert r["retention_until"] >= r["recorded_at"][:10]
    per_incident = Counter(r["incident_id"] for r in rows)
    assert set(per_incident.values()) <= {1, 2, 3, 4} and max(per_incident.values()) == 4
    # Officers are reused across clips and stay in one borough.
    officers = Counter(r["officer_ref"] for r in rows)
    assert len(officers) < len(rows) / 5
    home = {}
    for r in rows:
        assert home.setdefault(r["officer_ref"], r["borough"]) == r["borough"]
    # Clips of one incident share its borough and start within minutes of each other.
    by_incident = {}
    for r in rows:
        by_incident.setdefault(r["incident_id"], []).append(r)
    for clips in by_incident.values():
        assert len({c["borough"] for c in clips}) == 1
        times = [datetime.fromisoformat(c["recorded_at"]) for c in clips]
        assert (max(times) - min(times)).total_seconds() < 300
    retention_31 = sum(
        1
        for r in rows
        if (datetime.fromisoformat(r["retention_until"]) - datetime.fromisoformat(r["recorded_at"][:10])).days
        == 31
    )
    assert 0.7 < retention_31 / len(rows) < 0.99


def test_mix_follows_the_published_figures():
    rows = list(synthetic_rows(30_000, seed=3))
    ref = load_json("reference/mps_use_of_force_2021.json")
    boroughs = Counter(r["borough"] for r in rows)
    top5 = [b for b, _ in boroughs.most_common(5)]
    assert top5[0] == "Westminster" and len(set(top5) & set(ref["top5_areas_2021"])) >= 4
    sources = Counter(s for r in rows for s in r["sources"])
    assert sources["stop_search"] == max(sources.values())  # S&S is the largest share
    assert sources["stop_search"] / len(rows) > 0.3
    tactics = Counter(t for r in rows for t in r["uof_tactics"])
    assert tactics.most_common(1)[0][0] == "Compliant handcuffing"
    assert tactics["Irritant spray - used"] > 0 and tactics["Baton used"] > 0
    assaults = [tuple(r["assault_types"]) for r in rows if r["assault_types"]]
    assert ("spitting",) in assaults and ("biting",) in assaults
    genders = Counter(r["subject_gender"] for r in rows if r["subject_gender"])
    assert 0.75 < genders["male"] / sum(genders.values()) < 0.95
    assert set(r["ss_power"] for r in rows if r["ss_power"]) <= set(vocab.SS_POWERS)
    durations = sorted(r["duration_s"] for r in rows)
    assert 120 < durations[len(durations) // 2] < 900  # minutes, not seconds or hours


def test_small_catalogues_still_carry_pava_and_baton():
    rows = list(synthetic_rows(300, seed=11))
    tactics = Counter(t for r in rows for t in r["uof_tactics"])
    assert tactics["Irritant spray - used"] >= 1 and tactics["Baton used"] >= 1


def test_written_files_import_cleanly(workspace, tmp_path):
    rows = list(synthetic_rows(1000, seed=4))
    write_csv(tmp_path / "s.csv", rows)
    write_jsonl(tmp_path / "s.jsonl", rows)
    first = import_catalogue(workspace, tmp_path / "s.csv")
    assert (first.inserted, first.rejected) == (1000, 0)
    # The JSON Lines form of the same rows is the same catalogue: nothing changes.
    second = import_catalogue(workspace, tmp_path / "s.jsonl")
    assert (second.unchanged, second.updated, second.rejected) == (1000, 0, 0)
