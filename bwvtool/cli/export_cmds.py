"""`bwvtool export`, `bwvtool import eaf`, `bwvtool reliability` and `bwvtool sequences`: research outputs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from bwvtool.cli.common import Settings, emit, exit_partial_if, json_option, pass_settings, table, warn
from bwvtool.cli.plain_errors import plain_errors

_FORMATS = ("csv", "tsv", "jsonl", "eaf")


class _ExportGroup(click.Group):
    """``bwvtool export SAMPLE …`` runs ``bwvtool export sample SAMPLE …``; ``keygen`` is the other subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["sample", *args]
        return super().parse_args(ctx, args)


@click.group(name="export", cls=_ExportGroup)
@plain_errors
def export_group() -> None:
    """Research exports of a sample: `bwvtool export SAMPLE --format csv|tsv|jsonl|eaf --out DIR ...`.

    Exports are pseudonymised with a key (`bwvtool export keygen KEYFILE`), or identified for internal use;
    both are audited. See docs/exports.md.
    """


@export_group.command("sample")
@click.argument("sample_id", metavar="SAMPLE", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    default="csv",
    show_default=True,
    help="Tables as CSV (RFC 4180), TSV or JSON Lines, or one ELAN .eaf file per clip.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="New (or empty) folder to write the export into.",
)
@click.option(
    "--pseudonymise",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Key file for keyed pseudonyms of clip, incident, officer and camera ids.",
)
@click.option(
    "--identified", is_flag=True, help="Keep real identifiers (internal use only; audited as such)."
)
@click.option("--coder", default=None, help="Only this coder's events and reviews.")
@click.option(
    "--keep-text",
    is_flag=True,
    help="Keep free text (notes, text review items), with known identifiers pseudonymised.",
)
@click.option(
    "--coarsen-dates",
    type=click.Choice(("day", "week", "month")),
    default=None,
    help="Coarsen dates and times to the day (the default), ISO week or month.",
)
@click.option(
    "--exact-dates",
    is_flag=True,
    help="Keep exact UTC times instead of days (recorded in the audit log and the manifest).",
)
@click.option(
    "--media-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder that relative media paths start from (EAF media links). Default: the current folder.",
)
@click.option(
    "--copy-media", is_flag=True, help="EAF: copy each clip's media beside the files (named as the clip)."
)
@json_option
@pass_settings
@plain_errors
def export_sample_cmd(settings: Settings, sample_id: int, fmt: str, out: Path, key_file: Path | None,
                      identified: bool, coder: str | None, keep_text: bool, coarsen_dates: str | None,
                      exact_dates: bool, media_root: Path | None, copy_media: bool, as_json: bool) -> None:  # fmt: skip
    """Export sample SAMPLE's events, clip reviews, clips (with design weights), per-clip summary, codebooks,
    data dictionary and a manifest with the SHA-256 of every file. Exit 1 when some media could not be copied."""
    from bwvtool.export.context import ExportOptions
    from bwvtool.export.run import export_sample

    options = ExportOptions(fmt=fmt, key_file=key_file, identified=identified, coder=coder, keep_text=keep_text,
                            coarsen_dates=coarsen_dates, exact_dates=exact_dates, media_root=media_root, copy_media=copy_media)  # type: ignore[arg-type]  # fmt: skip
    with settings.workspace() as ws:
        options = replace(options, coder=_blind_coder(ws, settings.user, sample_id, coder, "an export"))
        result = export_sample(ws, sample_id, out, options, actor=settings.user)
    for message in result.warnings:
        warn(f"warning: {message}")
    emit(as_json, result.as_dict(), lambda: _export_text(result.as_dict()))
    exit_partial_if(result.partial)


def _export_text(data: dict[str, Any]) -> str:
    how = (
        "IDENTIFIED (internal use only)"
        if data["identified"]
        else f"pseudonymised, key {data['key_fingerprint']}"
    )
    counts = ", ".join(f"{n} {name}" for name, n in data["rows"].items())
    lines = [
        f"Exported sample {data['sample_id']} as {data['format']} ({how}): {counts}",
        f"into {data['out']}",
    ]
    lines.append(table(data["files"], ["name", "rows", "bytes", "sha256"]))
    return "\n".join(lines)


