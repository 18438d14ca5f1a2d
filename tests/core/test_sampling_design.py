"""The sampling engine on numpy columns, without a workspace: rules, windows, allocation, selection, assignment."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime

import numpy as np
import pytest
from scipy import stats

from bwvtool.catalogue import vocab
from bwvtool.sampling import PlanError, allocation, columns, engine, rules, select, window
from bwvtool.sampling.frame import Exclusions
from bwvtool.sampling.inputs import Inputs
from bwvtool.sampling.plan import parse_plan

T0 = int(datetime(2021, 3, 1, tzinfo=UTC).timestamp())  # a Monday


def clip(clip_id, incident_id=None, *, ts=T0, duration=60.0, sources=(), uof=(), assault=(), **fields):
    return {
        "clip_id": clip_id,
        "incident_id": incident_id or f"I-{clip_id}",
        "recorded_ts": ts,
        "duration_s": duration,
        "sources": vocab.mask_of(sources, vocab.SOURCES),
        "uof_tactics": vocab.mask_of(uof, vocab.UOF_TACTICS),
        "assault_types": vocab.mask_of(assault, vocab.ASSAULT_TYPES),
        "media": fields.pop("media", 1),
        "retention_until": fields.pop("retention_until", None),
        **fields,
    }


def build(rows, extra=("subject_ethnicity", "ss_outcome", "officer_ref", "borough", "duration_s")):
    names = ["clip_id", "incident_id", "recorded_ts", "duration_s", "sources", "uof_tactics", "assault_types",
             "media", "retention_until", *[e for e in extra if e != "duration_s"]]  # fmt: skip
    return columns.build({n: [r.get(n) for r in rows] for n in names})


def plan_of(body: dict):
    return parse_plan(json.dumps({"name": "t", **body}, indent=1))


def run(plan, cols, seed=1, as_of=date(2021, 3, 10), exclusions=None, lists=None):
    spec = plan.frame.get("window")
    inputs = Inputs(as_of, window.resolve(spec, as_of), lists or {}, exclusions or Exclusions())
    return engine.compute(plan, cols, inputs, seed)


# -- allocation ------------------------------------------------------------------------------------------------


def test_largest_remainder_is_exact_and_breaks_ties_by_size_then_order():
    assert allocation.largest_remainder(4, [3, 3, 3]) == [2, 1, 1]
    assert allocation.largest_remainder(2, [1, 2, 1]) == [1, 1, 0]  # remainders 2, 0, 2: the first of the tie
    assert allocation.largest_remainder(3, [5, 5, 10]) == [1, 1, 1]
    assert sum(allocation.largest_remainder(500, [37, 1, 999, 12, 0])) == 500
    assert allocation.largest_remainder(1, [2, 3, 3]) == [
        0,
        1,
        0,
    ]  # equal remainders: larger stratum, then first
    assert allocation.largest_remainder(5, [0, 0]) == [0, 0]


def test_allocation_methods_cap_and_report_shortfalls():
    pops = [10, 5, 0, 1, 100]
    equal = allocation.allocate(pops, 20, "equal")
    assert (
        equal.target == [5, 5, 0, 5, 5]
        and equal.allocated == [7, 5, 0, 1, 7]
        and equal.shortfall == [0, 0, 0, 4, 0]
    )
    no_redistribution = allocation.allocate(pops, 20, "equal", redistribute=False)
    assert no_redistribution.allocated == [5, 5, 0, 1, 5]
    proportional = allocation.allocate(pops, 20, "proportional")
    assert proportional.total == 20 and all(a <= p for a, p in zip(proportional.allocated, pops, strict=True))
    fixed = allocation.allocate(pops, 0, "fixed", per_stratum=3)
    assert fixed.allocated == [3, 3, 0, 1, 3] and fixed.shortfall == [0, 0, 3, 2, 0]
    minimum = allocation.allocate(pops, 20, "minimum", per_stratum=3)
    assert minimum.total == 20 and minimum.allocated[1] >= 3 and minimum.allocated[3] == 1
    with pytest.raises(allocation.AllocationError, match="needs 10 units"):
        allocation.allocate(pops, 9, "minimum", per_stratum=3)
    everything = allocation.allocate([3, 4], 50, "proportional")
    assert everything.allocated == [3, 4]


# -- rules and windows --------------------------------------------------------------------------------------------


def test_rule_operators_on_masks_and_codes():
    rows = [
        clip("a", sources=["op_hampshire"], assault=["spitting"], subject_ethnicity="black", duration=10),
        clip(
            "b",
            sources=["op_hampshire"],
            assault=["spitting", "punching"],
            subject_ethnicity="white",
            duration=50,
        ),
        clip("c", sources=["op_hampshire", "dcb"], assault=[], subject_ethnicity=None, duration=100),
        clip("d", sources=["stop_search"], uof=["Baton used"], officer_ref="PC1", media=0),
    ]
    cols = build(rows)
    ctx = rules.Context(date(2021, 3, 10), {"team": frozenset({"PC1", "PC9"})})

    def ids(rule):
        return [r["clip_id"] for r, hit in zip(rows, rules.evaluate(rule, cols, ctx), strict=True) if hit]

    pioss = {"all": [{"field": "sources", "op": "contains_any", "value": ["op_hampshire"]},
                     {"not": {"field": "assault_types", "op": "only", "value": ["spitting", "biting"]}}]}  # fmt: skip
    assert ids(pioss) == ["b", "c"]  # c has no assault type: not "spitting only"
    assert ids({"field": "sources", "op": "contains_all", "value": ["op_hampshire", "dcb"]}) == ["c"]
    assert ids({"field": "assault_types", "op": "missing"}) == ["c", "d"]
    assert ids({"field": "subject_ethnicity", "op": "in", "value": ["black", "asian"]}) == ["a"]
    assert ids({"field": "subject_ethnicity", "op": "missing"}) == ["c", "d"]
    assert ids({"field": "duration_s", "op": "range", "value": {"min": 10, "max": 50}}) == ["a", "b"]
    assert ids({"field": "officer_ref", "op": "in_list", "value": "team"}) == ["d"]
    assert ids({"field": "media", "op": "missing"}) == ["d"]
    assert ids(
        {
            "any": [
                {"field": "uof_tactics", "op": "present"},
                {"field": "subject_ethnicity", "op": "equals", "value": "white"},
            ]
        }
    ) == ["b", "d"]


def test_retention_not_passed_counts_from_the_draw_date():
    day = 86_400
    rows = [
        clip("kept", retention_until=T0 + 20 * day),
        clip("gone", retention_until=T0 + 5 * day),
        clip("default-kept", ts=T0 - 10 * day),  # no date: 31 days after recording
        clip("default-gone", ts=T0 - 40 * day),
    ]
    cols = build(rows)
    hit = rules.evaluate(
        {"field": "retention_until", "op": "not_passed"}, cols, rules.Context(date(2021, 3, 10))
    )
    assert hit.tolist() == [True, False, True, False]
    margin = {"field": "retention_until", "op": "not_passed", "value": {"margin_days": 14}}
    assert rules.evaluate(margin, cols, rules.Context(date(2021, 3, 10))).tolist() == [
        False,
        False,
        False,
        False,
    ]


def test_windows_relative_to_the_draw_date():
    wednesday = date(2021, 3, 10)
    week = window.resolve({"relative": "previous_week"}, wednesday)
    assert week.as_dict() == {"from": "2021-03-01T00:00:00.000Z", "to_exclusive": "2021-03-08T00:00:00.000Z"}
    assert window.resolve({"relative": "previous_week"}, date(2021, 3, 8)).start == week.start  # Monday: same
    assert (
        window.resolve({"relative": "previous_week"}, date(2021, 3, 7)).start.day == 22
    )  # Sunday: week before
    month = window.resolve({"relative": "previous_month"}, date(2021, 3, 1))
    assert (month.start.month, month.end.month) == (2, 3)
    last = window.resolve({"relative": "last_days", "days": 28}, wednesday)
    assert (last.end - last.start).days == 28 and last.end.day == 10
    absolute = window.resolve({"from": "2021-01-01", "to": "2021-01-31"}, wednesday)
    assert absolute.end == datetime(2021, 2, 1, tzinfo=UTC)  # a date "to" includes that day
    timed = window.resolve({"from": "2021-01-01T06:00:00Z", "to": "2021-01-01T18:00:00+01:00"}, wednesday)
    assert timed.end == datetime(2021, 1, 1, 17, tzinfo=UTC)


# -- the design ----------------------------------------------------------------------------------------------------


def test_incident_units_census_order_and_lead_clip():
    rows = [
        clip(
            "c1",
            "I1",
            ts=T0 + 5,
            sources=["op_hampshire"],
            assault=["punching"],
            subject_ethnicity="white",
            duration=30,
        ),
        clip("c2", "I1", ts=T0 + 1, uof=["Baton used"], subject_ethnicity="black", duration=90),
        clip("c3", "I2", ts=T0, uof=["Baton used"], duration=90),
        clip("c4", "I2", ts=T0, duration=90),  # same length as c3: longest picks the lower clip id
        clip("c5", "I3", ts=T0, sources=["dcb"]),
        clip("c6", "I4", ts=T0 + 99_999_999),  # outside the window
    ]
    census = [
        {
            "name": "op_hampshire",
            "where": {"field": "sources", "op": "contains_any", "value": ["op_hampshire"]},
        },
        {"name": "baton", "where": {"field": "uof_tactics", "op": "contains_any", "value": ["Baton used"]}},
        {"name": "dcb", "where": {"field": "sources", "op": "contains_any", "value": ["dcb"]}},
    ]
    plan = plan_of({"unit": "incident", "take": "longest", "frame": {"window": {"relative": "previous_week"}},
                    "design": {"census": census}})  # fmt: skip
    result = run(plan, build(rows))
    m = result.manifest
    assert m["frame"]["size"] == 3 and [c["matched"] for c in m["census"]] == [1, 1, 1]
    assert [(i["unit_id"], i["clip_id"], i["selection"]) for i in m["items"]] == [
        ("I1", "c2", "census:op_hampshire"),  # I1 counts under its first rule; its longest clip is c2
        ("I2", "c3", "census:baton"),  # tie on length: lowest clip id
        ("I3", "c5", "census:dcb"),
    ]
    assert all(i["inclusion_prob"] == 1.0 and i["design_weight"] == 1.0 for i in m["items"])
    assert result.layout.frame.lead.tolist() == [1, 2, 4]  # I1's earliest clip is c2


def test_each_incident_is_led_by_its_earliest_clip_and_the_lowest_clip_id_on_a_tie():
    """The lead clip (it decides an incident's stratum: INCIDENT_DEFINITION), over many incidents whose clips
    share recording times, rows shuffled: the earliest eligible clip, the lowest clip id among equally early ones."""
    rng = random.Random(5)
    rows = [clip(f"c{i:03d}", f"I{rng.randrange(40):02d}", ts=T0 + rng.randrange(3)) for i in range(400)]
    rng.shuffle(rows)
    cols = build(rows)
    plan = plan_of({"unit": "incident", "take": "all", "design": {"census": [
        {"name": "any", "where": {"field": "media", "op": "present"}}]}})  # fmt: skip
    frame = run(plan, cols).layout.frame
    found: dict[str, list] = {}
    for row, r in enumerate(rows):
        found.setdefault(r["incident_id"], []).append((r["recorded_ts"], r["clip_id"], row))
    expected = {incident: min(clips)[2] for incident, clips in found.items()}
    assert frame.unit_ids.tolist() == sorted(expected)
    assert frame.lead.tolist() == [expected[i] for i in sorted(expected)]


def test_census_beyond_capacity_is_truncated_in_priority_order():
    rows = [clip(f"a{i}", sources=["op_hampshire"]) for i in range(6)]
    rows += [clip(f"b{i}", sources=["dcb"]) for i in range(4)]
    rows += [clip(f"c{i}", sources=["self_referral"]) for i in range(3)]
    census = [
        {"name": "oph", "where": {"field": "sources", "op": "contains_any", "value": ["op_hampshire"]}},
        {"name": "dcb", "where": {"field": "sources", "op": "contains_any", "value": ["dcb"]}},
        {"name": "self", "where": {"field": "sources", "op": "contains_any", "value": ["self_referral"]}},
    ]
    plan = plan_of({"unit": "clip", "design": {"capacity": 8, "census": census,
                                                "sample": {"method": "simple", "n": 5}}})  # fmt: skip
    result = run(plan, build(rows), seed=5)
    m = result.manifest
    assert [(c["matched"], c["taken"], c["dropped"]) for c in m["census"]] == [
        (6, 6, 0),
        (4, 2, 2),
        (3, 0, 3),
    ]
    assert m["units"] == 8 and m["sample"]["n"] == 0
    dcb = [i for i in m["items"] if i["selection"] == "census:dcb"]
    assert len(dcb) == 2 and all(i["inclusion_prob"] == 0.5 and i["design_weight"] == 2.0 for i in dcb)
    assert any("more than the capacity 8" in w for w in result.layout.warnings)


def test_capacity_left_after_census_limits_the_sample():
    rows = [clip(f"a{i}", sources=["op_hampshire"]) for i in range(3)] + [
        clip(f"r{i:02d}") for i in range(40)
    ]
    plan = plan_of({"unit": "clip", "design": {"capacity": 10, "census": [
        {"name": "oph", "where": {"field": "sources", "op": "contains_any", "value": ["op_hampshire"]}}],
        "sample": {"method": "simple"}}})  # fmt: skip
    m = run(plan, build(rows)).manifest
    assert m["units"] == 10 and m["sample"]["n"] == 7
    sampled = [i for i in m["items"] if i["selection"] == "sample"]
    assert all(i["inclusion_prob"] == 7 / 40 and i["design_weight"] == 40 / 7 for i in sampled)


def test_strata_list_empty_cells_and_report_shortfalls():
    rows = [clip(f"b{i}", subject_ethnicity="black", ss_outcome="nfa") for i in range(30)]
    rows += [clip(f"w{i}", subject_ethnicity="white", ss_outcome="arrest") for i in range(2)]
    rows += [clip(f"m{i}", subject_ethnicity=None, ss_outcome="nfa") for i in range(8)]
    plan = plan_of({"unit": "clip", "design": {"sample": {
        "method": "stratified", "n": 12, "strata": ["subject_ethnicity", "ss_outcome"], "allocation": "equal"}}})  # fmt: skip
    result = run(plan, build(rows))
    m = result.manifest
    strata = {s["stratum"]: s for s in m["strata"]}
    # the whole vocabulary, plus (missing) for ethnicity
    assert len(strata) == (len(vocab.ETHNICITIES) + 1) * len(vocab.SS_OUTCOMES)
    assert strata["asian|nfa"]["population"] == 0 and strata["asian|nfa"]["allocated"] == 0
    assert strata["white|arrest"] == {
        **strata["white|arrest"],
        "population": 2,
        "target": 4,
        "allocated": 2,
        "shortfall": 2,
    }
    assert (
        strata["black|nfa"]["allocated"] + strata["(missing)|nfa"]["allocated"] == 10
    )  # the 2 short, re-spread
    assert m["units"] == 12 and any("fewer units than their allocation" in w for w in result.layout.warnings)
    for item in m["items"]:
        s = strata[item["stratum"]]
        assert item["inclusion_prob"] == s["allocated"] / s["population"]


def test_impossible_minimum_allocation_names_the_field():
    rows = [clip(f"c{i}", borough=f"B{i % 5}") for i in range(50)]
    plan = plan_of({"unit": "clip", "design": {"sample": {
        "method": "stratified", "n": 8, "strata": ["borough"], "allocation": "minimum", "per_stratum": 2}}})  # fmt: skip
    with pytest.raises(
        PlanError, match=r"design.sample.per_stratum: minimum 2 per stratum needs 10 units .* n = 8"
    ):
        run(plan, build(rows))


def test_oversampling_raises_a_domain_to_its_minimum():
    rows = [clip(f"e{i:02d}", uof=["Unarmed skills"], subject_ethnicity="black") for i in range(20)]
    rows += [
        clip(f"r{i:03d}", subject_ethnicity=random.Random(i).choice(["black", "white"])) for i in range(180)
    ]
    over = [{"name": "escalated", "where": {"field": "uof_tactics", "op": "present"}, "min": 15}]
    plan = plan_of({"unit": "clip", "design": {"sample": {"method": "stratified", "n": 40,
                    "strata": ["subject_ethnicity"], "oversample": over}}})  # fmt: skip
    m = run(plan, build(rows)).manifest
    assert m["domains"][0] == {"domain": "escalated", "population": 20, "proportional": 4, "minimum": 15,
                               "allocated": 15, "shortfall": 0}  # fmt: skip
    assert m["domains"][1]["allocated"] == 25
    escalated = [i for i in m["items"] if i["stratum"].startswith("escalated:")]
    assert len(escalated) == 15 and all(i["inclusion_prob"] == 15 / 20 for i in escalated)


def test_exclusions_by_list_sampled_and_reviewed():
    rows = [clip(f"c{i}", f"I{i // 2}") for i in range(10)]
    exclusions = Exclusions(listed=frozenset({"c0", "I3"}), sampled_clips=frozenset({"c4"}),
                            sampled_incidents=frozenset({"I2"}), reviewed_clips=frozenset({"c9"}),
                            reviewed_incidents=frozenset({"I4"}))  # fmt: skip
    clip_plan = plan_of({"unit": "clip", "design": {"sample": {"method": "simple", "n": 100}}})
    m = run(clip_plan, build(rows), exclusions=exclusions).manifest
    assert sorted(i["clip_id"] for i in m["items"]) == ["c1", "c2", "c3", "c5", "c8"]
    assert m["exclusions"]["excluded_units"] == {"list": 3, "sampled": 1, "reviewed": 1}
    incident_plan = plan_of({"unit": "incident", "design": {"sample": {"method": "simple", "n": 100}}})
    m = run(incident_plan, build(rows), exclusions=exclusions).manifest
    assert sorted({i["unit_id"] for i in m["items"]}) == ["I1"]
    assert m["exclusions"]["excluded_units"] == {"list": 2, "sampled": 1, "reviewed": 1}


# -- reproducibility and randomness ------------------------------------------------------------------------------


def test_same_seed_same_manifest_bytes_whatever_the_row_order():
    rng = random.Random(3)
    rows = [clip(f"c{i:03d}", f"I{i // 3}", ts=T0 + i, duration=float(rng.randint(5, 500)),
                 subject_ethnicity=rng.choice(["black", "white", "asian"])) for i in range(300)]  # fmt: skip
    plan = plan_of({"unit": "incident", "take": "random", "design": {"sample": {
        "method": "stratified", "n": 30, "strata": ["subject_ethnicity"]}},
        "assignment": {"coders": ["a", "b", "c"], "double_code": 0.2}})  # fmt: skip
    first = run(plan, build(rows), seed=11)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    again = run(plan, build(shuffled), seed=11)
    assert engine.manifest.canonical(first.manifest) == engine.manifest.canonical(again.manifest)
    assert run(plan, build(rows), seed=12).manifest_sha256 != first.manifest_sha256


def test_assignment_balances_duration_and_double_codes_blind():
    rng = random.Random(8)
    rows = [clip(f"c{i:03d}", duration=float(rng.randint(30, 1800))) for i in range(100)]
    plan = plan_of({"unit": "clip", "design": {"sample": {"method": "simple", "n": 50}},
                    "assignment": {"coders": ["ann", "bob", "cat"], "double_code": 0.2}})  # fmt: skip
    result = run(plan, build(rows))
    primary = [a for a in result.assignments if a.role == "primary"]
    reliability = [a for a in result.assignments if a.role == "reliability"]
    assert len(primary) == 50 and len(reliability) == 10
    coder_of = {a.order: a.coder for a in primary}
    assert all(coder_of[a.order] != a.coder for a in reliability)
    load = dict.fromkeys(["ann", "bob", "cat"], 0.0)
    for a in result.assignments:
        load[a.coder] += result.workloads[a.order]
    assert max(load.values()) - min(load.values()) <= max(result.workloads.values())


def _selection_counts(plan, cols, seeds):
    inputs = Inputs(date(2021, 3, 10), None, {}, Exclusions())
    layout = engine.layout_of(plan, cols, inputs)
    counts = np.zeros(cols.size, dtype=np.int64)
    for seed in range(seeds):
        for item in select.select(plan, cols, layout, seed):
            counts[list(item.clip_rows)] += 1
    return layout, counts


def test_simple_random_draws_are_uniform():
    cols = build([clip(f"c{i:02d}") for i in range(40)])
    plan = plan_of({"unit": "clip", "design": {"sample": {"method": "simple", "n": 10}}})
    _, counts = _selection_counts(plan, cols, 1200)
    assert counts.sum() == 12_000
    assert stats.chisquare(counts).pvalue > 0.001


def test_stratified_draws_are_uniform_within_strata():
    rows = [clip(f"a{i:02d}", borough="A") for i in range(12)] + [
        clip(f"b{i:02d}", borough="B") for i in range(30)
    ]
    cols = build(rows)
    plan = plan_of({"unit": "clip", "design": {"sample": {"method": "stratified", "n": 14, "strata": ["borough"],
                                                          "allocation": "equal"}}})  # fmt: skip
    layout, counts = _selection_counts(plan, cols, 1200)
    assert [s.allocated for s in layout.strata] == [7, 7]
    for prefix, allocated in (("a", 7), ("b", 7)):
        within = np.array([counts[i] for i, r in enumerate(rows) if r["clip_id"].startswith(prefix)])
        assert within.sum() == 1200 * allocated
        assert stats.chisquare(within).pvalue > 0.001
