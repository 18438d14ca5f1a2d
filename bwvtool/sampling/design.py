"""The design: census rules (filling the capacity first, in priority order), then strata and their sizes.

Units carried over from the previous sample of the plan (``design.carry_over``) come first of all, as the census
rule ``carried_over``.

Everything here is deterministic — it is what a preview shows. :mod:`bwvtool.sampling.select` then draws the
units at random. Census truncation: when the census rules alone match more units than the capacity, rules are
taken whole in priority order; the rule where the capacity runs out is sampled at random down to what is left
(inclusion probability k/N for its units); later rules get nothing and are reported; no random sample follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bwvtool.sampling import allocation, fields, rules

if TYPE_CHECKING:
    import numpy as np

    from bwvtool.sampling.columns import Columns
    from bwvtool.sampling.frame import Frame
    from bwvtool.sampling.plan import Plan

REST = "rest"
CARRIED = "carried_over"  # the census rule, first of all, of units carried over from the previous sample


@dataclass
class CensusRule:
    name: str
    matched: int  # units whose first matching census rule is this one
    taken: int

    @property
    def dropped(self) -> int:
        return self.matched - self.taken

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.name, "matched": self.matched, "taken": self.taken, "dropped": self.dropped}


@dataclass
class Stratum:
    key: str
    domain: str
    values: list[str]
    population: int
    target: int
    allocated: int
    shortfall: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "stratum": self.key,
            "domain": self.domain,
            "values": self.values,
            "population": self.population,
            "target": self.target,
            "allocated": self.allocated,
            "shortfall": self.shortfall,
        }


@dataclass
class Layout:
    """What a draw of the plan will take, before any random choice: the preview."""

    frame: Frame
    census: list[CensusRule]
    unit_rule: np.ndarray  # per unit: index of its census rule, or -1
    census_taken: int
    capacity: int | None
    sample_method: str | None
    sample_requested: int | None  # n as the plan asks (fixed: the sum of per_stratum over strata)
    sample_n: int  # n after capacity
    domains: list[dict[str, Any]] = field(default_factory=list)
    strata: list[Stratum] = field(default_factory=list)
    unit_stratum: np.ndarray | None = None  # per unit: index into ``strata``, or -1 (census)
    warnings: list[str] = field(default_factory=list)
    unsampled_strata: list[str] = field(default_factory=list)  # non-empty strata allocated n_h = 0
    accepts_unsampled: bool = False  # the plan says allow_unsampled_strata: true

    @property
    def expected_units(self) -> int:
        return self.census_taken + sum(s.allocated for s in self.strata)

    def as_dict(self) -> dict[str, Any]:
        return {
            "frame_size": self.frame.size,
            "candidates": self.frame.candidates,
            "excluded": self.frame.excluded,
            "window": self.frame.window.as_dict() if self.frame.window else None,
            "capacity": self.capacity,
            "census": [c.as_dict() for c in self.census],
            "census_taken": self.census_taken,
            "census_exceeds_capacity": any(c.dropped for c in self.census),
            "sample": {
                "method": self.sample_method,
                "requested": self.sample_requested,
                "n": self.sample_n,
                "allocated": sum(s.allocated for s in self.strata),
            },
            "domains": self.domains,
            "strata": [s.as_dict() for s in self.strata],
            "expected_units": self.expected_units,
            "unsampled_strata": self.unsampled_strata,
            "warnings": self.warnings,
        }

    def unsampled_message(self) -> str:
        """Why a draw with non-empty strata at n_h = 0 stops (or, when the plan accepts it, what it warns)."""
        named = ", ".join(
            f"{s.key} (N={s.population})" for s in self.strata if s.key in set(self.unsampled_strata[:10])
        )
        more = f" and {len(self.unsampled_strata) - 10} more" if len(self.unsampled_strata) > 10 else ""
        return (
            f"the allocation gives n_h = 0 to {len(self.unsampled_strata)} non-empty strata ({named}{more}): their"
            " units can never be drawn and the design weights no longer add up to the frame"
        )


def lay_out(plan: Plan, cols: Columns, frame: Frame, ctx: rules.Context) -> Layout:
    """Census counts, strata and their sizes for ``plan`` on ``frame``.

    :raises PlanError: the allocation is impossible on this frame (minimums or fixed sizes exceed what is allowed).
    """
    import numpy as np

    capacity = plan.design.get("capacity")
    unit_rule = np.full(frame.size, -1, dtype=np.int64)
    census: list[CensusRule] = []
    left = capacity
    matches: list[tuple[str, dict[str, Any] | None]] = [
        (r["name"], r["where"]) for r in plan.design.get("census", [])
    ]
    if frame.carried is not None and frame.carried.any():
        matches.insert(0, (CARRIED, None))
    for index, (name, where) in enumerate(matches):
        hit = frame.carried if where is None else frame.any_per_unit(rules.evaluate(where, cols, ctx))
        first = hit & (unit_rule < 0)
        unit_rule[first] = index
        matched = int(first.sum())
        taken = matched if left is None else min(matched, left)
        census.append(CensusRule(name, matched, taken))
        if left is not None:
            left -= taken
    census_taken = sum(c.taken for c in census)
    layout = Layout(frame, census, unit_rule, census_taken, capacity, None, None, 0)
    if any(c.dropped for c in census):
        layout.warnings.append(_truncation_message(census, capacity))
    sample = plan.sample
    if sample is None:
        return layout
    layout.sample_method = sample["method"]
    if left == 0 and capacity is not None:
        if any(c.dropped for c in census) or sample.get("n"):
            layout.warnings.append("no capacity left for the random sample after the census")
        layout.sample_requested = sample.get("n")
        return layout
    _lay_out_sample(plan, cols, frame, ctx, layout, left)
    return layout


def _truncation_message(census: list[CensusRule], capacity: int | None) -> str:
    need = sum(c.matched for c in census)
    parts = [f"{c.name} {c.taken} of {c.matched}" for c in census]
    return (
        f"census alone matches {need} units, more than the capacity {capacity}: taken in priority order "
        f"({', '.join(parts)}); the rule where the capacity ran out was sampled at random"
    )


def _lay_out_sample(
    plan: Plan, cols: Columns, frame: Frame, ctx: rules.Context, layout: Layout, left: int | None
) -> None:
    import numpy as np

    sample = plan.sample or {}
    method = sample.get("allocation", "proportional") if sample["method"] == "stratified" else "proportional"
    rest = layout.unit_rule < 0
    domain_names = [o["name"] for o in sample.get("oversample", [])]
    unit_domain = np.full(frame.size, len(domain_names), dtype=np.int64)
    for index, over in enumerate(sample.get("oversample", [])):
        hit = frame.any_per_unit(rules.evaluate(over["where"], cols, ctx)) & (
            unit_domain == len(domain_names)
        )
        unit_domain[hit] = index
    domain_names.append(REST)
    labels, unit_cell = _cells(sample.get("strata", []), cols, frame)
    cells = len(labels)
    unit_stratum = np.where(rest, unit_domain * cells + unit_cell, -1)
    populations = np.bincount(unit_stratum[rest], minlength=len(domain_names) * cells).tolist()

    if method == "fixed":
        per = int(sample["per_stratum"])
        requested = sum(min(per, p) for p in populations)
        if left is not None and requested > left:
            raise plan.error(
                "/design/sample/per_stratum",
                f"fixed {per} per stratum needs {requested} units but the capacity leaves {left}",
            )
        n = requested
        domain_sizes = [requested]
    else:
        requested = sample.get("n", left)
        n = requested if left is None else min(requested, left)
        if n < requested:
            layout.warnings.append(
                f"the capacity left after the census reduces the sample from {requested} to {n}"
            )
        domain_sizes = _domain_sizes(plan, layout, populations, cells, n)
    layout.sample_requested, layout.sample_n = requested, n

    strata: list[Stratum] = []
    for d, domain in enumerate(domain_names):
        pops = populations[d * cells : (d + 1) * cells]
        if method == "fixed":
            alloc = allocation.allocate(pops, 0, "fixed", per_stratum=sample["per_stratum"])
        else:
            try:
                alloc = allocation.allocate(
                    pops,
                    domain_sizes[d],
                    method,
                    per_stratum=sample.get("per_stratum"),
                    redistribute=sample.get("redistribute", True),
                )
            except allocation.AllocationError as exc:
                where = f" in domain {domain}" if len(domain_names) > 1 else ""
                raise plan.error("/design/sample/per_stratum", f"{exc}{where}") from exc
        for c, values in enumerate(labels):
            key = _key(domain if len(domain_names) > 1 else None, values)
            strata.append(
                Stratum(key, domain, values, pops[c], alloc.target[c], alloc.allocated[c], alloc.shortfall[c])
            )
    layout.strata, layout.unit_stratum = strata, unit_stratum
    short = n - sum(s.allocated for s in strata)
    if short > 0 and method != "fixed":
        why = "the strata hold no more" if sample.get("redistribute", True) else "redistribute is off"
        layout.warnings.append(f"the sample has {n - short} of the {n} units asked for: {why}")
    if any(s.shortfall for s in strata):
        count = sum(1 for s in strata if s.shortfall)
        layout.warnings.append(f"{count} strata hold fewer units than their allocation (see shortfall)")
    layout.unsampled_strata = [s.key for s in strata if s.population > 0 and s.allocated == 0]
    layout.accepts_unsampled = bool(sample.get("allow_unsampled_strata", False))
    if layout.unsampled_strata:
        accepted = (
            "accepted by the plan (allow_unsampled_strata)" if layout.accepts_unsampled else "a draw stops"
        )
        layout.warnings.append(f"{layout.unsampled_message()}; {accepted}")


def _domain_sizes(plan: Plan, layout: Layout, populations: list[int], cells: int, n: int) -> list[int]:
    """Units per oversample domain (then the rest): proportional, raised to each domain's minimum."""
    oversample = (plan.sample or {}).get("oversample", [])
    pops = [sum(populations[d * cells : (d + 1) * cells]) for d in range(len(oversample) + 1)]
    sizes = allocation.largest_remainder(n, pops)
    for d, over in enumerate(oversample):
        share = sizes[d]
        wanted = max(share, over["min"])
        got = min(wanted, pops[d])
        layout.domains.append(
            {
                "domain": over["name"],
                "population": pops[d],
                "proportional": share,
                "minimum": over["min"],
                "allocated": got,
                "shortfall": max(0, over["min"] - pops[d]),
            }
        )
        if pops[d] < over["min"]:
            layout.warnings.append(
                f"oversample {over['name']}: only {pops[d]} units, below its minimum {over['min']}"
            )
        sizes[d] = got
    if oversample:
        rest_n = n - sum(sizes[:-1])
        if rest_n < 0:
            raise plan.error(
                "/design/sample/oversample",
                f"the oversample minimums need {sum(sizes[:-1])} units but only {n} are to be sampled",
            )
        sizes[-1] = min(rest_n, pops[-1])
        sizes = allocation.fill(sizes, pops, n - sum(sizes), pops)
        for d, entry in enumerate(layout.domains):
            entry["allocated"] = sizes[d]
        layout.domains.append({"domain": REST, "population": pops[-1], "allocated": sizes[-1]})
    return sizes


