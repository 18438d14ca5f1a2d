"""``bwvtool import eaf``: ELAN files back into a workspace as one coder's events, one audited transaction per file.

Which clip a file belongs to: ``clip_id`` (one file), else the file's ``bwvtool:clip`` property — a clip id, or a
pseudonym resolved among the sample's clips with the key that made it. Which codebook: ``codebook``
(``key`` or ``key@version``), else the file's single ``bwvtool:codebook`` property.

A clip on which the coder already has events is left alone unless ``replace`` is set; then the coder's events on
that clip are replaced in the same transaction (undoable from the audit log, never silently merged) — but only by
something valid: a file that yields no event deletes nothing. Everything left out (a tier, an annotation, a file)
is named with its reason, and makes the import partial (exit 1 from the command line). The annotator of a
pseudonymised export is the coder's pseudonym: with the key, tiers of either name are read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool import identity
from bwvtool.coding.commands import AddEvent, DeleteEvent, EditEvent
from bwvtool.coding.errors import CodingError
from bwvtool.coding.model import Event
from bwvtool.errors import UsageError
from bwvtool.export.eaf import PROP_CLIP, PROP_CODEBOOK, EafEvent
from bwvtool.export.eaf_read import EafDocument, EafError, events_from, read_eaf
from bwvtool.export.pseudonym import load_key_file
from bwvtool.export.tables import file_digest
from bwvtool.store import Workspace
from bwvtool.store import events as event_rows
from bwvtool.store import exports as rows_of
from bwvtool.store import queue as queue_rows
from bwvtool.store import samples as sample_rows
from bwvtool.store.codebooks import StoredCodebook, get_codebook
from bwvtool.store.queue import QueueItem


@dataclass
class FileResult:
    file: str
    clip_id: str | None = None
    codebook: str | None = None
    imported: int = 0
    replaced: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(
        default_factory=list
    )  # information only (frames estimated): not a partial import

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "clip_id": self.clip_id,
            "codebook": self.codebook,
            "imported": self.imported,
            "replaced": self.replaced,
            "problems": self.problems,
            "skipped": self.skipped,
            "notes": self.notes,
        }


@dataclass
class ImportReport:
    coder: str
    files: list[FileResult]

    @property
    def imported(self) -> int:
        return sum(f.imported for f in self.files)

    @property
    def partial(self) -> bool:
        """Something was left out: an unknown tier or value, another annotator's tiers, a file not imported."""
        return any(f.problems or f.skipped for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {"coder": self.coder, "imported": self.imported, "files": [f.as_dict() for f in self.files]}


def import_eaf(
    ws: Workspace,
    files: list[str | Path],
    *,
    coder: str,
    sample_id: int | None = None,
    clip_id: str | None = None,
    key_file: str | Path | None = None,
    codebook: str | None = None,
    annotator: str | None = None,
    replace: bool = False,
    actor: str | None = None,
) -> ImportReport:
    """Import ELAN files as ``coder``'s events (see the module docstring).

    :param annotator: read the tiers of this annotator (default: ``coder``); tiers naming no annotator are read too.
    :raises UsageError: bad options (no files, ``clip_id`` with several files, unknown sample, codebook or clip).
    """
    if not files:
        raise UsageError("name at least one .eaf file")
    if clip_id is not None and len(files) > 1:
        raise UsageError("--clip names one clip: import one file with it, or use --sample for several")
    if key_file is not None and sample_id is None:
        raise UsageError("pseudonyms are resolved among a sample's clips: give --sample with --pseudonymise")
    if sample_id is not None and sample_rows.get_sample(ws.conn, sample_id) is None:
        raise UsageError(f"no sample {sample_id} (see 'bwvtool sample list')")
    if clip_id is not None and rows_of.clip_media(ws.conn, clip_id) is None:
        raise UsageError(f"no clip {clip_id!r} in the catalogue")
    fixed_codebook = _codebook(ws, codebook) if codebook else None
    names = _sample_names(ws, sample_id, key_file)
    wanted = annotator or coder
    annotators = (
        frozenset([wanted])
        if key_file is None
        else frozenset([wanted, load_key_file(key_file)("coder", wanted)])
    )
    actor = identity.current_user(actor)
    results = []
    for path in map(Path, files):
        result = FileResult(path.name)
        results.append(result)
        try:
            doc = read_eaf(path)
        except EafError as exc:
            result.problems.append(str(exc))
            continue
        target = clip_id or _clip_of(doc, names, result)
        stored = fixed_codebook or _codebook_of(ws, doc, result)
        if target is None or stored is None:
            continue
        result.clip_id, result.codebook = target, stored.codebook.label
        _import_file(ws, doc, path, target, stored, coder, annotators, replace, actor, result, sample_id)
    return ImportReport(coder, results)


def _codebook(ws: Workspace, text: str) -> StoredCodebook:
    key, _, version = text.partition("@")
    if version and not version.isdigit():
        raise UsageError(f"codebook {text!r}: write KEY or KEY@VERSION, e.g. ss_language_behaviour@1")
    return get_codebook(ws.conn, key, int(version) if version else None)


def _sample_names(ws: Workspace, sample_id: int | None, key_file: str | Path | None) -> dict[str, str] | None:
    """Name in a file (clip id, or pseudonym with a key) -> clip id, for the sample's clips; None: any clip."""
    if sample_id is None:
        return None
    clips = [row[0] for row in rows_of.clip_rows(ws.conn, sample_id)]
    names = {clip: clip for clip in clips}
    if key_file is not None:
        pseudo = load_key_file(key_file)
        names.update({pseudo("clip", clip): clip for clip in clips})  # type: ignore[misc]
    return names


def _clip_of(doc: EafDocument, names: dict[str, str] | None, result: FileResult) -> str | None:
    named = doc.property(PROP_CLIP)
    if not named:
        result.problems.append(f"{PROP_CLIP} property missing: say which clip with --clip")
        return None
    name = named[0]
    if names is None:
        return name
    if name not in names:
        hint = (
            " (a pseudonym: give the key that made it with --pseudonymise)"
            if name.startswith("clip-")
            else ""
        )
        result.problems.append(f"clip {name!r} is not in the sample{hint}")
        return None
    return names[name]


def _codebook_of(ws: Workspace, doc: EafDocument, result: FileResult) -> StoredCodebook | None:
    named = sorted(set(doc.property(PROP_CODEBOOK)))
    if len(named) != 1:
        which = "no" if not named else f"{len(named)} ({', '.join(named)})"
        result.problems.append(
            f"the file names {which} codebook(s): choose one with --codebook KEY[@VERSION]"
        )
        return None
    try:
        return _codebook(ws, named[0])
    except UsageError as exc:
        result.problems.append(str(exc))
        return None


def _fps(probe: str | None) -> float | None:
    if not probe:
        return None
    video = json.loads(probe).get("video") or {}
    return video.get("fps")


def _import_file(
    ws: Workspace,
    doc: EafDocument,
    path: Path,
    clip_id: str,
    stored: StoredCodebook,
    coder: str,
    annotator: frozenset[str],
    replace: bool,
    actor: str,
    result: FileResult,
    sample_id: int | None = None,
) -> None:
    clip = rows_of.clip_media(ws.conn, clip_id)
    if clip is None:
        result.problems.append(f"clip {clip_id!r} is not in the catalogue")
        return
    fps = _fps(clip[2])
    parsed = events_from(doc, codebook=stored.codebook, annotator=annotator, coder=coder, fps=fps)
    result.problems += parsed.problems
    result.skipped += parsed.skipped
    if fps is None and parsed.estimated_frames:
        result.notes.append(
            f"frames of {parsed.estimated_frames} event(s) estimated at 25 fps (the clip's frame rate was never probed)"
        )
    try:  # the coding rules (bwvtool.coding.rules) hold for imported events too
        with ws.transaction(actor) as tx:
            coder_id = ws.coder_id(tx, coder)
            # With --sample the events are the coder's coding for that sample (their assignment of the clip in
            # it, coded with its codebook); without, clip-level work.
            assignment = _assignment(tx.conn, sample_id, clip_id, coder_id)
            if assignment is not None and assignment.codebook not in (None, stored.key):
                result.problems.append(
                    f"{path.name}: sample {sample_id} is coded with {assignment.codebook}, the file with"
                    f" {stored.key}: nothing imported"
                )
                return
            assignment_id = None if assignment is None else assignment.assignment_id
            existing = event_rows.for_coding(tx.conn, clip_id, coder_id, assignment_id)
            if assignment_id is not None:  # clip-level work with this codebook counts for the sample too
                clip_level = event_rows.for_coding(tx.conn, clip_id, coder_id, None)
                existing += [e for e in clip_level if e.codebook_id == stored.id]
            if existing and not replace:
                result.problems.append(
                    f"{coder} already has {len(existing)} event(s) on {clip_id}: nothing imported (use --replace)"
                )
                return
            if existing and not parsed.events:
                result.problems.append(
                    f"{path.name} holds no event that can be imported, so {coder}'s {len(existing)} event(s) on"
                    f" {clip_id} were kept (nothing replaced)"
                )
                return
            for event in existing:
                DeleteEvent(event).apply(tx)
            new_ids: dict[int, int] = {}
            added = []
            for parsed_event in parsed.events:
                command = AddEvent(_event(parsed_event, clip_id, coder_id, stored.id, assignment_id))
                command.apply(tx)
                added.append((parsed_event, command.event.id))
                if parsed_event.event_id is not None:
                    new_ids[parsed_event.event_id] = command.event.id  # type: ignore[assignment]
            for parsed_event, new_id in added:
                cause = new_ids.get(parsed_event.caused_by) if parsed_event.caused_by is not None else None
                if cause is not None:
                    EditEvent(new_id, {"caused_by": None}, {"caused_by": cause}).apply(tx)  # type: ignore[arg-type]
            digest, _ = file_digest(path)
            _store_transcript(tx, doc, path, clip_id, digest, result)
            tx.audit("eaf.import", "clip", clip_id, {"file": str(path.resolve()), "sha256": digest, "coder": coder,
                                                     "codebook": stored.codebook.label, "events": len(added),
                                                     "replaced": len(existing), "problems": len(parsed.problems)})  # fmt: skip
    except CodingError as exc:
        result.problems.append(f"{path.name}: {exc}; nothing was imported from this file")
        return
    result.imported, result.replaced = len(added), len(existing)


def _store_transcript(
    tx: Any, doc: EafDocument, path: Path, clip_id: str, digest: str, result: FileResult
) -> None:
    """The file's transcription tiers become the clip's next transcript version (unless that file is the newest)."""
    from bwvtool.store import transcripts as transcript_rows
    from bwvtool.transcripts.eaf_tiers import utterances_from

    spoken = utterances_from(doc)
    newest = transcript_rows.latest(tx.conn, clip_id)
    if not spoken or (newest is not None and newest.source_sha256 == digest):
        return
    stored = transcript_rows.insert(tx, clip_id, spoken, origin="imported", format="eaf",
                                    source_path=str(path.resolve()), source_sha256=digest)  # fmt: skip
    result.notes.append(f"transcript v{stored.version} of {clip_id}: {len(spoken)} utterance(s)")


def _assignment(conn: Any, sample_id: int | None, clip_id: str, coder_id: int) -> QueueItem | None:
    if sample_id is None:
        return None
    return next((a for a in queue_rows.for_clip(conn, clip_id, coder_id) if a.sample_id == sample_id), None)


def _event(
    parsed: EafEvent, clip_id: str, coder_id: int, codebook_id: int, assignment_id: int | None = None
) -> Event:
    return Event(
        assignment_id=assignment_id,
        clip_id=clip_id,
        coder_id=coder_id,
        codebook_id=codebook_id,
        track=parsed.track,
        code=parsed.code,
        actor=parsed.actor,
        onset_ms=parsed.onset_ms,
        onset_frame=parsed.onset_frame or 0,
        offset_ms=parsed.offset_ms,
        offset_frame=parsed.offset_frame,
        modifiers=parsed.modifiers,
        note=parsed.note,
        starred=parsed.starred,
    )
