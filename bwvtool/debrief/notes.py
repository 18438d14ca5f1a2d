"""Saving a debrief note's narrative as numbered versions, and exporting a saved version (both audited).

A debrief note is an identified, internal document: it is kept in its own table (``debrief_notes``), which no
research export reads, and every export writes an audit row naming the version, the file and its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bwvtool.anchors import record_anchor_after
from bwvtool.debrief.build import choose_review
from bwvtool.debrief.draft import draft_narrative
from bwvtool.debrief.html import render_html
from bwvtool.debrief.model import NARRATIVE_IDS, ClipFacts, DebriefNote, ReviewSummary
from bwvtool.errors import UsageError
from bwvtool.store import Workspace
from bwvtool.store import debriefs as store
from bwvtool.store import events as event_rows

FORMATS = (".html", ".pdf")
PdfWriter = Callable[[DebriefNote, Path], None]


def canonical(narrative: Mapping[str, str]) -> tuple[dict[str, str], str, str]:
    """The narrative with every field (in order, trailing space trimmed), its stored JSON and SHA-256."""
    cleaned = {key: str(narrative.get(key) or "").rstrip() for key in NARRATIVE_IDS}
    text = json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))
    return cleaned, text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_fields(narrative: Mapping[str, Any]) -> None:
    """Refuse unknown field names and values that are not text."""
    unknown = sorted(set(narrative) - set(NARRATIVE_IDS))
    if unknown:
        raise UsageError(f"unknown debrief field {', '.join(unknown)} (fields: {', '.join(NARRATIVE_IDS)})")
    wrong = sorted(k for k, v in narrative.items() if v is not None and not isinstance(v, str))
    if wrong:
        raise UsageError(f"debrief field {', '.join(wrong)} must be text")


def current_narrative(
    ws: Workspace, clip_id: str, coder: str | None = None
) -> tuple[store.ReviewRef, dict[str, str]]:
    """The review and the narrative a new version starts from: the latest saved one, else the draft."""
    ref = choose_review(ws, clip_id, coder)
    saved = store.get_version(ws.conn, clip_id, ref.coder_id)
    if saved is not None:
        return ref, canonical(saved.narrative)[0]
    from bwvtool.catalogue.clips import clip_details
    from bwvtool.store.codebooks import get_codebook_by_id

    codebook = get_codebook_by_id(ws.conn, ref.codebook_id).codebook
    review = ReviewSummary(ref.coder, ref.coder_id, codebook, ref.codebook_id, ref.updated_at, ref.answers)
    events = [
        e for e in event_rows.for_clip(ws.conn, clip_id, ref.coder_id) if e.codebook_id == ref.codebook_id
    ]
    return ref, draft_narrative(ClipFacts.from_clip(clip_details(ws, clip_id)), review, events)


def save_narrative(
    ws: Workspace,
    clip_id: str,
    narrative: Mapping[str, str],
    *,
    coder: str | None = None,
    actor: str | None = None,
) -> int:
    """Save the narrative as the note's next version (fields not given keep their current text); its number.

    Saving text identical to the latest version stores nothing and returns that version's number.

    :param coder: whose review the note is built from (needed when several coders completed one).
    :raises UsageError: unknown fields, non-text values, or no completed review (see ``choose_review``).
    """
    check_fields(narrative)
    ref, base = current_narrative(ws, clip_id, coder)
    merged = {**base, **{k: v for k, v in narrative.items() if v is not None}}
    cleaned, text, digest = canonical(merged)
    latest = store.get_version(ws.conn, clip_id, ref.coder_id)
    if latest is not None and latest.sha256 == digest:
        return latest.version
    changed = [k for k in NARRATIVE_IDS if (latest.narrative.get(k, "") if latest else None) != cleaned[k]]
    with ws.transaction(actor) as tx:
        version = store.insert_version(
            tx,
            clip_id=clip_id,
            coder_id=ref.coder_id,
            narrative_json=text,
            sha256=digest,
            review_updated_at=ref.updated_at,
        )
        tx.audit(
            "debrief.save",
            "debrief_note",
            f"{clip_id}/{ref.coder}",
            {"version": version, "sha256": digest, "fields_changed": changed},
        )
        store.drop_draft(tx, clip_id, ref.coder_id)  # the version now holds what was typed
    return version


def save_draft(
    ws: Workspace,
    clip_id: str,
    narrative: Mapping[str, str],
    *,
    coder: str | None = None,
    actor: str | None = None,
) -> None:
    """Keep what was typed into the note but not saved as a version (the app calls this as the user types), so
    no quit, crash or switch loses it. Text identical to the latest version clears the draft instead."""
    check_fields(narrative)
    ref, base = current_narrative(ws, clip_id, coder)
    cleaned, text, digest = canonical({**base, **{k: v for k, v in narrative.items() if v is not None}})
    latest = store.get_version(ws.conn, clip_id, ref.coder_id)
    with ws.transaction(actor) as tx:
        if latest is not None and latest.sha256 == digest:
            store.drop_draft(tx, clip_id, ref.coder_id)
            return
        store.put_draft(tx, clip_id=clip_id, coder_id=ref.coder_id, narrative_json=text)
        tx.audit("debrief.draft", "debrief_note", f"{clip_id}/{ref.coder}", {"sha256": digest})


def unsaved_draft(ws: Workspace, clip_id: str, coder: str | None = None) -> tuple[dict[str, str], str] | None:
    """The note's autosaved draft and when it was kept, if there is one."""
    ref = choose_review(ws, clip_id, coder)
    found = store.get_draft(ws.conn, clip_id, ref.coder_id)
    if found is None:
        return None
    return canonical(json.loads(found[0]))[0], found[1]


