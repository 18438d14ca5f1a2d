"""Previewing, drawing and verifying samples: the core API the command line and the app call.

A draw reads the catalogue columns the plan needs (from the workspace's column snapshot, or through the date index
for a small window; see :mod:`bwvtool.store.snapshot`), computes the
frame, the design and the random selection in numpy, and writes the sample, its strata, items and assignments and
an audit row in one transaction. The manifest (see :mod:`bwvtool.sampling.manifest`) is what ``verify`` redraws.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwvtool import __version__
from bwvtool.errors import StoreError, UsageError
from bwvtool.sampling import assign, binding, design, fingerprint, manifest, select, window
from bwvtool.sampling.frame import build_frame
from bwvtool.sampling.inputs import (
    ColumnCache,
    Inputs,
    gather_inputs,
    list_sha256,
    load_columns,
    new_seed,
    resolve_lists,
)
from bwvtool.sampling.plan import Plan, PlanError, load_plan, parse_plan
from bwvtool.store import samples as store
from bwvtool.timeutil import utc_now

if TYPE_CHECKING:
    from bwvtool.sampling.columns import Columns
    from bwvtool.store import Workspace


@dataclass
class Draw:
    """Everything one draw computed (nothing stored yet)."""

    plan: Plan
    seed: int
    as_of: date
    layout: design.Layout
    items: list[select.Item]
    assignments: list[assign.Assignment]
    manifest: dict[str, Any]
    workloads: dict[int, float]
    cols: Columns | None = None  # what the draw read (for its fingerprint)

    @property
    def manifest_sha256(self) -> str:
        return manifest.sha256(self.manifest)


# -- pure computation on columns ------------------------------------------------------------------------------


def layout_of(plan: Plan, cols: Columns, inputs: Inputs) -> design.Layout:
    """The deterministic part of a draw (frame, census, strata and sizes): what a preview shows."""
    ctx = inputs.context
    frame = build_frame(plan, cols, ctx, inputs.window, inputs.exclusions, inputs.carried)
    return design.lay_out(plan, cols, frame, ctx)


def compute(plan: Plan, cols: Columns, inputs: Inputs, seed: int) -> Draw:
    """A complete draw of ``plan`` on ``cols`` with ``seed``: layout, selection, assignments and manifest."""
    layout = layout_of(plan, cols, inputs)
    items = select.select(plan, cols, layout, seed)
    workloads = {item.order: float(cols.duration_s[list(item.clip_rows)].sum()) for item in items}
    assignments = assign.assign(items, [workloads[i.order] for i in items], plan.assignment, seed)
    built = manifest.build(
        plan,
        seed=seed,
        as_of=inputs.as_of,
        layout=layout,
        items=items,
        assignments=assignments,
        cols=cols,
        lists=inputs.list_digests(),
    )
    return Draw(plan, seed, inputs.as_of, layout, items, assignments, built, workloads, cols)


def _as_of(value: str | date | None) -> date:
    try:
        return window.parse_as_of(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


# -- the API ----------------------------------------------------------------------------------------------------------


def preview(
    ws: Workspace,
    plan: Plan | str | Path,
    as_of: str | date | None = None,
    *,
    cache: ColumnCache | None = None,
) -> dict[str, Any]:
    """Frame size, census counts, strata (N and n) and the expected number of units — nothing is stored.

    :param plan: a :class:`Plan`, or anything :func:`~bwvtool.sampling.plan.load_plan` accepts.
    :param as_of: the draw date (default today, UTC).
    :param cache: a :class:`ColumnCache` kept between calls (the app's live preview), or ``None``.
    """
    started = time.perf_counter()
    plan = load_plan(plan)
    day = _as_of(as_of)
    inputs = gather_inputs(ws, plan, day, resolve_lists(plan))
    cols = load_columns(ws, plan, inputs.read_window, cache)
    layout = layout_of(plan, cols, inputs)
    return {
        "plan": plan.name,
        "plan_sha256": plan.sha256,
        "as_of": day.isoformat(),
        "unit": plan.unit,
        "clips_read": cols.size,
        **layout.as_dict(),
        "elapsed_s": round(time.perf_counter() - started, 4),
    }


_LEFT_OUT_AS = {
    "list": "on an exclusion list",
    "sampled": "drawn by earlier samples",
    "reviewed": "reviewed already",
}


def why_nothing_expected(report: dict[str, Any]) -> str | None:
    """Why a :func:`preview` (or a dry run's summary) expects no units, in words, from its own figures; None when
    it expects some."""
    if report["expected_units"]:
        return None
    unit, size, excluded = report["unit"], report["frame_size"], report.get("excluded") or {}
    candidates = size + sum(excluded.values())  # the units in the window meeting the frame, before exclusions
    if not candidates:
        if report.get("clips_read") == 0:
            return "no clips were recorded in the window"
        return f"no {unit} in the window meets the plan's frame conditions"
    if not size:
        why = ", ".join(f"{n:,} {_LEFT_OUT_AS.get(k, k)}" for k, n in excluded.items() if n)
        return f"all {candidates:,} {unit}s in the window are excluded ({why})"
    if report.get("capacity") == 0:
        return "the plan's capacity is 0"
    if (report.get("sample") or {}).get("method") is None:  # census rules only (take: all)
        return f"none of the {size:,} {unit}s in the frame matches a census rule"
    return f"the plan's sample size comes to 0 for a frame of {size:,} {unit}s"


def resolve(
    ws: Workspace,
    plan: Plan | str | Path,
    seed: int | None,
    as_of: str | date | None,
    codebook: str | None,
    coders: list[str] | None,
    actor: str | None,
    *,
    import_codebook: bool = True,
) -> tuple[Plan, str | None, date, dict[str, list[str]], int, str]:
    """A draw's inputs checked and settled: the plan with its coders, the codebook's key, the draw date, the
    named lists, the seed and where it came from. ``import_codebook=False`` stores nothing (a preview)."""
    plan = binding.with_coders(ws, load_plan(plan), coders)
    codebook_key = binding.codebook_key(ws, plan, codebook, actor=actor, import_shipped=import_codebook)
    day = _as_of(as_of)
    lists = resolve_lists(plan)
    seed_source = "option" if seed is not None else "plan" if "seed" in plan.data else "generated"
    seed = int(seed if seed is not None else plan.data.get("seed", new_seed()))
    if not 0 <= seed < 2**63:
        raise UsageError(f"seed {seed} is out of range (0 to 2**63 - 1)")
    return plan, codebook_key, day, lists, seed, seed_source


DRAW_ATTEMPTS = 5  # draws again when what it read changed before it could store; then it gives up, saying why


def draw(
    ws: Workspace,
    plan: Plan | str | Path,
    seed: int | None = None,
    as_of: str | date | None = None,
    actor: str | None = None,
    *,
    codebook: str | None = None,
    coders: list[str] | None = None,
) -> int:
    """Draw a sample of ``plan`` and store it (immutable, audited); its id.

    :param seed: the random seed; default the plan's ``seed``, else a new one (recorded either way).
    :param as_of: the draw date that relative windows and exclusions count from (default today, UTC).
    :param actor: who draws (default the current user).
    :param codebook: the key of the codebook the sample is coded with (default: the plan's; see
        :func:`~bwvtool.sampling.binding.codebook_key`).
    :param coders: who gets the units (default: the plan's); each must be a coder of the workspace.
    :raises PlanError: the plan is invalid, or its allocation is impossible on this catalogue; nothing is stored.
    :raises UsageError: an unknown coder or codebook.
    """
    plan, codebook_key, day, lists, seed, seed_source = resolve(
        ws, plan, seed, as_of, codebook, coders, actor
    )
    # The draw reads and computes outside the write lock (a draw over a year's catalogue takes seconds; a
    # reviewer's key press must not wait behind it), then stores in one short transaction — only if nothing it
    # read has changed meanwhile (an import, another draw, a completed review); else it draws again.
    for _attempt in range(DRAW_ATTEMPTS):
        computed = compute_unstored(ws, plan, day, lists, seed, seed_source, coders is not None)
        sample_id = store_if_unchanged(ws, computed, codebook_key, actor)
        if sample_id is not None:
            return sample_id
    raise StoreError(
        "the catalogue kept changing while the sample was drawn (an import is running?); draw again when it is done"
    )


@dataclass
class Computed:
    """A draw computed outside the write lock, with what it read: stored only while ``marker`` still holds."""

    plan: Plan
    day: date
    seed: int
    drawn_at: str
    marker: tuple[Any, ...]
    result: Draw
    report: dict[str, Any]
    read: Any
    imports: Any


def compute_unstored(
    ws: Workspace,
    plan: Plan,
    day: date,
    lists: dict[str, list[str]],
    seed: int,
    seed_source: str,
    coders_chosen: bool,
) -> Computed:
    """Read and compute a whole draw (selection, assignments, manifest, report) without storing anything.

    :raises PlanError: the allocation leaves non-empty strata unsampled and the plan does not accept that.
    """
    before = store.draw_inputs_marker(ws.conn)
    drawn_at = utc_now()
    started = time.perf_counter()
    inputs = gather_inputs(ws, plan, day, lists, drawn_at=drawn_at)
    cols = load_columns(ws, plan, inputs.read_window, provenance=True)
    loaded = time.perf_counter()
    # The fingerprint of every value read (numpy and hashing: mostly outside the GIL) is made beside the draw's own
    # computation, on the other core when one is free.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="draw-fingerprint") as pool:
        fingerprinting = pool.submit(_fingerprint, cols)
        result = compute(plan, cols, inputs, seed)
        computed = time.perf_counter()
        read = fingerprinting.result()
    if result.layout.unsampled_strata and not result.layout.accepts_unsampled:
        raise plan.error(
            "/design/sample",
            f"{result.layout.unsampled_message()}; raise n, use allocation: minimum with per_stratum: 1,"
            " stratify more coarsely, or accept it with allow_unsampled_strata: true",
        )
    read_window = inputs.read_window
    bounds = (read_window.start_ts, read_window.end_ts) if read_window else (None, None)
    imports = store.imports_of_clips(ws.conn, *bounds, import_ids=cols.import_ids)
    report = _report(
        result, lists, seed_source, timings={"load_s": loaded - started, "draw_s": computed - loaded}
    )
    report["fingerprint"] = {**read.summary(), "imports": imports}
    if coders_chosen:  # not in the plan's text: verify redraws with these
        report["coders"] = plan.assignment["coders"] if plan.assignment else []
    return Computed(plan, day, seed, drawn_at, before, result, report, read, imports)


def _fingerprint(cols: Columns) -> fingerprint.Fingerprint:
    """The fingerprint of ``cols`` with its blobs' keys and its hash made (they are cached on it)."""
    read = fingerprint.of_columns(cols)
    _ = read.sha256
    return read


def store_if_unchanged(
    ws: Workspace, computed: Computed, codebook_key: str | None, actor: str | None
) -> int | None:
    """Store ``computed`` in one short transaction and return the sample's id; None (nothing stored) when what it
    read has changed since it was computed."""
    with ws.transaction(actor) as tx:
        if store.draw_inputs_marker(tx) != computed.marker:
            return None
        c = computed
        return _store(
            ws, tx, c.plan, c.day, c.seed, codebook_key, c.drawn_at, c.result, c.report, c.read, c.imports
        )


def _store(
    ws: Workspace,
    tx: Any,
    plan: Plan,
    day: date,
    seed: int,
    codebook_key: str | None,
    drawn_at: str,
    result: Draw,
    report: dict[str, Any],
    read: Any,
    imports: Any,
) -> int:
    """Store a computed draw, its fingerprint, contents and audit row in the caller's transaction; its id."""
    digest = result.manifest_sha256
    sample_id = store.insert_sample(
        tx,
        {
            "name": f"{plan.name} ({day.isoformat()})",
            "plan_text": plan.text,
            "plan_sha256": plan.sha256,
            "seed": seed,
            "unit": plan.unit,
            "drawn_at": drawn_at,
            "drawn_by": tx.actor,
            "frame_sha256": result.manifest["frame"]["sha256"],
            "frame_size": result.layout.frame.size,
            "manifest_sha256": digest,
            "report": report,
            "codebook": codebook_key,
        },
    )
    parts = read.parts()
    store.insert_blobs(tx, _new_blobs(tx, read))
    store.insert_fingerprint(tx, sample_id, {**read.summary(), "parts": parts, "imports": imports})
    coder_ids = {name: ws.coder_id(tx, name) for name in (plan.assignment or {}).get("coders", [])}
    store.insert_contents(
        tx,
        sample_id,
        manifest.strata_rows(result.manifest),
        manifest.item_rows(result.manifest),
        [(clip, coder_ids[coder], role) for clip, coder, role in manifest.assignment_rows(result.manifest)],
    )
    tx.audit(
        "sample.draw",
        "sample",
        str(sample_id),
        {
            "plan": plan.name,
            "plan_sha256": plan.sha256,
            "codebook": codebook_key,
            "seed": seed,
            "as_of": day.isoformat(),
            "frame_size": result.layout.frame.size,
            "frame_sha256": result.manifest["frame"]["sha256"],
            "units": len(result.items),
            "clips": len(result.manifest["items"]),
            "manifest_sha256": digest,
        },
    )
    return sample_id


def _new_blobs(tx: Any, read: fingerprint.Fingerprint) -> list[tuple[str, str, bytes]]:
    """The blobs of ``read`` that no earlier draw stored (the rest are shared), as ``(key, kind, bytes)``. A
    field's digests go in as a patch when an earlier draw read the same clips and few of their digests differ
    (the first draw after an edit: a few bytes, not 4 MB per million clips)."""
    parts = read.parts()
    absent = store.absent_blobs(tx, [parts["ids"], *parts["digests"]])
    blobs = [(key, *read.blob(key)) for key in sorted(absent)]
    fields_of = dict(zip(parts["digests"], read.fields, strict=True))
    wanted = {fields_of[key] for key, kind, _ in blobs if kind == fingerprint.DIGESTS}
    earlier: dict[str, str] = {}  # field -> its digests' key in the latest fingerprint of the same clips
    for fields, other in store.recent_fingerprint_parts(tx) if wanted else []:
        if other.get("ids") == parts["ids"]:
            for field, key in zip(fields, other["digests"], strict=True):
                if field in wanted:
                    earlier.setdefault(field, key)
    stored = store.get_blobs(tx, list(earlier.values()))
    roots = {
        k: fingerprint.patch_base(data) if kind == fingerprint.PATCH else k
        for k, (kind, data) in stored.items()
    }
    stored |= store.get_blobs(
        tx, sorted(set(roots.values()) - set(stored))
    )  # patches only ever patch a whole blob
    out = []
    for key, kind, data in blobs:
        root = roots.get(earlier.get(fields_of.get(key, ""), ""))
        if (
            kind == fingerprint.DIGESTS
            and root is not None
            and stored.get(root, ("",))[0] == fingerprint.DIGESTS
        ):
            patch = fingerprint.as_patch(root, stored[root][1], data)
            if patch is not None:
                kind, data = fingerprint.PATCH, patch
        out.append((key, kind, data))
    return out


def _report(
    result: Draw, lists: dict[str, list[str]], seed_source: str, timings: dict[str, float]
) -> dict[str, Any]:
    import numpy as np

    return {
        "as_of": result.as_of.isoformat(),
        "manifest": result.manifest,
        "lists": {name: {"ids": ids, "sha256": list_sha256(ids)} for name, ids in lists.items()},
        "seed_source": seed_source,
        "warnings": result.layout.warnings,
        "unsampled_strata": result.layout.unsampled_strata,
        "workloads": assign.workload_summary(result.assignments, result.workloads),
        "software": {"bwvtool": __version__, "numpy": np.__version__},
        "timings": {k: round(v, 4) for k, v in timings.items()},
    }


def list_samples(ws: Workspace) -> list[dict[str, Any]]:
    """Every sample, newest first: id, name, unit, seed, draw time and user, frame size, units and clips."""
    return store.list_samples(ws.conn)


def get_sample(ws: Workspace, sample_id: int) -> dict[str, Any]:
    """One sample's provenance and report (plan text, seeds, hashes, census, strata, warnings, workloads).

    :raises UsageError: there is no such sample.
    """
    sample = store.get_sample(ws.conn, sample_id)
    if sample is None:
        raise UsageError(f"no sample {sample_id} (see 'bwvtool sample list')")
    return sample


def sample_items(ws: Workspace, sample_id: int) -> list[dict[str, Any]]:
    """The sample's clips in draw order, with probability, design weight, stratum and coders."""
    get_sample(ws, sample_id)
    return store.get_items(ws.conn, sample_id)


def redraw(ws: Workspace, sample: dict[str, Any]) -> Draw:
    """Draw a stored sample again from its plan text, seed, draw date and lists, on the current catalogue."""
    try:
        plan = parse_plan(sample["plan_text"], label=f"of sample {sample['id']}")
    except PlanError as exc:
        raise UsageError(f"sample {sample['id']}: its stored plan no longer validates: {exc}") from exc
    report = sample["report"]
    if "coders" in report:
        plan = plan.with_coders(report["coders"])
    lists = {name: entry["ids"] for name, entry in report.get("lists", {}).items()}
    day = date.fromisoformat(report["as_of"])
    inputs = gather_inputs(ws, plan, day, lists, before_sample=sample["id"], drawn_at=sample["drawn_at"])
    return compute(plan, load_columns(ws, plan, inputs.read_window), inputs, int(sample["seed"]))