def _key(domain: str | None, values: list[str]) -> str:
    label = "|".join(values) if values else None
    if domain is None:
        return label or "all"
    return f"{domain}:{label}" if label else domain


def _cells(strata_fields: list[str], cols: Columns, frame: Frame) -> tuple[list[list[str]], np.ndarray]:
    """Every combination of the stratifying fields' categories, and each unit's combination (mixed radix).

    Choice fields list their whole vocabulary (so a category absent this week shows as an empty stratum); text
    fields list the values present in the frame. "(missing)" is added where the frame has empty values.
    """
    import itertools

    import numpy as np

    cell = np.zeros(frame.size, dtype=np.int64)
    per_field: list[list[str]] = []
    for name in strata_fields:
        column = cols.coded[name]
        codes = column.codes[frame.lead]
        present = {column.categories[c] for c in np.unique(codes[codes >= 0]).tolist()}
        vocabulary = fields.field(name).vocabulary or ()
        categories = list(vocabulary) + sorted(present - set(vocabulary))
        if (codes < 0).any():
            categories.append(fields.MISSING_LABEL)
        position = {label: i for i, label in enumerate(categories)}
        lookup = np.array(
            [position.get(fields.MISSING_LABEL, 0)] + [position.get(c, 0) for c in column.categories],
            dtype=np.int64,
        )
        cell = cell * len(categories) + lookup[codes + 1]
        per_field.append(categories)
    labels = [list(combo) for combo in itertools.product(*per_field)]
    return labels, cell
