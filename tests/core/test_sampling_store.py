"""Draws on a generated, imported catalogue, checked against an independent pandas computation; provenance,
exclusions, verification, immutability and the audit trail."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pandas as pd
import pytest

from bwvtool import sampling
from bwvtool.catalogue import vocab
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
from bwvtool.sampling import manifest
from bwvtool.store import audit, dialect, open_workspace
from bwvtool.store import samples as samples_store
from bwvtool.store.postgres.copy import copy_workspace

AS_OF = date(2021, 3, 10)
# The study plan's frame is the twelve months before the draw: drawn on 1 April it holds the whole catalogue.
SS_AS_OF = date(2021, 4, 1)
CODERS = ["coder1", "coder2", "coder3", "coder4"]


def _add_coders(workspace):
    with workspace.transaction("test") as tx:
        for name in CODERS:
            workspace.coder_id(tx, name)


START, END = datetime(2021, 1, 1, tzinfo=UTC), datetime(2021, 3, 31, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """A 6,000-clip synthetic catalogue (Jan–Mar 2021), imported once; each test gets its own copy."""
    folder = tmp_path_factory.mktemp("catalogue")
    rows = list(synthetic_rows(6000, seed=7, start=START, end=END))
    source = folder / "catalogue.jsonl"
    write_jsonl(source, rows)
    with open_workspace(folder / "base.sqlite", create=True) as ws:
        import_catalogue(ws, source, actor="setup")
    return folder / "base.sqlite", rows, source


@pytest.fixture
def ws(catalogue, workspace_location):
    with open_workspace(catalogue[0]) as base:  # the prepared catalogue, copied to this test's engine
        copy_workspace(base, workspace_location)
    workspace = open_workspace(workspace_location)
    _add_coders(workspace)
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def frame(catalogue):
    """The catalogue as pandas sees it, straight from the generated rows (not from the workspace)."""
    df = pd.DataFrame(catalogue[1])
    df["ts"] = pd.to_datetime(df.recorded_at, utc=True)
    retention = pd.to_datetime(df.retention_until, utc=True)
    df["retention"] = retention.fillna(df.ts + pd.Timedelta(days=31))
    df["media"] = df.media_path.fillna("") != ""
    return df


def _midnight(day: date) -> pd.Timestamp:
    return pd.Timestamp(day.isoformat(), tz="UTC")


def _has(column: str, value: str):
    return lambda df: df[column].map(lambda values: value in values)


def _draw(ws, plan, seed=1, as_of=AS_OF):
    coders = CODERS if plan == "ss_research_study" else None  # the study plan names its coders at the draw
    sample_id = sampling.draw(ws, plan, seed=seed, as_of=as_of, actor="tester", coders=coders)
    return sample_id, sampling.get_sample(ws, sample_id)["report"]["manifest"]


# -- the built-in plans against pandas ----------------------------------------------------------------------------


def test_pioss_weekly_matches_pandas(ws, frame):
    sample_id, m = _draw(ws, "pioss_weekly")
    monday = AS_OF - timedelta(days=AS_OF.weekday())
    start, end = _midnight(monday - timedelta(days=7)), _midnight(monday)
    eligible = frame[
        (frame.ts >= start) & (frame.ts < end) & frame.media & (frame.retention >= _midnight(AS_OF))
    ]
    spit_bite = {"spitting", "biting"}
    rules = {
        "op_hampshire": lambda df: (
            _has("sources", "op_hampshire")(df)
            & ~df.assault_types.map(lambda a: bool(a) and set(a) <= spit_bite)
        ),
        "pava_used": _has("uof_tactics", "Irritant spray - used"),
        "baton_used": _has("uof_tactics", "Baton used"),
        "dcb": _has("sources", "dcb"),
        "social_media": _has("sources", "social_media"),
        "self_referral": _has("sources", "self_referral"),
        "manager_referral": _has("sources", "manager_referral"),
    }
    incidents = sorted(eligible.incident_id.unique())
    assert m["frame"]["size"] == len(incidents)
    assert m["frame"]["sha256"] == hashlib.sha256("\n".join(incidents).encode()).hexdigest()
    rule_of: dict[str, str] = {}
    for name, rule in rules.items():
        hits = eligible[rule(eligible)].incident_id.unique()
        for incident in hits:
            rule_of.setdefault(incident, name)
    expected_counts = {name: sum(1 for r in rule_of.values() if r == name) for name in rules}
    assert {c["rule"]: c["matched"] for c in m["census"]} == expected_counts
    assert sum(expected_counts.values()) > 5  # the week holds real work
    assert sum(expected_counts.values()) <= 200 and m["sample"]["method"] is None
    taken = eligible[eligible.incident_id.isin(rule_of)]
    assert sorted(i["clip_id"] for i in m["items"]) == sorted(taken.clip_id)  # take: all eligible clips
    assert all(
        i["selection"] == f"census:{rule_of[i['unit_id']]}" and i["inclusion_prob"] == 1.0 for i in m["items"]
    )


def _lead_values(eligible: pd.DataFrame) -> pd.DataFrame:
    lead = eligible.sort_values(["incident_id", "ts", "clip_id"]).drop_duplicates("incident_id")
    return lead.set_index("incident_id")[["subject_ethnicity", "ss_outcome"]].fillna("(missing)")


def _proportional(n: int, sizes: list[int]) -> list[int]:
    """Largest remainder, written independently with fractions: ties to the larger, then the earlier stratum."""
    total = sum(sizes)
    if not total:
        return [0] * len(sizes)
    quotas = [Fraction(n * s, total) for s in sizes]
    floors = [int(q) for q in quotas]
    by_remainder = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - floors[i]), -sizes[i], i))
    for i in by_remainder[: n - sum(floors)]:
        floors[i] += 1
    return floors


def test_ss_research_study_matches_pandas(ws, frame):
    sample_id, m = _draw(ws, "ss_research_study", seed=99, as_of=SS_AS_OF)
    eligible = frame[_has("sources", "stop_search")(frame) & frame.media]
    force = eligible.uof_tactics.map(bool) | _has("sources", "use_of_force")(eligible)
    escalated = set(eligible[force].incident_id)
    lead = _lead_values(eligible)
    assert m["frame"]["size"] == len(lead)
    domain_sizes = [len(escalated), len(lead) - len(escalated)]
    share = _proportional(500, domain_sizes)
    assert m["domains"][0] == {
        "domain": "escalated", "population": domain_sizes[0], "proportional": share[0], "minimum": 150,
        "allocated": max(150, share[0]), "shortfall": 0,
    }  # fmt: skip
    sizes = {
        d: max(150, share[0]) if d == "escalated" else 500 - max(150, share[0]) for d in ("escalated", "rest")
    }
    categories = [
        (e, o) for e in (*vocab.ETHNICITIES, "(missing)") for o in (*vocab.SS_OUTCOMES, "(missing)")
    ]
    strata = {s["stratum"]: s for s in m["strata"]}
    for domain in ("escalated", "rest"):
        members = lead[lead.index.isin(escalated) == (domain == "escalated")]
        counts = members.groupby(["subject_ethnicity", "ss_outcome"]).size().to_dict()
        listed = [c for c in categories if f"{domain}:{c[0]}|{c[1]}" in strata]
        assert all(c in listed for c in counts)  # every non-empty cell is a stratum
        populations = [counts.get(c, 0) for c in listed]
        assert [strata[f"{domain}:{e}|{o}"]["population"] for e, o in listed] == populations
        # allocation: minimum with per_stratum 1: one from each non-empty stratum, the rest in proportion to room
        base = [min(1, p) for p in populations]
        rest = _proportional(
            sizes[domain] - sum(base), [p - b for p, b in zip(populations, base, strict=True)]
        )
        allocated = [b + r for b, r in zip(base, rest, strict=True)]
        assert [strata[f"{domain}:{e}|{o}"]["allocated"] for e, o in listed] == allocated
    empty = [s for s in m["strata"] if s["population"] == 0]
    assert empty and all(s["allocated"] == 0 for s in empty)  # e.g. rarely used outcomes: listed, not sampled
    assert m["units"] == 500 and len(m["items"]) == 500  # take: longest, one clip per incident
    longest = eligible.sort_values(["incident_id", "duration_s", "clip_id"], ascending=[True, False, True])
    longest = longest.drop_duplicates("incident_id").set_index("incident_id").clip_id
    for item in m["items"]:
        assert item["clip_id"] == longest[item["unit_id"]]
        stratum = strata[item["stratum"]]
        assert item["inclusion_prob"] == stratum["allocated"] / stratum["population"]
        assert item["design_weight"] == stratum["population"] / stratum["allocated"]
    roles = pd.DataFrame(m["assignments"])
    assert (roles.role == "reliability").sum() == 100
    pairs = roles.pivot_table(index="clip_id", columns="role", values="coder", aggfunc="first").dropna()
    assert len(pairs) == 100 and (pairs.primary != pairs.reliability).all()


def test_supervisor_dip_matches_pandas(ws, frame):
    sample_id, m = _draw(ws, "supervisor_dip", seed=3)
    start = _midnight(AS_OF - timedelta(days=28))
    eligible = frame[
        _has("sources", "stop_search")(frame)
        & (frame.borough == "Westminster")
        & (frame.ts >= start)
        & (frame.ts < _midnight(AS_OF))
        & frame.media
        & (frame.retention >= _midnight(AS_OF))
    ]
    per_officer = eligible.groupby("officer_ref").size()
    assert m["frame"]["size"] == len(eligible)
    strata = {s["stratum"]: s for s in m["strata"]}
    assert {k: s["population"] for k, s in strata.items()} == per_officer.to_dict()
    assert {k: s["allocated"] for k, s in strata.items()} == per_officer.clip(upper=2).to_dict()
    assert {k: s["shortfall"] for k, s in strata.items()} == (2 - per_officer.clip(upper=2)).to_dict()
    assert (per_officer == 1).any()  # some officers hold fewer clips than their allocation
    chosen = pd.Series([i["stratum"] for i in m["items"]]).value_counts().to_dict()
    assert chosen == per_officer.clip(upper=2).to_dict()


# -- provenance, reproducibility, verification ---------------------------------------------------------------------


def test_provenance_audit_and_item_rows(ws):
    sample_id = sampling.draw(ws, "ss_research_study", as_of=SS_AS_OF, actor="researcher", coders=CODERS)
    sample = sampling.get_sample(ws, sample_id)
    report = sample["report"]
    assert report["seed_source"] == "generated" and 0 <= sample["seed"] < 2**63
    assert sample["plan_text"] == sampling.builtin_plan_text("ss_research_study")
    assert sample["plan_sha256"] == hashlib.sha256(sample["plan_text"].encode()).hexdigest()
    assert sample["drawn_by"] == "researcher" and report["as_of"] == "2021-04-01"
    assert sample["manifest_sha256"] == manifest.sha256(report["manifest"])
    assert sample["frame_size"] == report["manifest"]["frame"]["size"]
    entry = audit.recent(ws.conn, 1, "sample")[0]
    assert (
        entry["action"] == "sample.draw" and entry["detail"]["manifest_sha256"] == sample["manifest_sha256"]
    )
    items = sampling.sample_items(ws, sample_id)
    assert len(items) == 500 and all(0 < i["inclusion_prob"] <= 1 for i in items)
    assert sum(1 for i in items if i["reliability_coder"]) == 100
    assert sampling.list_samples(ws)[0]["units"] == 500


def test_same_plan_seed_and_catalogue_give_identical_manifest_bytes(catalogue, tmp_path):
    _, _, source = catalogue
    lines = source.read_text().splitlines(keepends=True)
    random.Random(4).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("".join(lines))
    digests = []
    for name, path in (("a", source), ("b", shuffled)):
        with open_workspace(tmp_path / f"{name}.sqlite", create=True) as other:
            import_catalogue(other, path, actor="setup")
            _add_coders(other)
            sample_id = sampling.draw(other, "ss_research_study", seed=5, as_of=SS_AS_OF, coders=CODERS)
            stored = sampling.get_sample(other, sample_id)
            digests.append((stored["manifest_sha256"], manifest.canonical(stored["report"]["manifest"])))
    assert digests[0] == digests[1]


def test_verify_identical_then_catalogue_changed(ws, tmp_path):
    sample_id = sampling.draw(ws, "supervisor_dip", seed=1, as_of=AS_OF)
    assert sampling.verify(ws, sample_id)["status"] == "identical"
    new = {"clip_id": "BWV900000001", "incident_id": "INC90000001", "recorded_at": "2021-03-05T10:00:00Z",
           "duration_s": 60, "officer_ref": "9999CW", "borough": "Westminster", "media_path": "x.mp4",
           "sources": ["stop_search"], "retention_until": "2021-06-01"}  # fmt: skip
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps(new) + "\n")
    import_catalogue(ws, extra, actor="setup")
    result = sampling.verify(ws, sample_id)
    assert (
        result["status"] == "catalogue_changed"
        and "the catalogue changed since the draw" in result["message"]
    )
    assert result["frame_now"]["size"] == result["frame_then"]["size"] + 1
    assert audit.recent(ws.conn, 1, "sample")[0]["action"] == "sample.verify"


def test_verify_detects_rows_altered_outside_bwvtool(ws):
    sample_id = sampling.draw(ws, "supervisor_dip", seed=1, as_of=AS_OF)
    dialect.drop_trigger(ws.conn, "sample_items_no_update", "sample_items")
    ws.conn.execute("UPDATE sample_items SET design_weight = 1.0 WHERE sample_id = ?", (sample_id,))
    result = sampling.verify(ws, sample_id)
    assert result["status"] == "altered" and "stored items do not match" in result["message"]


def test_samples_are_immutable(ws):
    sample_id = sampling.draw(ws, "supervisor_dip", seed=1, as_of=AS_OF)
    for sql in (
        "UPDATE samples SET seed = 2 WHERE id = ?",
        "DELETE FROM samples WHERE id = ?",
        "UPDATE sample_items SET inclusion_prob = 1 WHERE sample_id = ?",
        "DELETE FROM sample_items WHERE sample_id = ?",
        "DELETE FROM sample_strata WHERE sample_id = ?",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="immutable"):
            ws.conn.execute(sql, (sample_id,))
    assert sampling.verify(ws, sample_id)["status"] == "identical"


# -- exclusions --------------------------------------------------------------------------------------------------------

WINDOWED = """\
name: {name}
unit: clip
frame:
  window: {{from: "2021-02-01", to: "2021-02-14"}}
  where: {{field: sources, op: contains_any, value: [stop_search]}}
  exclude: {{sampled_within_days: 10{scope}}}
