"""`bwvtool sample` commands: draw, list, show, verify, export, size, plans, plan-copy, unblind."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from bwvtool.cli.common import (
    EXIT_FATAL,
    EXIT_PARTIAL,
    Settings,
    emit,
    json_option,
    pass_settings,
    table,
    warn,
)
from bwvtool.cli.plain_errors import plain_errors
from bwvtool.errors import UsageError


@click.group(name="sample")
@plain_errors
def group() -> None:
    """Sampling plans and the samples they draw."""


@group.command("draw")
@click.argument("plan")
@click.option(
    "--seed", type=int, default=None, help="Random seed. Default: the plan's seed, else a new one (recorded)."
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Draw date YYYY-MM-DD that relative windows count from. Default: today (UTC).",
)
@click.option(
    "--codebook",
    default=None,
    help="Key of the codebook the sample is coded with. Default: the plan's (`codebook:`), else the workspace's"
    " only codebook.",
)
@click.option(
    "--coders",
    default=None,
    help="Comma-separated coders who get the units, instead of the plan's. Each must exist (`bwvtool coder list`).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Compute the whole draw and show it (n, strata, shortfalls, codebook, each coder's units); store nothing.",
)
@click.option(
    "--pool",
    is_flag=True,
    help="Give the clips no coder gets to the unit's pool, for reviewers to claim (`bwvtool queue claim`, the"
    " desk's Take next).",
)
@json_option
@pass_settings
@plain_errors
def draw_cmd(
    settings: Settings,
    plan: str,
    seed: int | None,
    as_of: str | None,
    codebook: str | None,
    coders: str | None,
    dry_run: bool,
    pool: bool,
    as_json: bool,
) -> None:
    """Draw a sample from PLAN (a plan file, or a built-in plan's name; see `bwvtool sample plans`).

    The sample is stored with its plan, seed, draw date and a manifest that `bwvtool sample verify` can redraw
    byte for byte. A bad plan or an impossible allocation stops with the line and field at fault (exit 2).
    """
    from bwvtool import sampling

    loaded = sampling.load_plan(plan)
    with settings.workspace() as ws:
        if dry_run:
            chosen = None if coders is None else coders.split(",")
            data = sampling.stage(ws, loaded, seed, as_of, codebook=codebook, coders=chosen).summary
            emit(as_json, data, lambda: _dry_run_text(data))
            return
        sample_id = sampling.draw(
            ws,
            loaded,
            seed=seed,
            as_of=as_of,
            actor=settings.user,
            codebook=codebook,
            coders=None if coders is None else coders.split(","),
        )
        sample = sampling.get_sample(ws, sample_id)
        if pool:
            from bwvtool.coding.claims import share_sample

            pooled = share_sample(ws, sample_id, settings.user)
    manifest = sample["report"]["manifest"]
    data = {
        "sample_id": sample_id,
        "name": sample["name"],
        "codebook": sample["codebook"],
        "seed": sample["seed"],
        "seed_source": sample["report"]["seed_source"],
        "as_of": manifest["as_of"],
        "manifest_sha256": sample["manifest_sha256"],
        "frame_size": manifest["frame"]["size"],
        "frame_sha256": manifest["frame"]["sha256"],
        "units": manifest["units"],
        "clips": len(manifest["items"]),
        "census": manifest["census"],
        "strata": manifest["strata"],
        "domains": manifest["domains"],
        "warnings": sample["report"]["warnings"],
        "workloads": sample["report"]["workloads"],
        "timings": sample["report"]["timings"],
    }
    if pool:
        data["pooled"] = pooled
    for message in data["warnings"]:
        warn(f"warning: {message}")
    emit(as_json, data, lambda: _draw_text(data, sample))


def _draw_text(data: dict[str, Any], sample: dict[str, Any]) -> str:
    manifest = sample["report"]["manifest"]
    head = (
        f"Drew sample {data['sample_id']}: {data['name']}: {_count(data, manifest['unit'])}\n"
        f"{_codebook_line(data['codebook'])}\n"
        f"seed {data['seed']} ({data['seed_source']}), manifest sha256 {data['manifest_sha256']}"
    )
    if "pooled" in data:
        head += f"\n{data['pooled']} clips in the unit's pool, for reviewers to claim"
    return _stored_text(head, sample, warnings=False)


def _dry_run_text(data: dict[str, Any]) -> str:
    """The draw as the app's confirmation page shows it, said to be unstored."""
    head = (
        f"Dry run (nothing stored): {data['plan']} as of {data['as_of']}: {_count(data, data['unit'])}\n"
        f"{_codebook_line(data['codebook'])}\nseed {data['seed']} ({data['seed_source']})"
    )
    text = _layout_text(head, data)
    from bwvtool.sampling.staged import shortfall_text

    text += f"\n\nShortfalls: {shortfall_text(data['shortfalls'])}"
    if data["workloads"]:
        text += "\n\nCoders:\n" + table(data["workloads"], ["coder", "primary", "reliability", "seconds"])
    return text


def _codebook_line(key: str | None) -> str:
    if key is None:
        return "codebook: none named (coders choose one per clip; draw with --codebook KEY to bind one)"
    return f"codebook: {key} (every assignment of this sample is coded with it)"


def _count(data: dict[str, Any], unit: str) -> str:
    clips = f"{data['clips']} clip{'s' if data['clips'] != 1 else ''}"
    return (
        clips if unit == "clip" else f"{data['units']} incident{'s' if data['units'] != 1 else ''}, {clips}"
    )


def _stored_text(head: str, sample: dict[str, Any], *, warnings: bool = True) -> str:
    """A stored sample's frame, census, strata (and warnings) and coders' workloads, for the terminal."""
    report = sample["report"]
    manifest = report["manifest"]
    layout = {
        **manifest,
        "frame_size": manifest["frame"]["size"],
        "excluded": manifest["exclusions"]["excluded_units"],
        "warnings": report["warnings"] if warnings else [],
    }
    text = _layout_text(head, layout)
    if report["workloads"]:
        text += "\n\nCoders:\n" + table(report["workloads"], ["coder", "primary", "reliability", "seconds"])
    return text


def _layout_text(head: str, data: dict[str, Any]) -> str:
    """The frame, census, domains and strata of a preview or a drawn manifest, for the terminal."""
    lines = [head]
    window = data.get("window")
    span = f", recorded {window['from']} to {window['to_exclusive']} (excl.)" if window else ""
    excluded = {k: v for k, v in (data.get("excluded") or {}).items() if v}
    left_out = f"; excluded: {', '.join(f'{v} {k}' for k, v in excluded.items())}" if excluded else ""
    lines.append(f"frame: {data['frame_size']:,} units{span}{left_out}")
    if data.get("capacity"):
        lines.append(f"capacity: {data['capacity']}")
    if data.get("census"):
        lines += [
            "",
            "Census rules (priority order):",
            table(data["census"], ["rule", "matched", "taken", "dropped"]),
        ]
    if data.get("domains"):
        lines += [
            "",
            "Oversampling:",
            table(
                data["domains"], ["domain", "population", "minimum", "proportional", "allocated", "shortfall"]
            ),
        ]
    strata = data.get("strata") or []
    if strata:
        lines += ["", "Strata:", table(strata, ["stratum", "population", "target", "allocated", "shortfall"])]
    if "expected_units" in data:
        from bwvtool.sampling import why_nothing_expected

        why = why_nothing_expected(data)
        lines.append(f"\nexpected units: {data['expected_units']}" + (f" — {why}" if why else ""))
    lines += [f"warning: {w}" for w in data.get("warnings", [])]
    return "\n".join(lines)


@group.command("list")
@json_option
@pass_settings
@plain_errors
def list_cmd(settings: Settings, as_json: bool) -> None:
    """List the samples in the workspace, newest first."""
    from bwvtool import sampling

    with settings.workspace() as ws:
        rows = sampling.list_samples(ws)
    emit(
        as_json,
        rows,
        lambda: table(
            rows,
            [
                "id",
                "name",
                "codebook",
                "unit",
                "units",
                "clips",
                "frame_size",
                "seed",
                "drawn_at",
                "drawn_by",
            ],
        ),
    )


_SHOWN = ("sample_id", "name", "codebook", "unit", "as_of", "seed", "seed_source", "drawn_at", "drawn_by", "plan_sha256",
          "frame_sha256", "manifest_sha256")  # fmt: skip
_ITEM_COLUMNS = ["draw_order", "unit_id", "clip_id", "stratum", "selection", "inclusion_prob", "design_weight",
                 "coder", "reliability_coder"]  # fmt: skip


@group.command("show")
@click.argument("sample_id", type=int)
@click.option(
    "--items", "with_items", is_flag=True, help="Also list the sample's clips with weights and coders."
)
@json_option
@pass_settings
@plain_errors
def show_cmd(settings: Settings, sample_id: int, with_items: bool, as_json: bool) -> None:
    """Show a sample's provenance (plan hash, seed, frame hash, who and when), census, strata and coders."""
    from bwvtool import sampling
    from bwvtool.sampling.export import provenance

    with settings.workspace() as ws:
        sample = sampling.get_sample(ws, sample_id)
        items = sampling.sample_items(ws, sample_id) if with_items else None
    manifest = sample["report"]["manifest"]
    data = {
        **provenance(sample),
        "census": manifest["census"],
        "domains": manifest["domains"],
        "strata": manifest["strata"],
        "warnings": sample["report"]["warnings"],
        "workloads": sample["report"]["workloads"],
        "units": manifest["units"],
        "clips": len(manifest["items"]),
    }
    if items is not None:
        data["items"] = items

    def text() -> str:
        head = (
            "\n".join(f"{k:16} {data[k]}" for k in _SHOWN)
            + f"\n{'units / clips':16} {data['units']} / {data['clips']}"
        )
        out = _stored_text(head, sample)
        if items is not None:
            out += "\n\nItems:\n" + table(items, _ITEM_COLUMNS)
        return out

    emit(as_json, data, text)


@group.command("verify")
@click.argument("sample_id", type=int)
@json_option
@pass_settings
@plain_errors
def verify_cmd(settings: Settings, sample_id: int, as_json: bool) -> None:
    """Redraw a sample from its stored plan, seed and draw date on the current catalogue, and compare.

    Exit 0: identical byte for byte. Exit 1: the catalogue changed since the draw (the stored sample is intact).
    Exit 2: the stored sample does not match its own hashes, or the same frame gave a different draw.
    """
    from bwvtool import sampling

    with settings.workspace() as ws:
        result = sampling.verify(ws, sample_id, actor=settings.user)
    emit(as_json, result, f"Sample {sample_id}: {result['status']}: {result['message']}")
    if result["status"] == "catalogue_changed":
        sys.exit(EXIT_PARTIAL)
    if not result["ok"]:
        sys.exit(EXIT_FATAL)


@group.command("export")
@click.argument("sample_id", type=int)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: .csv (one row per clip, with weights and coders) or .json (manifest and provenance).",
)
@json_option
@pass_settings
@plain_errors
def export_cmd(settings: Settings, sample_id: int, out: Path, as_json: bool) -> None:
    """Export a sample's manifest with inclusion probabilities and design weights (CSV or JSON)."""
    from bwvtool import sampling

    with settings.workspace() as ws:
        result = sampling.export_sample(ws, sample_id, out, actor=settings.user)
    emit(as_json, result, f"Wrote {result['rows']} rows of sample {sample_id} to {result['path']}")


