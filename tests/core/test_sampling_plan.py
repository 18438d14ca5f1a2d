"""Sampling plans: the built-ins load, the schema and the field registry agree, bad plans name line and field."""

from __future__ import annotations

import json

import pytest

from bwvtool import resources
from bwvtool.sampling import PlanError, builtin_plan_text, builtin_plans, load_plan
from bwvtool.sampling.fields import FIELDS, OPERATORS
from bwvtool.sampling.plan import parse_plan

GOOD = """\
name: test plan
unit: clip
frame:
  window: {from: "2021-01-01", to: "2021-01-31"}
  where:
    all:
      - {field: sources, op: contains_any, value: [stop_search]}
      - not: {field: assault_types, op: only, value: [spitting, biting]}
design:
  sample:
    method: stratified
    n: 20
    strata: [subject_ethnicity]
    allocation: proportional
"""


def test_builtin_plans_load_and_are_listed():
    assert builtin_plans() == ["pioss_weekly", "ss_research_study", "supervisor_dip"]
    for name in builtin_plans():
        plan = load_plan(name)
        assert plan.text == builtin_plan_text(name)
        assert len(plan.sha256) == 64
    assert load_plan("pioss-weekly").name == "PIOSS weekly"
    pioss = load_plan("pioss_weekly")
    assert pioss.unit == "incident" and pioss.design["capacity"] == 200
    assert [c["name"] for c in pioss.design["census"]][:3] == ["op_hampshire", "pava_used", "baton_used"]


def test_schema_and_field_registry_agree():
    schema = resources.load_json("sampling_plan.schema.json")
    test = schema["$defs"]["test"]
    assert set(test["properties"]["field"]["enum"]) == set(FIELDS)
    assert set(test["properties"]["op"]["enum"]) == {op for ops in OPERATORS.values() for op in ops}
    for rule in test["allOf"]:
        condition = rule["if"]["properties"]
        if "field" not in condition:
            continue
        names = condition["field"].get("enum") or [condition["field"]["const"]]
        allowed = set(rule["then"]["properties"]["op"]["enum"])
        for name in names:
            assert set(FIELDS[name].operators) == allowed, name
    strata = set(schema["$defs"]["sample"]["properties"]["strata"]["items"]["enum"])
    assert strata == {n for n, f in FIELDS.items() if f.stratifiable} - {"incident_id", "clip_id"}


def test_plan_from_file_json_and_text(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD)
    assert load_plan(path).label == "p.yaml"
    assert load_plan(str(path)).base_dir == tmp_path
    data = parse_plan(GOOD).data
    as_json = json.dumps(data, indent=2)
    assert load_plan(as_json).data == data
    assert load_plan(json.dumps(data, indent="\t")).data == data  # tab-indented JSON is fine too
    bad = json.dumps({**data, "unit": "clips"}, indent=2)
    with pytest.raises(PlanError, match=r"line 3: unit: 'clips' is not one of: clip, incident"):
        load_plan(bad)
    assert parse_plan(GOOD).data["frame"]["window"]["from"] == "2021-01-01"  # dates stay text


