"""The sample manifest: everything that must come out the same when the same plan, seed, draw date and
catalogue are drawn again — and nothing that changes between runs (no draw time, user, sample id or timings).

It is hashed as canonical JSON (sorted keys, no spaces, UTF-8), so "reproducible" means byte for byte. Warnings
are prose and live in the sample's report instead, so rewording one never breaks the verification of old samples.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any

from bwvtool.store.audit import canonical_json

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bwvtool.sampling.assign import Assignment
    from bwvtool.sampling.columns import Columns
    from bwvtool.sampling.design import Layout
    from bwvtool.sampling.plan import Plan
    from bwvtool.sampling.select import Item

FORMAT = "bwvtool-sample-manifest/1"


def build(
    plan: Plan,
    *,
    seed: int,
    as_of: date,
    layout: Layout,
    items: Sequence[Item],
    assignments: Sequence[Assignment],
    cols: Columns,
    lists: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The manifest of one draw. ``lists``: each named list's ``sha256`` and ``count``."""
    import numpy as np

    preview = layout.as_dict()
    taken = cols.ids_at("clip_id", np.array([r for item in items for r in item.clip_rows], dtype=np.int64))
    names = iter(map(str, taken.tolist()))  # in item order: one decode for all, not one per clip
    clip_of_order = {item.order: [next(names) for _ in item.clip_rows] for item in items}
    exclude = plan.frame.get("exclude", {})
    built = {
        "format": FORMAT,
        "plan": {"name": plan.name, "sha256": plan.sha256},
        "seed": seed,
        "as_of": as_of.isoformat(),
        "unit": plan.unit,
        "take": plan.take if plan.unit == "incident" else None,
        "window": preview["window"],
        "lists": lists,
        "exclusions": {
            "sampled_within_days": exclude.get("sampled_within_days"),
            "sampled_scope": exclude.get("sampled_scope", "same_plan")
            if "sampled_within_days" in exclude
            else None,
            "reviewed_within_days": exclude.get("reviewed_within_days"),
            "lists": exclude.get("lists", []),
            "excluded_units": preview["excluded"],
        },
        "frame": {
            "size": layout.frame.size,
            "sha256": layout.frame.sha256(),
            "candidates": layout.frame.candidates,
        },
        "capacity": preview["capacity"],
        "census": preview["census"],
        "sample": preview["sample"],
        "domains": preview["domains"],
        "strata": preview["strata"],
        "units": len(items),
        "items": [
            {
                "order": item.order,
                "unit_id": item.unit_id,
                "clip_id": clip_id,
                "selection": item.selection,
                "stratum": item.stratum,
                "inclusion_prob": item.probability,
                "design_weight": item.weight,
                "clips_in_unit": item.clips_in_unit,
            }
            for item in items
            for clip_id in clip_of_order[item.order]
        ],
        "assignments": [
            {"clip_id": clip_id, "coder": a.coder, "role": a.role, "order": a.order}
            for a in assignments
            for clip_id in clip_of_order[a.order]
        ],
    }
    if plan.design.get("carry_over"):
        built["carry_over"] = carry_over(layout, items)
    return built


def carry_over(layout: Layout, items: Sequence[Item]) -> dict[str, list[str]]:
    """Units carried into this draw, and units a census rule matched but the capacity left out (the next sample
    of the plan carries them in, first of all)."""
    import numpy as np

    frame = layout.frame
    taken = {item.unit_index for item in items}
    matched = np.flatnonzero(layout.unit_rule >= 0).tolist()
    carried = [] if frame.carried is None else np.flatnonzero(frame.carried).tolist()
    return {
        "carried_in": sorted(str(frame.unit_ids[u]) for u in carried),
        "left_out": sorted(str(frame.unit_ids[u]) for u in matched if u not in taken),
    }


def canonical(manifest: dict[str, Any]) -> bytes:
    return canonical_json(manifest).encode("utf-8")


def sha256(manifest: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(manifest)).hexdigest()


def item_rows(manifest: dict[str, Any]) -> list[tuple[Any, ...]]:
    """``sample_items`` rows (without the sample id): clip, unit, stratum, selection, probability, weight, order."""
    return [
        (
            i["clip_id"],
            i["unit_id"],
            i["stratum"],
            i["selection"],
            i["inclusion_prob"],
            i["design_weight"],
            i["order"],
        )
        for i in manifest["items"]
    ]


def strata_rows(manifest: dict[str, Any]) -> list[tuple[Any, ...]]:
    """``sample_strata`` rows (without the sample id): census rules as ``census:<rule>``, then the strata."""
    rows = [(f"census:{c['rule']}", c["matched"], c["taken"], c["dropped"]) for c in manifest["census"]]
    rows += [(s["stratum"], s["population"], s["allocated"], s["shortfall"]) for s in manifest["strata"]]
    return rows


def assignment_rows(manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(clip id, coder name, role) for every assignment."""
    return [(a["clip_id"], a["coder"], a["role"]) for a in manifest["assignments"]]
