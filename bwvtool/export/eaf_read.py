"""Reading ELAN files back into events: tiers to tracks and actors, annotation values to codes.

The layout written by :mod:`bwvtool.export.eaf` round-trips exactly; files made or edited in ELAN import too:

* a top-level tier's **track** is its linguistic type when that is a track of the codebook, else the first part of
  its id (``track@actor@coder``); its **actor** is ``PARTICIPANT``, else the id's second part; its **annotator** is
  ``ANNOTATOR``, else the id's third part (overflow suffixes ``#2`` … are ignored);
* an annotation's value is a **code** id of that track, or the code's label (case-insensitive);
* a code the codebook calls a **point** becomes a point event at the annotation's start, whatever its length;
  a **state** runs from start to end (``open``/``end`` in the details tier restore open and zero-length states);
* **frames** come from the details tier, else from the clip's probed frame rate (25 fps when unknown).

Whatever does not map — a tier with no known track or actor, a value that is not a code of the tier's track, an
annotation without times, unreadable details — is reported with the tier and the time, and left out.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool.codebook import Code, Codebook
from bwvtool.export.context import actor_kind
from bwvtool.export.eaf import DETAILS_TYPE, EafEvent, is_transcript_tier
from bwvtool.safe_files import HostileInput, parse_xml, read_bytes

DEFAULT_FPS = 25.0
_LANE = re.compile(r"#\d+$")  # overflow tiers: track@actor@coder#2


class EafError(ValueError):
    """The file is not an EAF document bwvtool can read."""


@dataclass
class Annotation:
    id: str
    start: int | None
    end: int | None
    value: str


@dataclass
class Tier:
    id: str
    type: str
    participant: str | None
    annotator: str | None
    parent: str | None
    annotations: list[Annotation] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)  # annotation id referred to -> value


@dataclass
class EafDocument:
    path: Path
    properties: list[tuple[str, str]]
    tiers: list[Tier]
    time_alignable: dict[str, bool]

    def property(self, name: str) -> list[str]:
        return [value for key, value in self.properties if key == name]


def read_eaf(path: str | Path) -> EafDocument:
    """Parse an EAF file (any EAF 2.7–3.0 document ELAN writes); EafError when it is not one."""
    path = Path(path)
    try:
        root = parse_xml(read_bytes(path, "ELAN file", path.name), path.name)  # no DTDs, no entities, capped
    except HostileInput as exc:
        raise EafError(str(exc)) from None
    except ET.ParseError as exc:
        raise EafError(f"{path.name}: not well-formed XML ({exc})") from None
    except OSError as exc:
        raise EafError(f"{path.name}: cannot read ({exc.strerror or exc})") from None
    if root.tag != "ANNOTATION_DOCUMENT":
        raise EafError(
            f"{path.name}: not an ELAN file (root element {root.tag}, expected ANNOTATION_DOCUMENT)"
        )
    slots = {s.get("TIME_SLOT_ID"): s.get("TIME_VALUE") for s in root.iterfind("TIME_ORDER/TIME_SLOT")}

    def time(slot: str | None) -> int | None:
        value = slots.get(slot)
        return None if value is None else int(value)

    properties = [(p.get("NAME") or "", (p.text or "").strip()) for p in root.iterfind("HEADER/PROPERTY")]
    tiers = []
    for element in root.iterfind("TIER"):
        tier = Tier(
            id=element.get("TIER_ID", ""),
            type=element.get("LINGUISTIC_TYPE_REF", ""),
            participant=element.get("PARTICIPANT") or None,
            annotator=element.get("ANNOTATOR") or None,
            parent=element.get("PARENT_REF") or None,
        )
        for aligned in element.iterfind("ANNOTATION/ALIGNABLE_ANNOTATION"):
            value = aligned.findtext("ANNOTATION_VALUE") or ""
            tier.annotations.append(
                Annotation(
                    aligned.get("ANNOTATION_ID", ""),
                    time(aligned.get("TIME_SLOT_REF1")),
                    time(aligned.get("TIME_SLOT_REF2")),
                    value.strip(),
                )  # fmt: skip
            )
        for ref in element.iterfind("ANNOTATION/REF_ANNOTATION"):
            tier.refs[ref.get("ANNOTATION_REF", "")] = ref.findtext("ANNOTATION_VALUE") or ""
        tiers.append(tier)
    alignable = {
        t.get("LINGUISTIC_TYPE_ID", ""): t.get("TIME_ALIGNABLE", "true") == "true"
        for t in root.iterfind("LINGUISTIC_TYPE")
    }
    return EafDocument(path, properties, tiers, alignable)


@dataclass
class Parsed:
    """What one file yields: events, and what was reported or skipped."""

    events: list[EafEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    estimated_frames: int = 0  # events whose frames came from the frame rate, not the details tier


def _code_lookup(codebook: Codebook) -> dict[str, dict[str, Code]]:
    """Per track: code id and lower-case label -> code."""
    table: dict[str, dict[str, Code]] = {t.id: {} for t in codebook.tracks}
    for code in codebook.codes:
        table.setdefault(code.track, {})[code.id] = code
        table[code.track].setdefault(code.label.lower(), code)
    return table


def _frame(ms: int, fps: float) -> int:
    return int(ms * fps // 1000)


def events_from(
    doc: EafDocument, *, codebook: Codebook, annotator: str | frozenset[str], coder: str, fps: float | None
) -> Parsed:
    """The events of ``annotator``'s tiers (and of tiers naming no annotator), recorded as ``coder``.

    :param annotator: the annotator's name, or the names it may go by (its user name and its pseudonym).
    """
    wanted = frozenset([annotator]) if isinstance(annotator, str) else annotator
    out = Parsed()
    codes = _code_lookup(codebook)
    rate = fps or DEFAULT_FPS
    details: dict[str, str] = {}
    others: dict[str, int] = {}
    for tier in doc.tiers:
        if tier.parent is not None and tier.type == DETAILS_TYPE:
            details.update(tier.refs)
    for tier in doc.tiers:
        if is_transcript_tier(tier.type, tier.id):
            continue  # utterances, read by bwvtool.transcripts.eaf_tiers
        if tier.parent is not None or not doc.time_alignable.get(tier.type, True):
            if tier.type != DETAILS_TYPE:
                out.skipped.append(f"tier {tier.id!r}: a dependent tier, not read")
            continue
        parts = _LANE.sub("", tier.id).split("@")
        track = tier.type if tier.type in codes else parts[0] if parts[0] in codes else None
        actor = tier.participant or (parts[1] if len(parts) > 1 else None)
        who = tier.annotator or (parts[2] if len(parts) > 2 else None)
        if who is not None and who not in wanted:
            others[who] = others.get(who, 0) + 1
            continue
        if track is None:
            out.problems.append(
                f"tier {tier.id!r}: no track of {codebook.label} (linguistic type {tier.type!r}); "
                f"{len(tier.annotations)} annotation(s) not imported"
            )
            continue
        if actor is None or actor_kind(actor) is None:
            out.problems.append(
                f"tier {tier.id!r}: actor {actor!r} is not officer_N, subject_N or third_party (set the tier's "
                f"participant); {len(tier.annotations)} annotation(s) not imported"
            )
            continue
        for note in tier.annotations:
            event = _event(note, tier, track, actor, codes[track], details, coder, rate, out)
            if event is not None:
                out.events.append(event)
    out.skipped += [
        f"{n} tier(s) annotated by {who}, not read (import them with --annotator {who})"
        for who, n in sorted(others.items())
    ]
    return out


def _event(
    note: Annotation,
    tier: Tier,
    track: str,
    actor: str,
    codes: dict[str, Code],
    details: dict[str, str],
    coder: str,
    fps: float,
    out: Parsed,
) -> EafEvent | None:
    where = (
        f"tier {tier.id!r} at {note.start / 1000:.3f} s" if note.start is not None else f"tier {tier.id!r}"
    )
    code = codes.get(note.value) or codes.get(note.value.lower())
    if code is None:
        out.problems.append(f"{where}: {note.value!r} is not a code of track {track}")
        return None
    if note.start is None or note.end is None:
        out.problems.append(f"{where}: annotation {note.id} has no time (unaligned time slot)")
        return None
    extra: dict[str, Any] = {}
    if note.id in details:
        try:
            extra = json.loads(details[note.id])
            if not isinstance(extra, dict):
                raise ValueError("not an object")
        except ValueError:
            out.problems.append(f"{where}: unreadable details {details[note.id]!r}; times and code kept")
            extra = {}
    onset = note.start
    # A point is a point whatever the annotation's length; an open state has no end.
    offset = None if not code.is_state or extra.get("open") else int(extra.get("end", note.end))
    frames = extra.get("f") or [None, None]
    if frames[0] is None:
        out.estimated_frames += 1
    onset_frame = frames[0] if frames[0] is not None else _frame(onset, fps)
    offset_frame = frames[1] if frames[1] is not None or offset is None else _frame(offset, fps)
    modifiers = extra.get("m") or {}
    problems = code.modifier_problems(modifiers) if modifiers else []
    if problems:
        out.problems.append(f"{where}: {'; '.join(problems)} (event imported without them)")
        modifiers = {}
    return EafEvent(
        coder=coder,
        track=track,
        code=code.id,
        actor=actor,
        onset_ms=onset,
        offset_ms=offset,
        is_state=code.is_state,
        onset_frame=int(onset_frame),
        offset_frame=None if offset is None else int(offset_frame),  # type: ignore[arg-type]
        modifiers=modifiers,
        note=extra.get("n"),
        starred=bool(extra.get("s", False)),
        event_id=extra.get("id"),
        caused_by=extra.get("cause"),
    )
