"""Sampling plans and the draws they produce.

The API the command line and the app call::

    plan = load_plan("pioss_weekly")                    # a built-in, a file, or YAML/JSON text
    preview(ws, plan, as_of="2026-03-02")               # frame size, census, strata N and n (nothing stored)
    preview(ws, plan, cache=ColumnCache())              # live preview: columns kept until the workspace changes
    sample_id = draw(ws, plan, seed=7, as_of="2026-03-02", actor="alice")
    staged = stage(ws, plan, seed=7); commit(ws, staged)  # shown (n, strata, coders) before it is stored
    list_samples(ws); get_sample(ws, sample_id); sample_items(ws, sample_id)
    verify(ws, sample_id); export_sample(ws, sample_id, "sample.csv")
    sample_size(rate=0.10, margin=0.05, population=6000)
"""

from bwvtool.sampling.engine import (
    draw,
    get_sample,
    list_samples,
    preview,
    sample_items,
    why_nothing_expected,
)
from bwvtool.sampling.export import export_sample
from bwvtool.sampling.inputs import ColumnCache
from bwvtool.sampling.plan import Plan, PlanError, builtin_plan_text, builtin_plans, load_plan
from bwvtool.sampling.size import sample_size
from bwvtool.sampling.staged import DrawChanged, Staged, commit, stage
from bwvtool.sampling.verify import verify

__all__ = [
    "ColumnCache",
    "DrawChanged",
    "Plan",
    "PlanError",
    "Staged",
    "builtin_plan_text",
    "builtin_plans",
    "commit",
    "draw",
    "export_sample",
    "get_sample",
    "list_samples",
    "load_plan",
    "preview",
    "sample_items",
    "sample_size",
    "stage",
    "verify",
    "why_nothing_expected",
]
