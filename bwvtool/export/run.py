"""One research export of a sample: tables or ELAN files, codebooks, data dictionary and manifest, audited.

The files are written into a hidden staging folder beside ``out`` while one read snapshot of the workspace is
open (coders can keep coding: WAL readers do not block writers), then the export is audited and the staging
folder renamed to ``out``. A failed export leaves no half-written folder behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from bwvtool import __version__, identity
from bwvtool.anchors import current_head, record_anchor_after
from bwvtool.errors import UsageError
from bwvtool.export import dataset
from bwvtool.export.context import COARSENINGS, FORMATS, Context, ExportOptions
from bwvtool.export.eaf import POINT_MS, EafEvent, MediaLink, TranscriptLine, build_eaf, write_eaf
from bwvtool.export.pseudonym import Identity, load_key_file
from bwvtool.export.summary import Summary, SummaryRoles
from bwvtool.export.tables import DICTIONARY, Column, Table, TableWriter, WrittenFile, file_digest, write_json
from bwvtool.store import Workspace
from bwvtool.store import exports as rows_of
from bwvtool.store import samples as sample_rows
from bwvtool.store.codebooks import get_codebook_by_id
from bwvtool.timeutil import utc_now

MANIFEST = "manifest.json"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class ExportResult:
    sample_id: int
    out: Path
    options: ExportOptions
    files: list[WrittenFile]
    rows: dict[str, int]
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    missing_media: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """Some media could not be copied (the rest of the export is complete)."""
        return bool(self.missing_media)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sample_id": self.sample_id,
            "out": str(self.out),
            "format": self.options.fmt,
            "identified": self.options.identified,
            "key_fingerprint": self.manifest["privacy"]["key_fingerprint"],
            "rows": self.rows,
            "files": [f.as_dict() for f in self.files],
            "warnings": self.warnings,
            "missing_media": self.missing_media,
        }


def _check(options: ExportOptions) -> None:
    if options.fmt not in FORMATS:
        raise UsageError(f"unknown export format {options.fmt!r} (choose from {', '.join(FORMATS)})")
    if options.identified and options.key_file is not None:
        raise UsageError(
            "an export is either pseudonymised (--pseudonymise KEYFILE) or --identified, not both"
        )
    if not options.identified and options.key_file is None:
        raise UsageError(
            "research exports are pseudonymised: pass --pseudonymise KEYFILE (make a key with"
            " 'bwvtool export keygen KEYFILE' and keep it with the force), or --identified for internal use"
        )
    if options.coarsen_dates is not None and options.coarsen_dates not in COARSENINGS:
        raise UsageError(f"--coarsen-dates must be one of {', '.join(COARSENINGS)}")
    if options.exact_dates and options.coarsen_dates is not None:
        raise UsageError("dates are either coarsened (--coarsen-dates) or exact (--exact-dates), not both")
    if options.copy_media and options.fmt != "eaf":
        raise UsageError("--copy-media goes with --format eaf")


def _key_place(key_file: Path | None, ws: Workspace) -> str | None:
    """A warning when the key sits in the workspace's folder: whoever copies that folder (a backup, a colleague)
    can reverse the pseudonyms. (It cannot be inside the export: that folder must be new or empty.)"""
    if key_file is None or not isinstance(ws.path, Path):  # a server workspace has no folder
        return None
    if Path(key_file).resolve().parent != ws.path.resolve().parent:
        return None
    return (
        f"the key file {key_file} is in the workspace's folder: whoever copies that folder can reverse the"
        " pseudonyms; keep the key elsewhere"
    )


def _target(out: Path) -> Path:
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder: choose a new folder for the export")
    return out


def export_sample(
    ws: Workspace,
    sample_id: int,
    out: str | Path,
    options: ExportOptions,
    *,
    actor: str | None = None,
    roles: SummaryRoles | None = None,
) -> ExportResult:
    """Export sample ``sample_id`` into the new folder ``out`` (see the module docstring and README).

    :raises UsageError: bad options, no such sample or coder, ``out`` not empty, or an unreadable key file.
    """
    _check(options)
    actor = identity.current_user(actor)
    sample = sample_rows.get_sample(ws.conn, sample_id)
    if sample is None:
        raise UsageError(f"no sample {sample_id} (see 'bwvtool sample list')")
    pseudo = Identity() if options.identified else load_key_file(options.key_file)  # type: ignore[arg-type]
    out = _target(Path(out))
    key_warning = _key_place(options.key_file, ws)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    except OSError as exc:
        raise UsageError(f"cannot write the export into {out}: {_reason(exc)}") from None
    try:
        with rows_of.snapshot(ws.conn) as conn:
            if options.coder is not None and options.coder not in rows_of.coder_names(conn):
                known = ", ".join(rows_of.coder_names(conn)) or "none"
                raise UsageError(f"no coder {options.coder!r} in this workspace (coders: {known})")
            tally = rows_of.event_tally(conn, sample_id)  # one pass for codebooks, counts and coders
            codebooks = {
                i: get_codebook_by_id(conn, i)
                for i in rows_of.codebook_ids(conn, sample_id, options.coder, tally)
            }
            ctx = Context(sample=sample, options=options, pseudo=pseudo, codebooks=codebooks)
            if key_warning:
                ctx.warnings.append(key_warning)
            ctx.people = sorted({*rows_of.coder_names(conn), actor})
            expected = rows_of.count_rows(conn, sample_id, options.coder, tally)
            if options.fmt == "eaf":
                files, rows, missing = _write_eafs(ctx, conn, staging, out, actor)
                summary_roles = None
            else:
                files, rows, summary_roles = _write_tables(ctx, conn, staging, roles, tally)
                missing = []
        for name in ("clips", "events", "reviews"):
            if name in rows and rows[name] != expected[name]:
                ctx.warnings.append(f"{name}: wrote {rows[name]} rows, the workspace holds {expected[name]}")
        manifest = _manifest(ctx, actor, files, rows, summary_roles)
        manifest["audit_anchor"] = current_head(ws, actor=actor)  # what the workspace's log held at export
        files.append(write_json(staging, MANIFEST, manifest))
        with ws.transaction(actor) as tx:
            tx.audit(
                "export.identified" if options.identified else "export.pseudonymised",
                "sample",
                str(sample_id),
                {
                    "out": str(out.resolve()),
                    "format": options.fmt,
                    "key_fingerprint": manifest["privacy"]["key_fingerprint"],
                    "coder": options.coder,
                    "keep_text": options.keep_text,
                    "dates": options.dates or "exact",
                    "exact_dates": options.exact_dates,
                    "rows": rows,
                    "manifest_sha256": files[-1].sha256,
                },
            )
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UsageError(f"cannot write the export into {out}: {_reason(exc)}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _, problem = record_anchor_after(ws, "export", where=out, actor=actor)
    if problem:
        ctx.warnings.append(problem)
    return ExportResult(sample_id, out, options, files, rows, manifest, ctx.warnings, missing)


def _reason(exc: OSError) -> str:
    """An OS error as plain words naming the file (never the hidden staging folder's name)."""
    what = (exc.strerror or str(exc)).lower()
    name = Path(exc.filename).name if exc.filename else ""
    return what if not name or name.startswith(".") else f"{what} ({name})"


# -- tables ---------------------------------------------------------------------------------------------------
def _write_table(folder: Path, table: Table, fmt: str, fill: Any) -> tuple[WrittenFile, Any]:
    """Stream ``fill(writer)`` into the table's file; the file written and what ``fill`` returned."""
    with TableWriter(folder, table, fmt) as writer:  # type: ignore[arg-type]
        result = fill(writer)
    return writer.close(), result


def _write_rows(writer: TableWriter, rows: list[list[Any]]) -> None:
    for row in rows:
        writer.write(row)


def _write_tables(
    ctx: Context, conn: Any, folder: Path, roles: SummaryRoles | None, tally: rows_of.EventTally
) -> tuple[list[WrittenFile], dict[str, int], dict[str, list[str]]]:
    fmt = ctx.options.fmt
    clip_rows = dataset.read_clips(ctx, conn, ctx.people)
    coders_of = rows_of.coders_by_clip(conn, ctx.sample_id, tally)
    summary = Summary(ctx, roles)
    tables = [
        dataset.clips_table(ctx),
        dataset.reviews_table(ctx),
        dataset.events_table(ctx),
        summary.table(),
    ]
    clips, _ = _write_table(
        folder, tables[0], fmt, lambda w: dataset.write_clips(ctx, clip_rows, coders_of, w)
    )
    reviews, statuses = _write_table(folder, tables[1], fmt, lambda w: dataset.write_reviews(ctx, conn, w))
    events, _ = _write_table(
        folder, tables[2], fmt, lambda w: dataset.write_events(ctx, conn, w, summary.observe)
    )
    summarised, _ = _write_table(folder, tables[3], fmt, lambda w: summary.write(coders_of, statuses, w))
    files = [clips, reviews, events, summarised]
    dictionary = [column.dictionary_row(f.name) for table, f in zip(tables, files, strict=True)
                  for column in table.columns]  # fmt: skip
    rows = {t.name: f.rows for t, f in zip(tables, files, strict=True)}
    files += _codebook_files(ctx, folder)
    files.append(_write_table(folder, DICTIONARY, fmt, lambda w: _write_rows(w, dictionary))[0])
    return files, rows, summary.roles_description()


def _codebook_files(ctx: Context, folder: Path) -> list[WrittenFile]:
    return [
        write_json(folder, f"codebook_{s.key}_v{s.version}.json", s.codebook.data())
        for s in ctx.codebooks.values()
    ]


# -- ELAN -----------------------------------------------------------------------------------------------------
_EAF_DICTIONARY = [
    Column("TIER_ID", "text", "track@actor@coder (the coder as in ANNOTATOR); #2, #3 … for overflow tiers where"
           " annotations would overlap."),
    Column("LINGUISTIC_TYPE_REF", "text", "The track (its controlled vocabulary lists the track's codes)."),
    Column("PARTICIPANT", "text", "The actor: officer_N, subject_N or third_party."),
    Column("ANNOTATOR", "identifier", "The coder (a keyed pseudonym unless the export is identified)."),
    Column("ANNOTATION_VALUE", "text", f"The code id. Point events are {POINT_MS} ms annotations."),
    Column("…/details", "text", "Dependent tier: JSON per annotation — f frames, m modifiers, s starred, id and"
           " cause event ids, n note (kept text only), open (state never ended), end (true offset)."),
]  # fmt: skip


def _media_link(
    ctx: Context, clip_name: str, media_path: str | None, out: Path, copied: bool
) -> MediaLink | None:
    """The media link of one clip's EAF, always relative to the export folder (an absolute path would name the
    exporter's folders): the copied file, where it is expected (pseudonymised), or the real file (identified)."""
    if not media_path:
        return None
    suffix = Path(media_path).suffix or ".mp4"
    if copied or not ctx.pseudo.identified:
        local = f"./media/{clip_name}{suffix}"
        return MediaLink.for_path(local, local, local)
    source = _resolve_media(ctx, media_path)
    try:
        relative = Path(os.path.relpath(source, out.resolve())).as_posix()
    except ValueError:  # another drive (Windows): no relative path, so no link
        return None
    relative = relative if relative.startswith("..") else f"./{relative}"
    return MediaLink.for_path(relative, relative, media_path)


def _resolve_media(ctx: Context, media_path: str) -> Path:
    path = Path(media_path).expanduser()
    if not path.is_absolute():
        path = (ctx.options.media_root or Path.cwd()) / path
    return path.resolve()


def _eaf_events(ctx: Context, rows: Any) -> list[EafEvent]:
    events = []
    for (event_id, _clip, _incident, coder, codebook_id, track, code_id, actor, onset, onset_frame, offset,
         offset_frame, modifiers, note, starred, caused_by, _created, _updated, *_incident) in rows:  # fmt: skip
        code = ctx.code(codebook_id, code_id)
        is_state = code.is_state if code is not None else offset is not None
        events.append(
            EafEvent(ctx.person(coder), track, code_id, actor, onset, offset, is_state, onset_frame, offset_frame,
                     json.loads(modifiers), ctx.text(note), bool(starred), event_id, caused_by)
        )  # fmt: skip
    return events


def _write_eafs(
    ctx: Context, conn: Any, folder: Path, out: Path, actor: str
) -> tuple[list[WrittenFile], dict[str, int], list[str]]:
    dataset.read_clips(ctx, conn, ctx.people)
    books = [s.codebook for s in ctx.codebooks.values()]
    date = datetime.now(UTC).replace(microsecond=0).isoformat()
    by_clip: dict[str, list[EafEvent]] = {}
    on_incident: dict[str, list[tuple[Any, ...]]] = {}  # events coded on incident time, by incident
    n_events = 0
    for clip_id, rows in groupby(
        rows_of.event_rows(conn, ctx.sample_id, ctx.options.coder), key=lambda r: r[1]
    ):
        listed = list(rows)
        by_clip[clip_id] = _eaf_events(ctx, listed)
        n_events += len(by_clip[clip_id])
        for row in listed:
            if row[19] is not None:
                on_incident.setdefault(row[2], []).append(row)
    missing: list[str] = []
    files: list[WrittenFile] = []
    for clip_id, info in ctx.clips.items():
        name = _SAFE_NAME.sub("_", info.name)
        copied = False
        if ctx.options.copy_media and info.media_path:
            copied = _copy_media(
                ctx, info.media_path, folder / "media" / f"{name}{Path(info.media_path).suffix}"
            )
            if not copied:
                missing.append(info.name)
        events = by_clip.get(clip_id, [])
        tree = build_eaf(clip_name=info.name, duration_ms=info.duration_ms, events=events, codebooks=books,
                         media=_media_link(ctx, name, info.media_path, out, copied), author=ctx.person(actor) or "", date=date,
                         transcript=_eaf_transcript(ctx, conn, clip_id))  # fmt: skip
        path = folder / f"{name}.eaf"
        write_eaf(path, tree)
        digest, size = file_digest(path)
        files.append(WrittenFile(path.name, len(events), digest, size))
        if copied:
            media = folder / "media" / f"{name}{Path(info.media_path).suffix}"  # type: ignore[arg-type]
            digest, size = file_digest(media)
            files.append(WrittenFile(f"media/{media.name}", 0, digest, size))
    for incident_id, rows in sorted(on_incident.items()):
        files.append(_write_incident_eaf(ctx, conn, folder, out, incident_id, rows, books, actor, date))
    if missing:
        ctx.warnings.append(f"media not found for {len(missing)} clip(s): {', '.join(missing[:10])}")
    files += _codebook_files(ctx, folder)
    described = [column.dictionary_row("<clip>.eaf") for column in _EAF_DICTIONARY]
    files.append(_write_table(folder, DICTIONARY, "csv", lambda w: _write_rows(w, described))[0])
    return files, {"clips": len(ctx.clips), "events": n_events, "incidents": len(on_incident)}, missing


def _write_incident_eaf(
    ctx: Context, conn: Any, folder: Path, out: Path, incident_id: str, rows: list[tuple[Any, ...]],
    books: list[Any], actor: str, date: str,
) -> WrittenFile:  # fmt: skip
    """One incident's events coded on incident time, on the incident clock, with every camera of the sample's
    (one MEDIA_DESCRIPTOR each, TIME_ORIGIN its media time at incident time 0; see :mod:`bwvtool.export.eaf`)."""
    from bwvtool.incidents.timeline import Placement
    from bwvtool.store import incidents as incident_rows

    events = []
    for row, event in zip(rows, _eaf_events(ctx, rows), strict=True):
        onset, offset = round(row[19]), None if row[20] is None else round(row[20])
        events.append(replace(event, onset_ms=max(0, onset), offset_ms=offset, camera=ctx.clips[row[1]].name))
    media, properties = [], [("bwvtool:incident", ctx.pseudo("incident", incident_id) or "")]
    duration = max((e.offset_ms or e.onset_ms) + POINT_MS for e in events)
    for aligned in incident_rows.alignments(conn, incident_id):
        info = ctx.clips.get(aligned["clip_id"])
        if info is None:  # a camera outside the sample: not exported
            continue
        place = Placement(info.clip_id, aligned["offset_ms"], aligned["drift_ppm"])
        duration = max(duration, round(place.incident_ms(info.duration_ms)))
        name = _SAFE_NAME.sub("_", info.name)
        link = _media_link(ctx, name, info.media_path, out, (folder / "media" / name).with_suffix(
            Path(info.media_path or ".mp4").suffix).is_file())  # fmt: skip
        if link is not None:
            media.append(replace(link, time_origin=round(place.camera_ms(0))))
        properties.append(("bwvtool:camera", f"{info.name} offset_ms={aligned['offset_ms']:.3f}"
                                              f" drift_ppm={aligned['drift_ppm']:.2f}"))  # fmt: skip
    name = _SAFE_NAME.sub("_", ctx.pseudo("incident", incident_id) or incident_id)
    tree = build_eaf(clip_name=ctx.pseudo("incident", incident_id) or "", duration_ms=duration, events=events,
                     codebooks=books, media=media, author=ctx.person(actor) or "", date=date,
                     properties=properties)  # fmt: skip
    path = folder / f"incident_{name}.eaf"
    write_eaf(path, tree)
    digest, size = file_digest(path)
    return WrittenFile(path.name, len(events), digest, size)


def _eaf_transcript(ctx: Context, conn: Any, clip_id: str) -> list[TranscriptLine] | None:
    """The clip's newest transcript for its EAF, only when text is kept, scrubbed like notes; speakers keep
    their labels in identified exports only (elsewhere speaker_1, speaker_2 … in order of first words)."""
    from bwvtool.store import transcripts as transcript_rows

    found = transcript_rows.latest(conn, clip_id) if ctx.options.keep_text else None
    if found is None:
        return None
    speakers: dict[str, str] = {}
    lines = []
    for u in transcript_rows.utterances(conn, found.id):
        label = u.speaker or "unknown"
        if not ctx.options.identified:
            label = speakers.setdefault(label, f"speaker_{len(speakers) + 1}")
        lines.append(TranscriptLine(u.start_ms, u.end_ms, label, ctx.text(u.text) or ""))
    return lines


def _copy_media(ctx: Context, media_path: str, target: Path) -> bool:
    source = _resolve_media(ctx, media_path)
    if not source.is_file():
        return False
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(source, target)
    return True


# -- manifest -------------------------------------------------------------------------------------------------
def _manifest(
    ctx: Context,
    actor: str,
    files: list[WrittenFile],
    rows: dict[str, int],
    summary_roles: dict[str, list[str]] | None,
) -> dict[str, Any]:
    sample, options = ctx.sample, ctx.options
    report = sample.get("report") or {}
    manifest: dict[str, Any] = {
        "format": "bwvtool-research-export",
        "format_version": 1,
        "tool": {"name": "bwvtool", "version": __version__},
        "exported_at": utc_now(),
        "exported_by": ctx.person(actor),
        "export_format": options.fmt,
        "sample": {
            "id": sample["id"],
            "name": sample["name"],
            "unit": sample["unit"],
            "plan_sha256": sample["plan_sha256"],
            "seed": sample["seed"],
            "as_of": report.get("as_of"),
            "drawn_at": sample["drawn_at"],
            "manifest_sha256": sample["manifest_sha256"],
            "frame_sha256": sample["frame_sha256"],
            "frame_size": sample["frame_size"],
        },
        "codebooks": [
            {
                "key": s.key,
                "version": s.version,
                "sha256": s.sha256,
                "file": f"codebook_{s.key}_v{s.version}.json",
            }
            for s in ctx.codebooks.values()
        ],
        "privacy": {
            "identified": options.identified,
            "key_fingerprint": ctx.pseudo.fingerprint,
            "pseudonymised_columns": []
            if options.identified
            else [
                "clip_id",
                "incident_id",
                "unit_id",
                "officer_ref",
                "camera_id",
                "coder",
                "coders",
                "exported_by",
            ],  # fmt: skip
            "free_text": "kept" if options.keep_text else "dropped",
            "dates": options.dates or "exact",
        },
        "filters": {"coder": ctx.person(options.coder)},
        "rows": rows,
        "files": [f.as_dict() for f in files],
        "warnings": ctx.warnings,
    }
    if summary_roles is not None:
        manifest["summary_roles"] = summary_roles
    if options.fmt == "eaf":
        manifest["eaf"] = {"version": "3.0", "point_ms": POINT_MS, "time_units": "milliseconds"}
    return manifest
