"""What the JSON Schema cannot say about a plan: vocabulary values, cross-references, combinations, sizes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bwvtool.sampling import fields, window

if TYPE_CHECKING:
    from bwvtool.sampling.plan import Plan


def check_plan(plan: Plan) -> None:
    """Raise the plan's first problem as a :class:`~bwvtool.sampling.plan.PlanError`."""
    data = plan.data
    if plan.unit == "clip" and "take" in data:
        raise plan.error("/take", "'take' is only for unit: incident (a clip plan takes the clip)")
    lists = data.get("lists", {})
    for pointer, rule in iter_rules(plan):
        _check_test(plan, pointer, rule, lists)
    _check_frame(plan, lists)
    _check_design(plan)
    _check_assignment(plan)


def iter_rules(plan: Plan) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field test in the plan, with its JSON pointer."""
    roots: list[tuple[str, Any]] = [("/frame/where", plan.frame.get("where"))]
    roots += [(f"/design/census/{i}/where", c["where"]) for i, c in enumerate(plan.design.get("census", []))]
    sample = plan.sample or {}
    roots += [
        (f"/design/sample/oversample/{i}/where", o["where"])
        for i, o in enumerate(sample.get("oversample", []))
    ]
    for pointer, rule in roots:
        if rule is not None:
            yield from _walk(pointer, rule)


def _walk(pointer: str, rule: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for combinator in ("all", "any"):
        if combinator in rule:
            for i, sub in enumerate(rule[combinator]):
                yield from _walk(f"{pointer}/{combinator}/{i}", sub)
            return
    if "not" in rule:
        yield from _walk(f"{pointer}/not", rule["not"])
        return
    yield pointer, rule


def _check_test(plan: Plan, pointer: str, rule: dict[str, Any], lists: dict[str, Any]) -> None:
    spec = fields.field(rule["field"])
    op, value = rule["op"], rule.get("value")
    if op == "in_list":
        if value not in lists:
            raise plan.error(f"{pointer}/value", f"no list called {value!r} under 'lists'")
        return
    if op == "equals":
        wants_number = spec.kind == fields.NUMBER
        if wants_number != (isinstance(value, int | float) and not isinstance(value, bool)):
            kind = "a number" if wants_number else "text"
            raise plan.error(f"{pointer}/value", f"{rule['field']} equals needs {kind}, not {value!r}")
    if op == "range" and value.get("min", float("-inf")) > value.get("max", float("inf")):
        raise plan.error(f"{pointer}/value", f"range min {value['min']} is above max {value['max']}")
    if spec.vocabulary is not None and op in ("equals", "in", "contains_any", "contains_all", "only"):
        values = value if isinstance(value, list) else [value]
        for i, item in enumerate(values):
            if item not in spec.vocabulary:
                where = f"{pointer}/value/{i}" if isinstance(value, list) else f"{pointer}/value"
                raise plan.error(
                    where,
                    f"{item!r} is not a known {rule['field']} value (known: {', '.join(spec.vocabulary)})",
                )


def _check_frame(plan: Plan, lists: dict[str, Any]) -> None:
    spec = plan.frame.get("window")
    if spec:
        relative = spec.get("relative")
        if relative and ("from" in spec or "to" in spec):
            raise plan.error("/frame/window", "give either 'relative' or 'from'/'to', not both")
        if relative == "last_days" and "days" not in spec:
            raise plan.error("/frame/window", "relative: last_days needs 'days'")
        if "days" in spec and relative != "last_days":
            raise plan.error("/frame/window/days", "'days' is only for relative: last_days")
        if not relative:
            for key in ("from", "to"):
                if key not in spec:
                    raise plan.error("/frame/window", f"an absolute window needs '{key}' (or use 'relative')")
            bounds = {}
            for key in ("from", "to"):
                try:
                    bounds[key] = window.parse_bound(spec[key], end=key == "to")
                except ValueError as exc:
                    raise plan.error(
                        f"/frame/window/{key}", f"{spec[key]!r} is not a date or time: {exc}"
                    ) from exc
            if bounds["from"] >= bounds["to"]:
                raise plan.error("/frame/window", "'from' is not before 'to'")
    exclude = plan.frame.get("exclude", {})
    if "sampled_scope" in exclude and "sampled_within_days" not in exclude:
        raise plan.error("/frame/exclude/sampled_scope", "'sampled_scope' needs 'sampled_within_days'")
    for i, name in enumerate(exclude.get("lists", [])):
        if name not in lists:
            raise plan.error(f"/frame/exclude/lists/{i}", f"no list called {name!r} under 'lists'")


def _check_design(plan: Plan) -> None:
    design = plan.design
    census, sample = design.get("census", []), plan.sample
    if not census and not sample:
        raise plan.error("/design", "give census rules, a sample, or both")
    _unique_names(plan, "/design/census", census)
    if design.get("carry_over") and "capacity" not in design:
        raise plan.error(
            "/design/carry_over", "carry_over needs a design.capacity (units are left out only by it)"
        )
    if any(c["name"] == "carried_over" for c in census) and design.get("carry_over"):
        raise plan.error("/design/census", "the census rule name 'carried_over' is kept for carried units")
    if sample is None:
        return
    method, allocation = sample["method"], sample.get("allocation")
    capacity, n = design.get("capacity"), sample.get("n")
    if method == "simple":
        for key in ("strata", "allocation", "per_stratum"):
            if key in sample:
                raise plan.error(f"/design/sample/{key}", f"'{key}' is only for method: stratified")
    elif "strata" not in sample:
        raise plan.error("/design/sample", "method: stratified needs 'strata' (the fields to stratify by)")
    if allocation in ("fixed", "minimum") and "per_stratum" not in sample:
        raise plan.error("/design/sample", f"allocation: {allocation} needs 'per_stratum'")
    if "per_stratum" in sample and allocation not in ("fixed", "minimum"):
        raise plan.error(
            "/design/sample/per_stratum", "'per_stratum' is only for allocation fixed or minimum"
        )
    if allocation == "fixed":
        for key in ("n", "redistribute", "oversample"):
            if key in sample:
                raise plan.error(
                    f"/design/sample/{key}",
                    f"'{key}' does not go with allocation: fixed (per_stratum sets every stratum's size)",
                )
        return
    if n is None and capacity is None:
        raise plan.error("/design/sample", "give 'n', or a design.capacity for the sample to fill")
    if n is not None and capacity is not None and n > capacity:
        raise plan.error("/design/sample/n", f"n {n} is more than design.capacity {capacity}")
    oversample = sample.get("oversample", [])
    _unique_names(plan, "/design/sample/oversample", oversample)
    budget = n if n is not None else capacity
    if oversample and sum(o["min"] for o in oversample) > budget:
        raise plan.error(
            "/design/sample/oversample",
            f"the oversample minimums add up to {sum(o['min'] for o in oversample)}, more than {budget}",
        )


def _unique_names(plan: Plan, pointer: str, items: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item["name"] in seen:
            raise plan.error(f"{pointer}/{i}/name", f"name {item['name']!r} is used twice")
        seen.add(item["name"])


def _check_assignment(plan: Plan) -> None:
    assignment = plan.assignment
    coders = (assignment or {}).get("coders")
    if coders is not None and assignment.get("double_code", 0) > 0 and len(coders) < 2:  # type: ignore[union-attr]
        raise plan.error("/assignment/double_code", "double coding needs at least two coders")
