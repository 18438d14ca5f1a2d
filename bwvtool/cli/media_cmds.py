"""`bwvtool media` commands: probe, frame, hash, generate, analyse, check."""

from __future__ import annotations

from pathlib import Path

import click

from bwvtool.cli.common import Settings, emit, exit_partial_if, json_option, pass_settings
from bwvtool.errors import MediaError, UsageError

_FILE = click.Path(
    dir_okay=False, path_type=Path
)  # existence is checked by the core, with a one-line message
_TIMEOUT = click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Give up (exit 2) if an ffmpeg run takes longer than this many seconds. Default: 20 s plus 10 s per GB.",
)


@click.group(name="media")
def group() -> None:
    """Media files: probe them and grab exact frames."""


@group.command()
@click.argument("file", type=_FILE)
@_TIMEOUT
@json_option
def probe(file: Path, timeout_s: float | None, as_json: bool) -> None:
    """Container, duration, start time, video (codec, size, fps, VFR, rotation) and audio facts of FILE."""
    from bwvtool.media.probe import probe as probe_file

    info = probe_file(file, timeout_s=timeout_s)
    emit(as_json, info.as_dict(), lambda: _describe(info))


def _describe(info) -> str:
    lines = [
        f"{info.path}: {info.container}, {info.duration_s or 0:.3f} s, start {info.start_time_s:.6f} s, "
        f"{info.size_bytes:,} bytes"
    ]
    if (v := info.video) is not None:
        rate = "VFR" if v.is_vfr else "CFR"
        shown = f" (shown {v.display_width}x{v.display_height}, rotated {v.rotation}°)" if v.rotation else ""
        lines.append(
            f"video: {v.codec} {v.width}x{v.height}{shown} {v.pix_fmt or ''}, {v.fps} fps "
            f"(avg {v.avg_frame_rate}, base {v.r_frame_rate}) {rate}, {v.frame_count} frames"
        )
    else:
        lines.append("video: none")
    if (a := info.audio) is not None:
        lines.append(f"audio: {a.codec} {a.sample_rate} Hz, {a.channel_layout} ({a.channels} ch)")
    else:
        lines.append("audio: none")
    return "\n".join(lines)


@group.command()
@click.argument("file", type=_FILE)
@click.option("--at-ms", "at_ms", type=float, required=True, help="Time in ms from the start of the clip.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PNG file to write."
)
@_TIMEOUT
@json_option
def frame(file: Path, at_ms: float, out: Path, timeout_s: float | None, as_json: bool) -> None:
    """Write the frame shown at --at-ms (the last frame starting at or before it, not the nearest keyframe).

    Times count from the container start, as players do; rotated clips come out as displayed.
    """
    from bwvtool.media.frame import grab_frame

    grabbed = grab_frame(file, at_ms, timeout_s=timeout_s)
    grabbed.save(out)
    data = {
        "file": str(file),
        "out": str(out),
        **grabbed.describe(),
        "width": grabbed.width,
        "height": grabbed.height,
    }
    emit(
        as_json,
        data,
        f"{out}: frame {grabbed.index} (pts {grabbed.pts_ms:g} ms) shown at {at_ms:g} ms, "
        f"{grabbed.width}x{grabbed.height}",
    )


@group.command(name="hash")
@click.argument("file", type=_FILE)
@json_option
def hash_(file: Path, as_json: bool) -> None:
    """SHA-256 of FILE (streamed; the value the catalogue's sha256 column holds)."""
    from bwvtool.media.hashing import sha256_file

    digest = sha256_file(file)
    emit(as_json, {"file": str(file), "sha256": digest}, f"{digest}  {file}")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size {text!r}: use WIDTHxHEIGHT, e.g. 1280x720") from None
    return width, height


