"""`bwvtool catalogue` commands: import, recover, generate, show, list."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bwvtool.cli.common import (
    EXIT_FATAL,
    Settings,
    emit,
    exit_partial_if,
    json_option,
    pass_settings,
    table,
    warn,
)
from bwvtool.errors import UsageError

if TYPE_CHECKING:  # the importer loads only when a command needs it, so the CLI starts fast
    from bwvtool.catalogue.importer import ImportCancelled, ImportReport

_SHOWN_REJECTS = 10


@click.group(name="catalogue")
def group() -> None:
    """The clip catalogue: import it and look at it."""


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--media-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder that relative media_path values start from. Default: the catalogue file's folder.",
)
@click.option("--hash", "hash_media", is_flag=True, help="Hash (SHA-256) and probe every media file.")
@click.option(
    "--analyse",
    is_flag=True,
    help="Then analyse the audio of every clip with media not yet analysed (see media analyse).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None, help="Default: from the extension."
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where rejected rows are copied verbatim. Default: NAME.rejects.EXT beside FILE.",
)
@json_option
@pass_settings
def import_(
    settings: Settings,
    file: Path,
    media_root: Path | None,
    hash_media: bool,
    analyse: bool,
    fmt: str | None,
    rejects: Path | None,
    as_json: bool,
) -> None:
    """Import a catalogue (CSV or JSON Lines): all or nothing, in short steps others can work between.

    Bad rows are rejected with line, column and reason and copied to a rejects file; the rest is imported
    (exit 1 if anything was rejected or a media file could not be checked). Importing the same file again
    changes nothing; changed rows update their clip and are audited. An import that was killed is rolled back
    first. While another import runs, this one stops at once with "busy: catalogue import by … since …".
    Ctrl+C (or SIGTERM) stops it between two steps and undoes what it applied (exit 2, saying so); one that comes
    after its last step is too late: the import is kept, reported as usual, with a line saying so.
    """
    from bwvtool import interrupts
    from bwvtool.catalogue.importer import ImportCancelled, import_catalogue
    from bwvtool.cli.terminal import ProgressLine, count_records

    line = ProgressLine(enabled=not as_json)
    total = count_records(file) if line.enabled else None

    def tick(read: int) -> None:
        line.show(f"importing {file.name}: {read:,} records read", done=read, total=total)

    # A stop is held back to the end of the command: the import takes it between its steps; after the import's
    # last step it is too late, and the report still comes out whole, saying so.
    with interrupts.deferred():
        with settings.workspace() as ws:
            try:
                report = import_catalogue(
                    ws,
                    file,
                    media_root=media_root,
                    hash_media=hash_media,
                    rejects_path=rejects,
                    actor=settings.user,
                    fmt=fmt,
                    progress=tick,
                )
            except ImportCancelled as cancelled:
                line.done()
                if as_json:
                    emit(as_json, cancelled.as_dict())
                warn(f"bwvtool: {cancelled_line(cancelled)}")
                sys.exit(EXIT_FATAL)
            finally:
                line.done()
            analysed = _analyse_imported(ws, settings.user, line) if analyse else None
        data = report.as_dict() | ({"audio": analysed} if analysed is not None else {})
        audio_line = (
            f"\nAudio analysed: {analysed['analysed']} clips, {analysed['failed']} failed" if analysed else ""
        )
        emit(as_json, data, lambda: _import_summary(report) + audio_line)
        late = interrupts.take()
    if late:
        warn(f"bwvtool: {too_late_line(report, analysed)}")
    exit_partial_if(report.partial or bool(analysed and (analysed["failed"] or analysed.get("not_analysed"))))


def cancelled_line(cancelled: ImportCancelled) -> str:
    """What a stopped import left: one line."""
    if cancelled.import_id is None:
        return "cancelled: nothing was imported"
    undone = cancelled.undone
    if undone is None:
        return (
            f"cancelled, but undoing import #{cancelled.import_id} stopped ({cancelled.problem}); the next import,"
            " `bwvtool catalogue recover` or the app undoes the rest"
        )
    return (
        f"cancelled: nothing of the import was kept (import #{cancelled.import_id} rolled back:"
        f" {undone['deleted']:,} new clips removed, {undone['restored']:,} changed clips restored)"
    )


def too_late_line(report: ImportReport, analysed: dict | None) -> str:
    """A stop that came after the import's last step: the import stands."""
    text = (
        f"cancelled too late: import #{report.import_id} had finished and is kept ({report.inserted:,} new clips,"
        f" {report.updated:,} updated)"
    )
    if analysed and analysed.get("not_analysed"):
        text += f"; audio analysis stopped with {analysed['not_analysed']:,} clips not analysed"
    return text


