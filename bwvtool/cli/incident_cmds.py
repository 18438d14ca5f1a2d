"""`bwvtool incident` commands: align an incident's cameras, show the alignment, nudge a clip, code on incident time."""

from __future__ import annotations

import click

from bwvtool.cli.common import Settings, emit, json_option, pass_settings, table
from bwvtool.errors import UsageError


@click.group("incident")
def incident_group() -> None:
    """Incidents filmed by several cameras: align their clips on one clock and code on it."""


@incident_group.command("align")
@click.argument("incident_id", required=False)
@click.option(
    "--sample", "sample_id", type=int, default=None, help="Align every multi-camera incident of this sample."
)
@click.option(
    "--search-s",
    type=click.FloatRange(min=1, max=600),
    default=30.0,
    show_default=True,
    help="How far (seconds) a camera's catalogued recording time may be wrong.",
)
@json_option
@pass_settings
def incident_align(
    settings: Settings, incident_id: str | None, sample_id: int | None, search_s: float, as_json: bool
) -> None:
    """Align INCIDENT_ID's clips (or those of every incident of --sample ID with two or more clips): catalogue
    recording times refined by cross-correlating the cameras' sound, with each camera's clock drift. Clips with no
    usable common audio keep the catalogue offset and say so. Stored in the workspace (audited)."""
    from bwvtool.cli.terminal import ProgressLine
    from bwvtool.incidents.library import align_incident
    from bwvtool.store import incidents as rows

    if (incident_id is None) == (sample_id is None):
        raise UsageError("give an INCIDENT_ID or --sample ID (one of them)")
    line = ProgressLine(enabled=not as_json)
    results = {}
    with settings.workspace() as ws:
        if sample_id is not None:
            from bwvtool.store import samples

            if samples.get_sample(ws.conn, sample_id) is None:
                raise UsageError(f"no sample {sample_id}")
            incident_ids = rows.of_sample(ws.conn, sample_id)
        else:
            incident_ids = [incident_id]
        try:
            for number, current in enumerate(incident_ids, start=1):
                prefix = f"[{number}/{len(incident_ids)}] " if len(incident_ids) > 1 else ""

                def show(text: str, done: int, total: int, prefix: str = prefix) -> None:
                    line.show(prefix + text, done=done, total=total, force=done == total)

                results[current] = align_incident(
                    ws, current, actor=settings.user, search_s=search_s, progress=show
                )
        finally:
            line.done()
    emit(as_json, results if sample_id is not None else results[incident_id], lambda: _describe_runs(results))


def _describe_runs(results: dict[str, list[dict]]) -> str:
    if not results:
        return "no incident of the sample has two or more clips: nothing to align"
    return "\n\n".join(
        f"Incident {incident_id}\n" + _alignment_table(found) for incident_id, found in results.items()
    )


def _alignment_table(found: list[dict]) -> str:
    from bwvtool.incidents.timeline import METHOD_LABELS

    shown = []
    for row in found:
        moved = row["offset_ms"] - row["catalogue_offset_ms"]
        shown.append(
            {
                "clip": row["clip_id"],
                "offset": f"{row['offset_ms'] / 1000:.3f} s",
                "vs catalogue": f"{moved / 1000:+.3f} s",
                "drift": f"{row['drift_ppm']:+.1f} ppm",
                "confidence": "" if row["confidence"] is None else f"PSR {row['confidence']:.0f}",
                "method": METHOD_LABELS[row["method"]]
                + (f" (to {row['matched_to']})" if row.get("matched_to") else "")
                + (f": {row['note']}" if row.get("note") else "")
                + (f", nudged {row['nudge_frames']:+d} frames" if row.get("nudge_frames") else ""),
            }
        )
    return table(shown, ["clip", "offset", "vs catalogue", "drift", "confidence", "method"])


@incident_group.command("show")
@click.argument("incident_id")
@json_option
@pass_settings
def incident_show(settings: Settings, incident_id: str, as_json: bool) -> None:
    """INCIDENT_ID's clips on the incident clock: each one's offset, drift, confidence, how it was found, and
    when it starts and ends in incident time."""
    from bwvtool.incidents.library import describe

    with settings.workspace() as ws:
        found = describe(ws, incident_id)

    def text() -> str:
        if not found["aligned"]:
            return f"Incident {incident_id} is not aligned yet: run bwvtool incident align {incident_id}"
        aligned = [c for c in found["clips"] if c["method"]]
        lines = [f"Incident {incident_id}", _alignment_table(aligned), "", "Coverage (incident time):"]
        lines += [
            f"  {c['clip_id']}: {c['start_ms'] / 1000:8.3f} s – {c['end_ms'] / 1000:8.3f} s" for c in aligned
        ]
        lines += [f"  {c['clip_id']}: not aligned" for c in found["clips"] if not c["method"]]
        return "\n".join(lines)

    emit(as_json, found, text)


