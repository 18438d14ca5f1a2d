"""`bwvtool debrief`, `bwvtool excerpt` and `bwvtool report weekly`: supervisor debrief notes, clip excerpts and
the unit's weekly picture. The core does the work; PDF rendering is the app's (Qt), imported only for a PDF.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from bwvtool.cli.common import Settings, emit, json_option, pass_settings, warn
from bwvtool.errors import UsageError


def pdf_writer() -> Any:
    """The app's PDF writer, imported lazily (Qt); headless sessions render offscreen."""
    env = os.environ
    if sys.platform.startswith("linux") and not (
        env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
    ):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return importlib.import_module("bwvtool.ui.debrief.pdf").write_pdf


def _note_text(summary: dict[str, Any], versions: list[dict[str, Any]]) -> str:
    lines = [
        f"Debrief note for {summary['clip_id']} ({summary['officer_ref']}, {summary['borough']},"
        f" {summary['recorded_at'][:10]})",
        f"  From {summary['coder']}'s completed review ({summary['codebook']}), {summary['events']} coded events,"
        f" outcome: {summary['outcome'] or '—'}",
        "  Saved versions: "
        + (
            ", ".join(f"v{v['version']} {v['saved_at'][:16]} by {v['saved_by']}" for v in versions)
            or "none yet"
        ),
        "  Key moments:",
    ]
    for moment in summary["key_moments"]:
        lines.append(
            f"    {moment['number']}. {moment['at_ms'] / 1000:7.2f} s  {moment['title']}  [{', '.join(moment['reasons'])}]"
        )
    if not summary["key_moments"]:
        lines.append("    (none)")
    return "\n".join(lines)