@group.command("size")
@click.option("--rate", type=float, required=True, help="Expected share of cases, e.g. 0.10.")
@click.option("--margin", type=float, required=True, help="Margin of error (half-width), e.g. 0.05.")
@click.option(
    "--population", type=int, default=None, help="Population size N (finite population correction)."
)
@click.option("--confidence", type=float, default=0.95, show_default=True, help="Confidence level.")
@json_option
@plain_errors
def size_cmd(rate: float, margin: float, population: int | None, confidence: float, as_json: bool) -> None:
    """Sample size to estimate a rate within a margin; and clips to see at least one case."""
    from bwvtool.sampling.size import sample_size

    data = sample_size(rate, margin, population, confidence)
    pop = f" from {population:,}" if population else ""
    text = (
        f"To estimate a rate of {rate:g} within ±{margin:g} at {confidence:.0%} confidence: n = {data['n']}{pop}"
        f" (without finite population correction: {data['n_without_fpc']})\n"
        f"To see at least one case with {confidence:.0%} probability at rate {rate:g}: n = {data['detect_one']['n']}"
    )
    emit(as_json, data, text)


@group.command("plans")
@json_option
@plain_errors
def plans_cmd(as_json: bool) -> None:
    """List the built-in sampling plans by title, with the name to draw them by and the codebook they use."""
    from bwvtool.sampling import builtin_plans, load_plan

    rows = []
    for name in builtin_plans():
        plan = load_plan(name)
        rows.append(
            {
                "title": plan.name,
                "name": name,
                "unit": plan.unit,
                "codebook": plan.codebook,
                "description": plan.data.get("description", ""),
            }
        )
    rows.sort(key=lambda row: row["title"])
    emit(as_json, rows, lambda: table(rows, ["title", "name", "unit", "codebook"]))


@group.command("plan-copy")
@click.argument("name")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
@json_option
@plain_errors
def plan_copy_cmd(name: str, out: Path, force: bool, as_json: bool) -> None:
    """Write an editable copy of built-in plan NAME to OUT."""
    from bwvtool.sampling import builtin_plan_text

    text = builtin_plan_text(name)
    if out.exists() and not force:
        raise UsageError(f"{out} already exists (use --force to overwrite)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    emit(
        as_json,
        {"name": name, "path": str(out)},
        f"Wrote {out}; edit it and draw with: bwvtool sample draw {out}",
    )


@group.command("unblind")
@click.argument("sample_id", type=int)
@json_option
@pass_settings
@plain_errors
def unblind_cmd(settings: Settings, sample_id: int, as_json: bool) -> None:
    """Open a blind double-coded sample: from now on its coders may see each other's events, notes and reviews.

    Only the study lead (who drew the sample) or an admin opens it, once every assignment of its double-coded
    clips is complete. Audited; a sample is never closed again.
    """
    from bwvtool.coding.blind import unblind

    with settings.workspace() as ws:
        data = unblind(ws, sample_id, settings.user)
    emit(as_json, data, f"Opened sample {sample_id} ({data['name']}): its coders' work is no longer blind")
