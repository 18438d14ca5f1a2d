"""A draw shown before it is stored: what the app's confirmation page and ``bwvtool sample draw --dry-run`` show.

:func:`stage` computes a whole draw — selection, coders' assignments, manifest — outside the write lock and stores
nothing. :func:`commit` stores exactly that draw: the same plan, seed, draw date, codebook and coders, and only
while nothing the draw read has changed (an import, another draw, a completed review). If something has, nothing
is stored and :class:`DrawChanged` carries the new draw to show instead, so a user never confirms one sample and
gets another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwvtool.errors import StoreError
from bwvtool.sampling.engine import Computed, compute_unstored, resolve, store_if_unchanged
from bwvtool.sampling.plan import Plan, load_plan
from bwvtool.store import samples as store

if TYPE_CHECKING:
    from bwvtool.store import Workspace


@dataclass(frozen=True)
class Staged:
    """A computed draw, not stored: its inputs (to store it) and its summary (to show it)."""

    plan: Plan
    seed: int
    seed_source: str
    as_of: str
    codebook: str | None
    coders: tuple[str, ...] | None  # chosen at the draw; None: the plan's own
    marker: tuple[Any, ...]  # what the draw read, as it was (see samples.draw_inputs_marker)
    manifest_sha256: str
    summary: dict[str, Any]


class DrawChanged(StoreError):
    """The catalogue (or the samples, or the reviews) changed after the draw was shown: nothing was stored;
    ``staged`` is the draw as it would be now."""

    def __init__(self, message: str, staged: Staged) -> None:
        super().__init__(message, staged)  # both in args: the exception crosses the worker's pickle
        self.staged = staged

    def __str__(self) -> str:
        return str(self.args[0])


# The last staged draw, kept where it was computed (the app's workspace worker, or this process) so that
# confirming it does not compute it again; one only, since it holds the catalogue columns it read.
_kept: dict[str, Computed] = {}


def stage(
    ws: Workspace,
    plan: Plan | str | Path,
    seed: int | None = None,
    as_of: str | date | None = None,
    *,
    codebook: str | None = None,
    coders: list[str] | None = None,
) -> Staged:
    """Compute the draw that :func:`~bwvtool.sampling.engine.draw` would store, and store nothing.

    :raises PlanError: an invalid plan or an impossible allocation.
    :raises UsageError: an unknown or deactivated coder, an unknown codebook, a bad seed.
    """
    resolved, codebook_key, day, lists, seed, seed_source = resolve(
        ws, plan, seed, as_of, codebook, coders, None, import_codebook=False
    )
    computed = compute_unstored(ws, resolved, day, lists, seed, seed_source, coders is not None)
    return _staged(load_plan(plan), computed, seed_source, codebook_key, coders)


def commit(ws: Workspace, staged: Staged, actor: str | None = None) -> int:
    """Store the draw ``staged`` showed (audited); the new sample's id.

    :raises DrawChanged: what the draw read changed since it was shown; nothing stored, the new draw attached.
    """
    coders = None if staged.coders is None else list(staged.coders)
    resolved, codebook_key, day, lists, seed, seed_source = resolve(
        ws, staged.plan, staged.seed, staged.as_of, staged.codebook, coders, actor
    )
    seed_source = staged.seed_source  # a generated seed stays "generated" though it is passed on here
    computed = _kept.pop(staged.manifest_sha256, None)
    if computed is None or computed.marker != store.draw_inputs_marker(ws.conn):
        computed = compute_unstored(ws, resolved, day, lists, seed, seed_source, coders is not None)
    if computed.result.manifest_sha256 == staged.manifest_sha256:
        sample_id = store_if_unchanged(ws, computed, codebook_key, actor)
        if sample_id is not None:
            return sample_id
        computed = compute_unstored(ws, resolved, day, lists, seed, seed_source, coders is not None)
    now = _staged(staged.plan, computed, seed_source, codebook_key, coders)
    raise DrawChanged(
        "the catalogue changed since this draw was shown (an import, another draw or a completed review):"
        " nothing was stored; check the new draw and confirm again",
        now,
    )


def _staged(
    plan: Plan, computed: Computed, seed_source: str, codebook_key: str | None, coders: list[str] | None
) -> Staged:
    _kept.clear()
    _kept[computed.result.manifest_sha256] = computed
    return Staged(
        plan=plan,
        seed=computed.seed,
        seed_source=seed_source,
        as_of=computed.day.isoformat(),
        codebook=codebook_key,
        coders=None if coders is None else tuple(coders),
        marker=computed.marker,
        manifest_sha256=computed.result.manifest_sha256,
        summary=summary(computed, seed_source, codebook_key),
    )


def summary(computed: Computed, seed_source: str, codebook_key: str | None) -> dict[str, Any]:
    """What the confirmation shows: n, the strata (population, n_h, shortfall), the codebook and who gets how many
    units — the same keys ``bwvtool sample draw --json`` reports for a stored draw."""
    manifest = computed.result.manifest
    layout = computed.result.layout
    return {
        "plan": computed.plan.name,
        "unit": computed.plan.unit,
        "as_of": computed.day.isoformat(),
        "seed": computed.seed,
        "seed_source": seed_source,
        "codebook": codebook_key,
        "frame_size": layout.frame.size,
        "excluded": layout.frame.excluded,
        "window": layout.frame.window.as_dict() if layout.frame.window else None,
        "capacity": layout.capacity,
        "census": manifest["census"],
        "census_taken": layout.census_taken,
        "domains": manifest["domains"],
        "strata": manifest["strata"],
        "shortfalls": [
            {"stratum": s["stratum"], "shortfall": s["shortfall"]}
            for s in manifest["strata"]
            if s.get("shortfall")
        ],
        "expected_units": layout.expected_units,
        "sample": {"method": layout.sample_method, "n": layout.sample_n},  # says why nothing is expected
        "units": manifest["units"],
        "clips": len(manifest["items"]),
        "workloads": computed.report["workloads"],
        "warnings": computed.report["warnings"],
        "manifest_sha256": computed.result.manifest_sha256,
    }


def shortfall_text(shortfalls: list[dict[str, Any]], shown: int = 5) -> str:
    """``3 strata get fewer units than the plan asks (5 in all): a 2, b 2, c 1`` — the first few named."""
    if not shortfalls:
        return "no shortfalls: every stratum gets the n_h the plan asks for"
    total = sum(int(s["shortfall"]) for s in shortfalls)
    named = ", ".join(f"{s['stratum']} {s['shortfall']:,}" for s in shortfalls[:shown])
    more = f" and {len(shortfalls) - shown:,} more" if len(shortfalls) > shown else ""
    strata = "1 stratum gets" if len(shortfalls) == 1 else f"{len(shortfalls):,} strata get"
    return f"{strata} fewer units than the plan asks ({total:,} in all; they hold no more): {named}{more}"