design:
  sample: {{method: simple, n: 40}}
"""


def test_sampled_within_days_counts_back_from_the_draw_date(ws):
    plan = WINDOWED.format(name="dip", scope="")
    first_id, first = _draw(ws, plan, as_of=date(2021, 4, 1))
    taken = {i["clip_id"] for i in first["items"]}
    _, inside = _draw(ws, plan, as_of=date(2021, 4, 11))  # 10 days later: still excluded
    assert inside["exclusions"]["excluded_units"]["sampled"] == 40
    assert not taken & {i["clip_id"] for i in inside["items"]}
    assert inside["frame"]["size"] == first["frame"]["size"] - 40
    _, outside = _draw(ws, plan, as_of=date(2021, 4, 22))  # 11 days after the second: neither excluded
    assert outside["exclusions"]["excluded_units"]["sampled"] == 0
    other_plan = WINDOWED.format(name="other", scope="")
    _, other = _draw(ws, other_plan, as_of=date(2021, 4, 11))  # another plan's samples do not count …
    assert other["exclusions"]["excluded_units"]["sampled"] == 0
    _, anyone = _draw(
        ws, WINDOWED.format(name="other", scope=", sampled_scope: any_plan"), as_of=date(2021, 4, 11)
    )
    within = {i["clip_id"] for m in (first, inside, other) for i in m["items"]}  # drawn 04-01 to 04-11
    assert anyone["exclusions"]["excluded_units"]["sampled"] == len(within)  # … unless asked
    assert sampling.verify(ws, first_id)["status"] == "identical"  # later samples do not disturb a redraw


class _Noting:
    """A connection that notes each statement it runs, with its parameters."""

    def __init__(self, conn):
        self.conn, self.statements = conn, []

    def execute(self, sql, params=()):
        self.statements.append((sql, list(params)))
        return self.conn.execute(sql, params)


def test_earlier_samples_are_looked_up_through_an_index_not_by_reading_every_report(ws):
    """Exclusions of earlier samples and carry-over find samples by plan name and draw date through the indexes of
    migration 0018 (a report holds the whole manifest: parsing every one made each draw and preview slower with
    every sample stored). The indexes are on the expressions the queries write, on both engines."""
    _draw(ws, WINDOWED.format(name="dip", scope=""), as_of=date(2021, 4, 1))
    noting = _Noting(ws.conn)
    assert len(samples_store.sampled_between(noting, "2021-03-22", "2021-04-01", plan_name="dip")) == 40
    assert len(samples_store.sampled_between(noting, "2021-03-22", "2021-04-01")) == 40
    assert samples_store.left_out_by_previous(noting, "dip", "2021-04-11") == []
    for sql, params in noting.statements:
        if dialect.is_postgres(ws.conn):  # a table this small is scanned unless told otherwise
            ws.conn.execute("BEGIN")
            ws.conn.execute("SET LOCAL enable_seqscan = off")
            plan = " ".join(str(row[0]) for row in ws.conn.execute("EXPLAIN " + sql, params))
            ws.conn.execute("ROLLBACK")
        else:
            plan = " ".join(str(row[-1]) for row in ws.conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "samples_plan_as_of" in plan or "samples_as_of" in plan, (sql, plan)


def test_reviewed_within_days_and_named_lists(ws, tmp_path):
    first = sampling.draw(ws, WINDOWED.format(name="a", scope=""), seed=1, as_of=date(2021, 4, 1))
    clips = [i["clip_id"] for i in sampling.sample_items(ws, first)]
    # Test set-up straight into the tables: a codebook and a coder for two clip reviews, one inside the window.
    ws.conn.execute(
        "INSERT INTO codebooks (key, version, title, body, sha256, imported_at) VALUES ('t', 1, 't', '{}', 'x', 'now')"
    )
    with ws.transaction("setup") as tx:
        coder = ws.coder_id(tx, "reviewer")
    for clip_id, created in ((clips[0], "2021-04-05T10:00:00.000Z"), (clips[1], "2021-03-01T10:00:00.000Z")):
        ws.conn.execute(
            "INSERT INTO clip_reviews (clip_id, coder_id, codebook_id, created_at, updated_at)"
            " VALUES (?, ?, (SELECT id FROM codebooks WHERE key = 't'), ?, ?)",
            (clip_id, coder, created, created),
        )
    (tmp_path / "holds.txt").write_text(f"# on hold\n{clips[2]}\n\n{clips[3]}  # complaint\n")
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(
        WINDOWED.format(name="b", scope="").replace(
            "exclude: {sampled_within_days: 10}", "exclude: {reviewed_within_days: 14, lists: [holds]}"
        )
        + "lists:\n  holds: {path: holds.txt}\n"
    )
    _, m = _draw(ws, sampling.load_plan(plan_file), as_of=date(2021, 4, 10))
    assert m["exclusions"]["excluded_units"] == {"list": 2, "sampled": 0, "reviewed": 1}
    assert m["lists"]["holds"]["count"] == 2
    assert not {clips[0], clips[2], clips[3]} & {i["clip_id"] for i in m["items"]}


def test_impossible_allocation_stores_nothing(ws):
    plan = (
        "name: too many\nunit: clip\nframe:\n  window: {relative: previous_week}\ndesign:\n  sample:\n"
        "    method: stratified\n    n: 10\n    strata: [borough]\n    allocation: minimum\n    per_stratum: 5\n"
    )
    with pytest.raises(
        sampling.PlanError, match=r"line 11: design.sample.per_stratum: minimum 5 per stratum"
    ):
        sampling.draw(ws, plan, seed=1, as_of=AS_OF)
    assert sampling.list_samples(ws) == []


def test_preview_matches_the_draw_and_uses_the_cache(ws):
    cache = sampling.ColumnCache()
    preview = sampling.preview(ws, "ss_research_study", SS_AS_OF, cache=cache)
    again = sampling.preview(ws, "ss_research_study", SS_AS_OF, cache=cache)
    assert again["strata"] == preview["strata"] and cache.columns(ws, [], None) is not None
    _, m = _draw(ws, "ss_research_study", as_of=SS_AS_OF)
    assert preview["expected_units"] == m["units"] and preview["strata"] == m["strata"]
    assert preview["frame_size"] == m["frame"]["size"]
    assert sampling.list_samples(ws)[0]["units"] == 500


CENSUS_ONLY = """\
name: weekly
unit: clip
frame:
  window: {{from: "{start}", to: "{end}"}}
  where: {frame}
  exclude: {{sampled_within_days: 28}}