def versions(ws: Workspace, clip_id: str, coder: str | None = None) -> list[dict[str, Any]]:
    """The note's saved versions, oldest first: number, when, who, SHA-256."""
    ref = choose_review(ws, clip_id, coder)
    return [
        {"version": v.version, "saved_at": v.saved_at, "saved_by": v.saved_by, "sha256": v.sha256}
        for v in store.versions(ws.conn, clip_id, ref.coder_id)
    ]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    version: int
    sha256: str
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "version": self.version,
            "sha256": self.sha256,
            "bytes": self.bytes,
        }


def check_target(out: str | Path, pdf_writer: PdfWriter | None = None) -> Path:
    """``out`` as a path a note can be exported to; call it before saving anything the export depends on.

    :raises UsageError: unknown format, no PDF writer for a PDF, ``out`` a folder, or its folder missing.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"{out.name}: a debrief note is written as .html or .pdf")
    if suffix == ".pdf" and pdf_writer is None:
        raise UsageError("PDF export needs the app's PDF writer (bwvtool.ui.debrief.pdf)")
    if out.exists() and out.is_dir():
        raise UsageError(f"{out} is a folder; give a file name ending in {suffix}")
    if not out.parent.is_dir():
        raise UsageError(f"folder {out.parent} does not exist")
    return out


def export_note(
    ws: Workspace,
    note: DebriefNote,
    out: str | Path,
    *,
    actor: str | None = None,
    pdf_writer: PdfWriter | None = None,
) -> ExportResult:
    """Write a saved version of the note to ``out`` (``.html`` or ``.pdf``) and record the export in the audit log.

    The file is written next to its destination and renamed into place, so a failed export leaves no half file.

    :param pdf_writer: renders a PDF (the app's Qt writer); needed for ``.pdf``.
    :raises UsageError: unsaved note, unknown format, or no PDF writer for a PDF.
    """
    out = check_target(out, pdf_writer)
    suffix = out.suffix.lower()
    if note.version is None:
        raise UsageError("save the debrief note before exporting it (each export names a saved version)")
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=suffix, dir=out.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        if suffix == ".html":
            temp.write_text(render_html(note), encoding="utf-8")
        else:
            pdf_writer(note, temp)  # type: ignore[misc]
        data = temp.read_bytes()
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
    result = ExportResult(
        out.resolve(), suffix[1:], note.version, hashlib.sha256(data).hexdigest(), len(data)
    )
    with ws.transaction(actor) as tx:
        tx.audit(
            "debrief.export",
            "debrief_note",
            f"{note.facts.clip_id}/{note.review.coder}",
            {
                **result.as_dict(),
                "key_moments": len(note.moments),
                "stills": sum(1 for m in note.moments if m.still_png is not None),
            },
        )
    record_anchor_after(
        ws, "debrief", where=out, actor=actor
    )  # a report vouches for the log's end (best effort)
    return result


def read_narrative_file(path: str | Path) -> dict[str, str]:
    """A narrative from a YAML or JSON file: a mapping of field id to text (see ``NARRATIVE_IDS``)."""
    import yaml

    from bwvtool.safe_files import load_yaml, parse_json, read_text

    path = Path(path)
    try:
        text = read_text(path, "debrief narrative")
        data = parse_json(text, str(path)) if path.suffix.lower() == ".json" else load_yaml(text, str(path))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{path.name} is not valid YAML or JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path.name} must hold a mapping of debrief fields ({', '.join(NARRATIVE_IDS)})")
    check_fields(data)
    return {str(k): v for k, v in data.items() if v is not None}