@group.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--seconds", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Clip length."
)
@click.option("--fps", default="25", show_default=True, help="Frame rate: 25, 30, 60, 29.97 or 30000/1001.")
@click.option("--size", default="1280x720", show_default=True, help="Stored picture size WIDTHxHEIGHT.")
@click.option("--no-audio", is_flag=True, help="Leave out the speech-like audio track.")
@click.option("--vfr", is_flag=True, help="Variable frame rate (half-rate and stuttering stretches).")
@click.option(
    "--rotate", type=click.Choice(["0", "90", "180", "270"]), default="0", help="Display rotation, clockwise."
)
@click.option("--start-s", type=click.FloatRange(min=0), default=0.0, help="Container start time in seconds.")
@click.option(
    "--gop-s", type=click.FloatRange(min=0.04), default=2.0, show_default=True, help="Keyframe interval."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Varies motion, VFR pattern and audio.")
@json_option
def generate(
    out: Path,
    seconds: float,
    fps: str,
    size: str,
    no_audio: bool,
    vfr: bool,
    rotate: str,
    start_s: float,
    gop_s: float,
    seed: int,
    as_json: bool,
) -> None:
    """Make a synthetic clip: frame-index pixel code, visible timecode, moving content, speech-like audio."""
    from bwvtool.media.synth import make_clip

    width, height = _size(size)
    path = make_clip(
        out, seconds=seconds, fps=fps, width=width, height=height, audio=not no_audio, vfr=vfr,
        rotate=int(rotate), start_s=start_s, gop_s=gop_s, seed=seed,
    )  # fmt: skip
    data = {"out": str(path), "size_bytes": path.stat().st_size}
    emit(as_json, data, f"{path}: {data['size_bytes']:,} bytes")


@group.command("generate-incident")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--seconds", type=click.FloatRange(min=60), default=120.0, show_default=True, help="Scene length."
)
@click.option(
    "--cameras", type=click.IntRange(2, 5), default=4, show_default=True,
    help="2–4 cameras that hear the scene; a 5th is a short clip wholly in its silent pre-event buffer.",
)  # fmt: skip
@click.option("--size", default="320x180", show_default=True, help="Stored picture size WIDTHxHEIGHT.")
@click.option("--incident-id", default="INC-SYN-1", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Varies the scene's sound and motion.")
@json_option
def generate_incident(
    folder: Path, seconds: float, cameras: int, size: str, incident_id: str, seed: int, as_json: bool
) -> None:
    """Film one synthetic scene with several cameras into FOLDER: one clip per camera (different start times,
    gains and noise, 25 and 29.97 fps, one with a silent first 30 s, one 100 ppm fast; every frame carries its
    index as a pixel code and its time), catalogue.csv with each camera's own slightly wrong recorded_at, and
    truth.json with when each camera really started."""
    from bwvtool.media.synth_incident import make_incident

    width, height = _size(size)
    made = make_incident(
        folder,
        seconds=seconds,
        cameras=cameras,
        incident_id=incident_id,
        width=width,
        height=height,
        seed=seed,
    )
    data = {
        "folder": str(made.folder),
        "catalogue": str(made.catalogue),
        "truth": str(made.truth),
        "clips": [str(made.media(c.clip_id)) for c in made.cameras],
    }
    emit(
        as_json,
        data,
        f"{made.folder}: {len(made.cameras)} clips of incident {incident_id}, {made.catalogue.name}",
    )


@group.command()
@click.argument("clip_id", required=False)
@click.option("--sample", "sample_id", type=int, default=None, help="Analyse every clip of this sample.")
@click.option("--force", is_flag=True, help="Analyse again even when the stored tracks are current.")
@click.option(
    "--raised-lu",
    type=click.FloatRange(min=0),
    default=None,
    help="Raised-voice threshold: LU above the clip's own speech level. Default: 8.",
)
@json_option
@pass_settings
def analyse(
    settings: Settings,
    clip_id: str | None,
    sample_id: int | None,
    force: bool,
    raised_lu: float | None,
    as_json: bool,
) -> None:
    """Loudness (EBU R128 momentary), voice activity and waveform of CLIP_ID's audio, or of every clip of
    --sample ID, stored in the workspace (done once per media file). Prints speech regions, the clip's speech
    level and raised-voice candidates."""
    from bwvtool.audio.clips import analyse_many, sample_clips
    from bwvtool.audio.tracks import DEFAULT_RAISED_LU
    from bwvtool.cli.terminal import ProgressLine

    if (clip_id is None) == (sample_id is None):
        raise UsageError("give a CLIP_ID or --sample ID (one of them)")
    threshold = DEFAULT_RAISED_LU if raised_lu is None else raised_lu
    line = ProgressLine(enabled=not as_json)
    with settings.workspace() as ws:
        clip_ids = [clip_id] if clip_id else sample_clips(ws, sample_id)  # type: ignore[arg-type]
        if clip_id:
            from bwvtool.audio.clips import media_of

            media_of(ws, clip_id)  # a wrong clip id is a usage error, not a per-clip failure
        total = len(clip_ids)

        def tick(current: str, seconds: float) -> None:
            done = clip_ids.index(current)
            line.show(f"analysing {current} ({done + 1}/{total}): {seconds:,.0f} s of audio")

        results = analyse_many(ws, clip_ids, actor=settings.user, force=force, progress=tick)
    line.done()
    rows = [
        {"clip_id": r.clip_id, "status": r.status, "error": r.error}
        | (r.tracks.summary(threshold) if r.tracks else {})
        for r in results
    ]
    failed = [r for r in rows if r["status"] == "failed"]
    if clip_id and failed:
        raise MediaError(failed[0]["error"])
    emit(as_json, rows if sample_id is not None else rows[0], lambda: _describe_audio(rows))
    exit_partial_if(bool(failed))


def _describe_audio(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        if row["status"] == "failed":
            lines.append(f"{row['clip_id']}: failed: {row['error']}")
            continue
        level = row["speech_level_lufs"]
        raised = row["raised"]
        lines.append(
            f"{row['clip_id']}: {row['status']}, {row['duration_ms'] / 1000:.1f} s, "
            f"{row['speech_regions']} speech regions ({row['speech_ms'] / 1000:.1f} s), speech level "
            + ("n/a" if level is None else f"{level:.1f} LUFS")
            + f", {len(raised)} raised-voice candidates (≥ {row['raised_threshold_lu']:g} LU above)"
        )
        lines += [
            f"  raised {c['start_ms'] / 1000:8.1f}–{c['end_ms'] / 1000:.1f} s  peak {c['peak_lufs']:.1f} LUFS"
            f" (+{c['above_lu']:.1f} LU)"
            for c in raised
        ]
    return "\n".join(lines)


@group.command(name="check")
@click.argument("clip_ids", nargs=-1)
@click.option("--sample", "sample_id", type=int, default=None, help="Check every clip of this sample.")
@click.option("--all", "every", is_flag=True, help="Check every clip in the catalogue.")
@json_option
@pass_settings
def check(
    settings: Settings, clip_ids: tuple[str, ...], sample_id: int | None, every: bool, as_json: bool
) -> None:
    """Check the media of catalogued clips: is each file there, readable, and the catalogued one (SHA-256)?

    Give CLIP_IDS, --sample ID or --all. Each clip's media status (ok, missing, mismatch, unreadable) is stored and
    shown in the catalogue and on the desk; a missing SHA-256 is filled in. Files are hashed outside any
    transaction and results stored in short steps, so reviewers keep coding. Exit 1 when any file has a problem.
    """
    from bwvtool.catalogue.media_sweep import check_media
    from bwvtool.cli.terminal import ProgressLine

    if sum((bool(clip_ids), sample_id is not None, every)) != 1:
        raise UsageError("give CLIP_IDS, --sample ID or --all (one of them)")
    line = ProgressLine(enabled=not as_json)
    with settings.workspace() as ws:
        try:
            sweep = check_media(
                ws, clip_ids=list(clip_ids) or None, sample_id=sample_id, actor=settings.user,
                progress=lambda done, total: line.show(f"checking media: {done:,} of {total:,} clips", done=done, total=total),
            )  # fmt: skip
        finally:
            line.done()
    emit(as_json, sweep.as_dict(), lambda: _describe_sweep(sweep.as_dict()))
    exit_partial_if(sweep.partial)


def _describe_sweep(data: dict) -> str:
    lines = [
        f"{data['checked']:,} media files checked: {data['ok']:,} ok, {data['missing']:,} missing,"
        f" {data['mismatch']:,} not the catalogued file, {data['unreadable']:,} unreadable"
        + (f"; {data['no_media_path']:,} clips have no media path" if data["no_media_path"] else "")
    ]
    lines += [f"  {p['clip_id']}: {p['status']} — {p['detail']}" for p in data["problems"][:50]]
    if len(data["problems"]) > 50:
        lines.append(f"  … and {len(data['problems']) - 50:,} more (use --json for all)")
    return "\n".join(lines)