def _analyse_imported(ws, user: str, line) -> dict:
    from bwvtool import interrupts
    from bwvtool.audio.clips import analyse_many
    from bwvtool.store.audio import clips_needing_analysis

    clip_ids = clips_needing_analysis(ws.conn)
    results = []
    for clip_id in clip_ids:
        if interrupts.requested():  # stopped: the import stands, the analysis ends between two clips
            break
        results += analyse_many(ws, [clip_id], actor=user,
                                progress=lambda clip, s: line.show(f"analysing audio of {clip}: {s:,.0f} s"))  # fmt: skip
    line.done()
    counts = {"analysed": sum(r.status == "analysed" for r in results),
              "failed": sum(r.status == "failed" for r in results)}  # fmt: skip
    if len(results) < len(clip_ids):
        counts["not_analysed"] = len(clip_ids) - len(results)
    return counts


@group.command("recover")
@json_option
@pass_settings
def recover(settings: Settings, as_json: bool) -> None:
    """Roll back any catalogue import that was killed before it finished (an import does this first too)."""
    from bwvtool.catalogue.recovery import recover_interrupted

    with settings.workspace() as ws:
        undone = recover_interrupted(ws, settings.user)
    emit(as_json, {"rolled_back": undone}, lambda: _recover_summary(undone))


def _recover_summary(undone: list[dict]) -> str:
    if not undone:
        return "No interrupted import: nothing to roll back."
    return "\n".join(
        f"Rolled back import #{u['import_id']} ({u['source_path']}): {u['deleted']:,} clips removed, "
        f"{u['restored']:,} restored, {u['incidents_deleted']:,} incidents removed"
        for u in undone
    )


def _import_summary(report: ImportReport) -> str:
    lines = [
        f"Imported {report.source_path} ({report.format}) in {report.elapsed_s:.1f} s: "
        f"read {report.rows_read:,}, inserted {report.inserted:,}, updated {report.updated:,}, "
        f"unchanged {report.unchanged:,}, rejected {report.rejected:,} "
        f"({report.steps} steps, the longest holding the workspace {report.longest_step_s:.2f} s)"
    ]
    if report.incidents_created:
        lines.append(f"New incidents: {report.incidents_created:,}")
    if report.media:
        lines.append("Media: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.media.items())))
    for issue in report.media_issues[:_SHOWN_REJECTS]:
        lines.append(f"  line {issue.line}: {issue.clip_id}: media {issue.status}: {issue.detail}")
    for reject in report.rejects[:_SHOWN_REJECTS]:
        where = f"line {reject.line}" + (f"-{reject.end_line}" if reject.end_line != reject.line else "")
        column = f" [{reject.column}]" if reject.column else ""
        lines.append(f"  {where}{column}: {reject.reason}")
    if report.rejected > min(_SHOWN_REJECTS, len(report.rejects)):
        lines.append(f"  ... and {report.rejected - min(_SHOWN_REJECTS, len(report.rejects)):,} more")
    if report.rejects_path:
        lines.append(f"Rejected rows: {report.rejects_path} (reasons: {report.reasons_path})")
    return "\n".join(lines)


def _day(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} must be a date like 2021-01-31, not {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


@group.command("generate")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rows", type=click.IntRange(min=1), required=True, help="Number of clips.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same file).")
@click.option(
    "--start", default=None, help="Earliest recording date (UTC), e.g. 2021-01-01. Default 2021-01-01."
)
@click.option("--end", default=None, help="Latest recording date (UTC). Default: start + 90 days.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="Default: from OUT's extension.",
)
@json_option
def generate(
    out: Path, rows: int, seed: int, start: str | None, end: str | None, fmt: str | None, as_json: bool
) -> None:
    """Write a synthetic catalogue (CSV or JSON Lines) whose mix follows published 2021 MPS figures."""
    from bwvtool.catalogue.synthetic import generate_file

    data = generate_file(out, rows, seed=seed, start=_day(start, "--start"), end=_day(end, "--end"), fmt=fmt)
    emit(as_json, data, f"Wrote {data['rows']:,} synthetic clips to {out} ({data['format']})")


@group.command("show")
@click.argument("clip_id")
@json_option
@pass_settings
def show(settings: Settings, clip_id: str, as_json: bool) -> None:
    """Every stored field of one clip."""
    from bwvtool.catalogue.clips import clip_details

    with settings.workspace() as ws:
        clip = clip_details(ws, clip_id)
    emit(as_json, clip, lambda: "\n".join(f"{k:18} {'' if v is None else v}" for k, v in clip.items()))


@group.command("list")
@click.option("--limit", type=int, default=50, show_default=True, help="How many clips.")
@click.option("--offset", type=int, default=0, show_default=True, help="Skip this many clips first.")
@json_option
@pass_settings
def list_(settings: Settings, limit: int, offset: int, as_json: bool) -> None:
    """Clips in recording order: id, incident, time, length, officer, borough."""
    from bwvtool.catalogue.clips import clip_page

    with settings.workspace() as ws:
        page = clip_page(ws, limit=limit, offset=offset)
    columns = ["clip_id", "incident_id", "recorded_at", "duration_s", "officer_ref", "borough"]
    emit(
        as_json,
        page,
        lambda: table(page["clips"], columns) + f"\n({len(page['clips'])} of {page['total']:,} clips)",
    )