design:
  capacity: {capacity}
  census:
    - {{name: stop_search, where: {where}}}
"""
STOP_SEARCH = "{field: sources, op: contains_any, value: [stop_search]}"


def test_a_preview_expecting_nothing_says_why(ws):
    """An expected sample of 0 comes with its reason, from the preview's own figures."""
    plan = {
        "start": "2021-02-01",
        "end": "2021-02-03",
        "capacity": 1000,
        "frame": STOP_SEARCH,
        "where": STOP_SEARCH,
    }

    def preview(as_of=date(2021, 4, 1), **changes):
        return sampling.preview(ws, CENSUS_ONLY.format(**(plan | changes)), as_of=as_of)

    def why(**changes):
        report = preview(**changes)
        return report["expected_units"], sampling.why_nothing_expected(report)

    first = preview()
    size = first["frame_size"]
    assert first["expected_units"] == size > 0 and sampling.why_nothing_expected(first) is None
    assert why(start="2001-01-01", end="2001-01-08") == (0, "no clips were recorded in the window")
    nothing = f"{{all: [{STOP_SEARCH}, {{not: {STOP_SEARCH}}}]}}"
    assert why(frame=nothing) == (0, "no clip in the window meets the plan's frame conditions")
    assert why(where=nothing) == (0, f"none of the {size} clips in the frame matches a census rule")
    sampling.draw(ws, CENSUS_ONLY.format(**plan), seed=1, as_of=date(2021, 4, 1))
    assert why(as_of=date(2021, 4, 8)) == (
        0, f"all {size} clips in the window are excluded ({size} drawn by earlier samples)",
    )  # fmt: skip