@click.command("debrief")
@click.argument("clip")
@click.option(
    "--coder", default=None, help="Whose completed review to build on (needed when several coders did one)."
)
@click.option(
    "--narrative",
    "narrative_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="YAML or JSON file of narrative fields (summary, went_well, individual_learning, "
    "organisational_learning, support, next_steps) to save as a new version first.",
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    default=None,
    help="A saved version (default: the latest).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Export the note: FILE.html (self-contained) or FILE.pdf (A4). Without --out, show the note's outline.",
)
@click.option("--no-stills", is_flag=True, help="Leave out the still frames (faster; no video needed).")
@json_option
@pass_settings
def debrief(
    settings: Settings,
    clip: str,
    coder: str | None,
    narrative_file: Path | None,
    version: int | None,
    out: Path | None,
    no_stills: bool,
    as_json: bool,
) -> None:
    """Build the supervisor's debrief note for CLIP from one coder's completed review.

    The note shows the clip's facts, a timeline of the coded events, the key moments (starred events, the first
    command, reason and use of force, turning points) with the exact frame of each, what went well, learning
    points, support offered and agreed next steps. Exporting saves the narrative as a version first if none is
    saved (versioned and audited); every export is audited. A debrief note never goes into a research export.
    """
    from bwvtool import debrief as core
    from bwvtool.coding import blind
    from bwvtool.debrief.notes import check_target

    # Everything is checked before the narrative is saved: a refused export leaves no new version behind.
    writer = pdf_writer() if out is not None and out.suffix.lower() == ".pdf" else None
    if out is not None:
        check_target(out, writer)
    fields = core.read_narrative_file(narrative_file) if narrative_file is not None else None
    with settings.workspace() as ws:
        coder = _blind_checked(ws, clip, coder, settings.user)
        if fields is not None:
            core.save_narrative(ws, clip, fields, coder=coder, actor=settings.user)
        if out is None:
            note = core.build_note(ws, clip, coder, version=version, stills=False)
            blind.record_look(ws, settings.user, "clip", clip, [note.review.coder], "debrief")
            summary = note.summary()
            saved = core.versions(ws, clip, coder)
            emit(as_json, {**summary, "versions": saved}, lambda: _note_text(summary, saved))
            return
        if version is None:
            core.save_narrative(ws, clip, {}, coder=coder, actor=settings.user)  # the draft becomes v1
        note = core.build_note(ws, clip, coder, version=version, stills=not no_stills)
        result = core.export_note(ws, note, out, actor=settings.user, pdf_writer=writer)
        blind.record_look(ws, settings.user, "clip", clip, [note.review.coder], "debrief")
    data = {**result.as_dict(), "clip_id": clip, "coder": note.review.coder, "key_moments": len(note.moments)}
    emit(
        as_json,
        data,
        f"Wrote {result.path} (debrief note v{result.version} of {clip}, {result.bytes:,} bytes,"
        f" {len(note.moments)} key moments); sha256 {result.sha256[:16]}…",
    )


def _blind_checked(ws, clip: str, coder: str | None, user: str) -> str | None:
    """A coder of a blind double-coded sample debriefs only from their own review (see docs/coding.md)."""
    from bwvtool.coding import blind
    from bwvtool.errors import UsageError

    view = blind.clip_view(ws, clip, user)
    if not view.own_only:
        return coder
    if coder not in (None, user):
        raise UsageError(view.reason(clip) + f"; {coder}'s review is not shown")
    return user


@click.command("excerpt")
@click.argument("clip")
@click.option(
    "--from-ms", "from_ms", type=click.FloatRange(min=0), required=True, help="Start, ms into the clip."
)
@click.option("--to-ms", "to_ms", type=float, required=True, help="End (exclusive), ms into the clip.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The new .mp4 file."
)
@click.option(
    "--method",
    type=click.Choice(["auto", "copy", "reencode"]),
    default="auto",
    show_default=True,
    help="auto: stream copy when the cut is on keyframes, else an accurate re-encode.",
)
@json_option
@pass_settings
def excerpt(
    settings: Settings, clip: str, from_ms: float, to_ms: float, out: Path, method: str, as_json: bool
) -> None:
    """Cut a short excerpt of CLIP's video for a debrief or training conversation.

    The original is never modified; the excerpt's SHA-256 and its source are recorded in the audit log.
    """
    from bwvtool.debrief import cut_excerpt

    with settings.workspace() as ws:
        result = cut_excerpt(ws, clip, from_ms, to_ms, out, method=method, actor=settings.user)  # type: ignore[arg-type]
    emit(
        as_json,
        result.as_dict(),
        f"Wrote {result.path}: {result.frames} frames from frame {result.first_frame}, "
        f"{result.duration_ms / 1000:.3f} s, {result.method.replace('_', ' ')} ({result.reason}); "
        f"sha256 {result.sha256[:16]}…",
    )


@click.group("report")
def report() -> None:
    """The unit's reports."""


@report.command("weekly")
@click.option(
    "--week", default=None, help="ISO week like 2021-W13. Default: the newest week with sampled incidents."
)
@click.option(
    "--as-of", "as_of", default=None, help="Reference day YYYY-MM-DD for retention dates (default today)."
)
@click.option(
    "--html", "as_html", is_flag=True, help="Print (or write with --out) a self-contained HTML page."
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to this file."
)
@json_option
@pass_settings
def weekly(
    settings: Settings, week: str | None, as_of: str | None, as_html: bool, out: Path | None, as_json: bool
) -> None:
    """The weekly picture: incidents sampled and reviewed against the 150–200 target by programme, backlog and
    retention, the support-offered share with its 95% interval, learning themes, codes by borough, 12-week trend.
    """
    import json
    from datetime import date

    from bwvtool import report as core

    if as_html and as_json:
        raise UsageError("choose one of --json and --html")
    try:
        today = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise UsageError(f"--as-of {as_of!r} is not a date like 2021-04-05") from None
    from bwvtool.anchors import record_anchor_after

    with settings.workspace() as ws:
        result = core.weekly_report(ws, week, today=today)
        if as_html:
            text = core.render_weekly_html(result)
        elif as_json:
            text = json.dumps(result.as_dict(), indent=2, ensure_ascii=False)
        else:
            text = core.weekly_text(result)
        if out is None:
            click.echo(text)
            return
        out.write_text(text + "\n", encoding="utf-8")
        _, problem = record_anchor_after(ws, "report", where=out, actor=settings.user)
    if problem:
        warn(problem)
    click.echo(f"Wrote {out} (weekly picture {result.week})", err=as_json or as_html)