def _error(text: str) -> str:
    with pytest.raises(PlanError) as caught:
        parse_plan(text, label="p.yaml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("unit: clip", "unit: clip\ncolour: red", "line 3: colour: unknown field 'colour'"),
        (
            "field: sources",
            "field: source",
            "line 7: frame.where.all[0].field: unknown catalogue field 'source'",
        ),
        (
            "op: contains_any",
            "op: range",
            "line 7: frame.where.all[0].op: operator 'range' does not apply to field 'sources'",
        ),
        ("op: contains_any", "op: contains", "line 7: frame.where.all[0].op: operator 'contains'"),
        (
            "[stop_search]",
            "[stop_serch]",
            "line 7: frame.where.all[0].value[0]: 'stop_serch' is not a known sources value",
        ),
        (
            "allocation: proportional",
            "allocation: proportionl",
            "line 14: design.sample.allocation: 'proportionl' is not one of",
        ),
        ("    n: 20\n", "    n: twenty\n", "line 12: design.sample.n: 'twenty' is not an integer"),
        ("    n: 20\n", "    size: 20\n", "line 12: design.sample.size: unknown field 'size'"),
        ('to: "2021-01-31"', 'to: "2020-01-31"', "line 4: frame.window: 'from' is not before 'to'"),
        ('to: "2021-01-31"', 'to: "2021-02-30"', "line 4: frame.window.to: '2021-02-30' is not a date"),
        (
            "allocation: proportional",
            "allocation: minimum",
            "line 10: design.sample: allocation: minimum needs 'per_stratum'",
        ),
        (
            "method: stratified",
            "method: simple",
            "line 13: design.sample.strata: 'strata' is only for method: stratified",
        ),
        ("unit: clip", "unit: clip\ntake: longest", "line 3: take: 'take' is only for unit: incident"),
        ("unit: clip", "unit: clip\nunit: incident", "line 3: unit: field 'unit' is given twice"),
        ("  where:\n", "  where: [\n", "line 7: not valid YAML or JSON"),
        (
            "    n: 20\n",
            "    n: 20\n    oversample: [{name: esc, where: {field: media, op: present}, min: 30}]\n",
            "line 13: design.sample.oversample: the oversample minimums add up to 30, more than 20",
        ),
        (
            "{field: sources, op: contains_any, value: [stop_search]}",
            "{field: media, op: present, value: 1}",
            "line 7: frame.where.all[0]: 'value' is not allowed here",
        ),
        (
            "{field: sources, op: contains_any, value: [stop_search]}",
            "{field: officer_ref, op: in_list, value: team}",
            "line 7: frame.where.all[0].value: no list called 'team'",
        ),
        (
            "{field: sources, op: contains_any, value: [stop_search]}",
            "{field: duration_s, op: range, value: {min: 9, max: 1}}",
            "line 7: frame.where.all[0].value: range min 9 is above max 1",
        ),
    ],
)
def test_bad_plans_name_line_and_field(old, new, expected):
    assert old in GOOD
    message = _error(GOOD.replace(old, new, 1))
    assert message.startswith("plan p.yaml "), message
    assert expected in message, message


def test_design_level_problems():
    census_only = "name: x\nunit: incident\ndesign:\n  capacity: 5\n"
    assert "design: give census rules, a sample, or both" in _error(census_only)
    over_capacity = "name: x\nunit: clip\ndesign:\n  capacity: 5\n  sample: {method: simple, n: 6}\n"
    assert "line 5: design.sample.n: n 6 is more than design.capacity 5" in _error(over_capacity)
    no_n = "name: x\nunit: clip\ndesign:\n  sample: {method: simple}\n"
    assert "give 'n', or a design.capacity" in _error(no_n)
    fixed_n = "name: x\nunit: clip\ndesign:\n  sample: {method: stratified, strata: [borough], allocation: fixed, per_stratum: 2, n: 4}\n"
    assert "design.sample.n: 'n' does not go with allocation: fixed" in _error(fixed_n)
    one_coder = "name: x\nunit: clip\ndesign:\n  sample: {method: simple, n: 3}\nassignment: {coders: [a], double_code: 0.2}\n"
    assert "line 5: assignment.double_code: double coding needs at least two coders" in _error(one_coder)
    twice = "name: x\nunit: clip\ndesign:\n  census:\n    - {name: a, where: {field: media, op: present}}\n    - {name: a, where: {field: media, op: missing}}\n"
    assert "line 6: design.census[1].name: name 'a' is used twice" in _error(twice)


def test_unknown_plan_name_lists_the_builtins():
    with pytest.raises(PlanError, match="built-in plans: pioss_weekly, ss_research_study, supervisor_dip"):
        load_plan("no_such_plan")
    with pytest.raises(PlanError, match="is empty"):
        parse_plan("# nothing\n")
    with pytest.raises(PlanError, match="a plan is a mapping"):
        parse_plan("- a\n- b\n")