@export_group.command("keygen")
@click.argument("key_file", metavar="KEYFILE", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@plain_errors
def keygen_cmd(key_file: Path, as_json: bool) -> None:
    """Make a new pseudonymisation key file (32 random bytes, owner-only). It never overwrites a key."""
    from bwvtool.export.pseudonym import generate_key_file

    fingerprint = generate_key_file(key_file)
    data = {"key_file": str(key_file), "fingerprint": fingerprint}
    emit(as_json, data, f"Wrote a new key to {key_file} (fingerprint {fingerprint}). Keep it with the force: "
                        "the same key gives the same pseudonyms; never send it with an export.")  # fmt: skip


@click.group(name="import")
@plain_errors
def import_group() -> None:
    """Bring coding made elsewhere back into the workspace (ELAN files)."""


@import_group.command("eaf")
@click.argument("files", metavar="FILE...", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", required=True, help="Store the events as this coder's.")
@click.option(
    "--sample", "sample_id", type=int, default=None, help="Find each file's clip among this sample's clips."
)
@click.option(
    "--clip",
    "clip_id",
    default=None,
    help="The clip of the (single) file, instead of its bwvtool:clip property.",
)
@click.option(
    "--pseudonymise",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Key that made the clip pseudonyms in the files (with --sample).",
)
@click.option(
    "--codebook", default=None, help="KEY or KEY@VERSION. Default: the file's bwvtool:codebook property."
)
@click.option("--annotator", default=None, help="Read the tiers of this annotator. Default: the --coder.")
@click.option(
    "--replace", is_flag=True, help="Replace the coder's existing events on a clip (default: refuse)."
)
@json_option
@pass_settings
@plain_errors
def import_eaf_cmd(settings: Settings, files: tuple[Path, ...], coder: str, sample_id: int | None,
                   clip_id: str | None, key_file: Path | None, codebook: str | None, annotator: str | None,
                   replace: bool, as_json: bool) -> None:  # fmt: skip
    """Import ELAN .eaf files as a coder's events: tiers map to tracks and actors, values to codes.

    Unknown tiers and values, and tiers of other annotators, are named and left out (exit 1); everything else is
    imported, one audited transaction per file. --replace deletes nothing unless the file holds valid events.
    """
    from bwvtool.export.eaf_import import import_eaf

    with settings.workspace() as ws:
        report = import_eaf(ws, list(files), coder=coder, sample_id=sample_id, clip_id=clip_id, key_file=key_file,
                            codebook=codebook, annotator=annotator, replace=replace, actor=settings.user)  # fmt: skip
    data = report.as_dict()
    emit(as_json, data, lambda: _import_text(data))
    exit_partial_if(report.partial)


def _import_text(data: dict[str, Any]) -> str:
    lines = [f"Imported {data['imported']} event(s) as {data['coder']}"]
    lines.append(table(data["files"], ["file", "clip_id", "codebook", "imported", "replaced"]))
    for entry in data["files"]:
        lines += [f"{entry['file']}: problem: {p}" for p in entry["problems"]]
        lines += [f"{entry['file']}: skipped: {s}" for s in entry["skipped"]]
        lines += [f"{entry['file']}: note: {s}" for s in entry["notes"]]
    return "\n".join(lines)


@click.command("reliability")
@click.argument("sample_id", metavar="SAMPLE", type=int)
@click.option(
    "--bin-ms", type=click.IntRange(min=1), default=1000, show_default=True, help="Time-slice width."
)
@click.option(
    "--tolerance-ms",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Onset tolerance (onset agreement, linking point events).",
)
@click.option(
    "--boot",
    "n_boot",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Bootstrap replicates over clips for the 95% intervals.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Bootstrap seed (same seed, same intervals)."
)
@json_option
@pass_settings
@plain_errors
def reliability(settings: Settings, sample_id: int, bin_ms: int, tolerance_ms: int, n_boot: int, seed: int,
                as_json: bool) -> None:  # fmt: skip
    """Inter-coder agreement on the sample's double-coded clips: Cohen's, Fleiss' and modified kappa,
    Krippendorff's alpha, onset F1, per track, code and coder pair, with 95% intervals and flags."""
    from bwvtool.coding import blind
    from bwvtool.export.coded import sample_reliability

    with settings.workspace() as ws:
        blind.comparing(ws, sample_id, settings.user, "reliability")
        report = sample_reliability(
            ws, sample_id, bin_ms=bin_ms, tolerance_ms=tolerance_ms, n_boot=n_boot, seed=seed
        )
    emit(as_json, report, lambda: _reliability_text(report))


def _blind_coder(ws: Any, user: str, sample_id: int, coder: str | None, what: str) -> str | None:
    """The coder whose work ``what`` may read for ``user`` (see :func:`bwvtool.coding.blind.reading_coder`)."""
    from bwvtool.coding import blind

    allowed, notice = blind.reading_coder(ws, sample_id, user, coder, what)
    if notice:
        warn(notice)
    return allowed


def _reliability_text(report: dict[str, Any]) -> str:
    from bwvtool.export.figures import reliability_heading, reliability_sections

    lines = reliability_heading(report)
    for section in reliability_sections(report):
        lines += ["", section.title, table(section.rows, section.columns)]
    return "\n".join(lines)


@click.command("sequences")
@click.argument("sample_id", metavar="SAMPLE", type=int)
@click.option(
    "--by-actor", is_flag=True, help="Sequences per actor (default: all actors of a coder's clip together)."
)
@click.option(
    "--label-actor",
    is_flag=True,
    help="Label events actor:code (which officer move precedes which subject move).",
)
@click.option("--coder", default=None, help="Only this coder's events.")
@click.option("--track", "tracks", multiple=True, help="Only these tracks (repeat the option).")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every given -> target row to this CSV file.",
)
@click.option(
    "--min-residual",
    type=float,
    default=1.96,
    show_default=True,
    help="List transitions whose |adjusted residual| reaches this (0: all observed).",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="List only transitions seen at least this often (rare ones say little); the CSV keeps every row.",
)
@json_option
@pass_settings
@plain_errors
def sequences(settings: Settings, sample_id: int, by_actor: bool, label_actor: bool, coder: str | None,
              tracks: tuple[str, ...], out: Path | None, min_residual: float, min_count: int,
              as_json: bool) -> None:  # fmt: skip
    """Lag-1 transitions between codes with adjusted residuals and Yule's Q (Bakeman & Quera)."""
    from bwvtool.export.coded import sample_transitions, write_transitions
    from bwvtool.export.figures import transition_rows

    with settings.workspace() as ws:
        coder = _blind_coder(ws, settings.user, sample_id, coder, "sequences")
        result = sample_transitions(ws, sample_id, by_actor=by_actor, label_actor=label_actor, coder=coder,
                                    tracks=list(tracks) or None)  # fmt: skip
    written = write_transitions(out, result) if out is not None else None
    rows = result.rows()
    data = {"labels": list(result.labels), "counts": result.counts.tolist(), "total": int(result.total),
            "rows": rows, "names": result.names, "csv": None if out is None else str(out),
            "csv_rows": written}  # fmt: skip

    def text() -> str:
        listed = transition_rows(rows, min_abs_residual=min_residual, min_count=min_count, names=result.names)
        head = f"{int(result.total)} transitions between {len(result.labels)} codes"
        head += f"; {len(listed)} seen {min_count}+ times" + (
            f" with |adjusted residual| >= {min_residual:g}" if min_residual else ""
        )
        lines = [head, table(listed, ["given", "target", "count", "expected", "adj. residual", "Yule's Q"])]
        if out is not None:
            lines.append(f"all {written} rows written to {out}")
        return "\n".join(lines)

    emit(as_json, data, text)