@incident_group.command("nudge")
@click.argument("incident_id")
@click.argument("clip_id")
@click.option(
    "--frames", type=int, required=True, help="Frames to move the clip: + shows later frames, − earlier."
)
@json_option
@pass_settings
def incident_nudge(settings: Settings, incident_id: str, clip_id: str, frames: int, as_json: bool) -> None:
    """Nudge CLIP_ID's place in INCIDENT_ID by whole frames (audited): with --frames +2 the clip shows the frame two
    further on at every incident time (use it when that camera lags behind the others)."""
    from bwvtool.incidents.library import nudge

    with settings.workspace() as ws:
        row = nudge(ws, incident_id, clip_id, frames, actor=settings.user)
    emit(
        as_json,
        row,
        f"Nudged {clip_id} by {frames:+d} frames: offset now {row['offset_ms'] / 1000:.3f} s "
        f"({row['nudge_frames']:+d} frames in all)",
    )


@incident_group.command("code")
@click.argument("incident_id")
@click.option("--camera", "camera", required=True, help="The clip (camera) the event is coded on.")
@click.option("--code", required=True, help="Code id from the codebook.")
@click.option("--at-ms", type=float, required=True, help="Incident time of the event (ms).")
@click.option("--to-ms", type=float, default=None, help="Incident time a state event ends (ms).")
@click.option(
    "--actor", default=None, help="officer_1, subject_2, third_party … (default: the code's default)."
)
@click.option("--note", default=None)
@click.option(
    "--codebook", "codebook_key", default=None, help="Codebook key for a clip not yet coded by you."
)
@json_option
@pass_settings
def incident_code(
    settings: Settings,
    incident_id: str,
    camera: str,
    code: str,
    at_ms: float,
    to_ms: float | None,
    actor: str | None,
    note: str | None,
    codebook_key: str | None,
    as_json: bool,
) -> None:
    """Record an event at incident time --at-ms as coded on --camera, at the frame that camera shows then (an
    ordinary event of that clip, plus its incident time); `incident events` shows it on every camera."""
    from dataclasses import asdict

    from bwvtool.incidents.coding import code_on_incident

    with settings.workspace() as ws:
        event = code_on_incident(
            ws, incident_id, camera=camera, coder=settings.user, code=code, at_ms=at_ms, to_ms=to_ms,
            actor=actor, note=note, codebook_key=codebook_key,
        )  # fmt: skip
    emit(
        as_json,
        asdict(event) | {"incident_id": incident_id, "onset_incident_ms": at_ms, "offset_incident_ms": to_ms},
        f"Saved event {event.id}: {event.code} at incident time {at_ms / 1000:.3f} s, "
        f"{camera} frame {event.onset_frame}",
    )


@incident_group.command("events")
@click.argument("incident_id")
@click.option("--coder", default=None, help="Only this coder's events.")
@json_option
@pass_settings
def incident_events(settings: Settings, incident_id: str, coder: str | None, as_json: bool) -> None:
    """Events coded on INCIDENT_ID's time: when, the camera and frame they were coded on, and the frame every
    camera shows at that moment (– where a camera is not filming).

    As on a clip, on a camera double-coded in a sample not yet opened a coder of that sample sees only their own
    events (blind double coding); showing other coders' events is audited."""
    from bwvtool.cli.common import warn
    from bwvtool.incidents.coding import views

    with settings.workspace() as ws:
        found, notice = views(ws, incident_id, settings.user, coder)
    if notice:
        warn(notice)

    def text() -> str:
        shown = [
            {
                "id": e["event_id"],
                "incident time": f"{e['onset_incident_ms'] / 1000:.3f} s",
                "code": e["code"],
                "coder": e["coder"],
                "coded on": f"{e['clip_id']} #{e['onset_frame']}",
                "every camera": "  ".join(
                    f"{c} #{'–' if f is None else f}" for c, f in sorted(e["frames"].items())
                ),
            }
            for e in found
        ]
        return table(shown, ["id", "incident time", "code", "coder", "coded on", "every camera"])

    emit(as_json, found, text)
