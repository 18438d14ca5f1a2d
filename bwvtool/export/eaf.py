"""Writing ELAN annotation files (EAF 3.0) with the standard library's ``xml.etree``.

The layout of one clip's file (it validates against ``schemas/reference/EAFv3.0.xsd``):

* **media**: one ``MEDIA_DESCRIPTOR`` (absolute ``MEDIA_URL`` and ``RELATIVE_MEDIA_URL``); time unit milliseconds;
* **one tier per track × actor × coder**, ``TIER_ID`` ``track@actor@coder``, with ``LINGUISTIC_TYPE_REF`` = the track,
  ``PARTICIPANT`` = the actor, ``ANNOTATOR`` = the coder. Annotations on one tier never overlap (ELAN expects
  that): an event that would overlap the previous one goes to an overflow tier ``track@actor@coder#2`` (#3 …);
* **controlled vocabularies**: one per track, an entry per code (value = code id, description = label); each
  annotation's value is the code id and its ``CVE_REF`` the entry;
* **point events** become annotations :data:`POINT_MS` (40 ms, one frame at 25 fps) long. Import restores them
  exactly: a code the codebook calls a point is a point event whatever the annotation's length;
* a **details tier** (``…/details``, symbolic association, type ``bwvtool_details``) under each tier holds one JSON
  object per annotation: ``f`` (onset and offset frame), ``m`` (modifiers), ``s`` (starred), ``id`` and ``cause``
  (the event and the event it was linked to as cause), ``n`` (note, only when text is kept), ``open`` (a state never
  ended; the annotation runs to the end of the clip), ``end`` (the true offset when it differs from the annotation's
  end: a zero-length state). Files made in ELAN without this tier import too (frames from the clip's frame rate);
* a **transcript** (when text is exported): one tier per speaker, ``TIER_ID`` ``transcript@speaker`` (``#2`` …
  where utterances overlap), type ``transcription`` (time-alignable, free text), ``PARTICIPANT`` = the speaker;
* header properties ``bwvtool:clip`` (the clip id or its pseudonym), ``bwvtool:codebook`` (``key@version``, one per
  codebook used), ``bwvtool:point_ms``.

An **incident's** file (events coded on incident time, all its cameras) has the same layout on the incident clock,
with one ``MEDIA_DESCRIPTOR`` per camera whose ``TIME_ORIGIN`` is that camera's media time (ms) at the document's
time 0 (incident time 0), so ELAN plays every camera in step: negative for a camera that started later. Each
annotation's details add ``cam`` (the camera, i.e. the clip, it was coded on; ``f`` is that camera's frames), and
header properties ``bwvtool:incident`` and ``bwvtool:camera`` (one per camera: name, offset and clock drift, which
a single EAF offset cannot express).
"""

from __future__ import annotations

import json
import mimetypes
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool.codebook import Codebook

POINT_MS = 40
DETAILS_TYPE = "bwvtool_details"
DETAILS_SUFFIX = "/details"
PROP_CLIP = "bwvtool:clip"
PROP_CODEBOOK = "bwvtool:codebook"
PROP_POINT_MS = "bwvtool:point_ms"
TRANSCRIPT_TYPE = "transcription"
TRANSCRIPT_TIER = "transcript"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA_URL = "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"
_LANG = "eng"
_SYMBOLIC = "Symbolic_Association"
_MIME = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".mkv": "video/x-matroska",
         ".avi": "video/x-msvideo", ".mpg": "video/mpeg", ".mpeg": "video/mpeg", ".wav": "audio/x-wav",
         ".mp3": "audio/mpeg"}  # fmt: skip


@dataclass(frozen=True)
class MediaLink:
    url: str
    relative_url: str | None
    mime: str
    time_origin: int | None = None  # the media time (ms) at the document's time 0 (an incident's cameras)

    @classmethod
    def for_path(cls, url: str, relative_url: str | None, name: str) -> MediaLink:
        suffix = Path(name).suffix.lower()
        mime = _MIME.get(suffix) or mimetypes.guess_type(name)[0] or "video/*"
        return cls(url, relative_url, mime)


@dataclass
class EafEvent:
    """One event as it goes into (or comes out of) an EAF file."""

    coder: str
    track: str
    code: str
    actor: str
    onset_ms: int
    offset_ms: int | None
    is_state: bool
    onset_frame: int | None = None
    offset_frame: int | None = None
    modifiers: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    starred: bool = False
    event_id: int | None = None
    caused_by: int | None = None
    camera: str | None = None  # in an incident's file: the camera (clip) it was coded on


@dataclass(frozen=True)
class TranscriptLine:
    """One utterance as it goes into a transcription tier."""

    start_ms: int
    end_ms: int
    speaker: str
    text: str


def is_transcript_tier(linguistic_type: str, tier: str) -> bool:
    """A transcription tier, as bwvtool writes them or as ELAN users name them."""
    return linguistic_type.lower() == TRANSCRIPT_TYPE or tier.lower().startswith(TRANSCRIPT_TIER)


def _transcript_tiers(lines: list[TranscriptLine]) -> dict[str, list[TranscriptLine]]:
    """Utterances per speaker tier; one that overlaps the tier's previous utterance goes to ``#2`` (``#3`` …)."""
    tiers: dict[str, list[TranscriptLine]] = {}
    ends: dict[str, list[int]] = {}
    for line in sorted(lines, key=lambda u: (u.start_ms, u.end_ms)):
        lanes = ends.setdefault(line.speaker, [])
        lane = next((i for i, end in enumerate(lanes) if end <= line.start_ms), len(lanes))
        lanes[lane : lane + 1] = [max(line.end_ms, line.start_ms + 1)]
        name = f"{TRANSCRIPT_TIER}@{line.speaker}" + (f"#{lane + 1}" if lane else "")
        tiers.setdefault(name, []).append(line)
    return tiers


def tier_id(track: str, actor: str, coder: str, lane: int = 1) -> str:
    base = f"{track}@{actor}@{coder}"
    return base if lane == 1 else f"{base}#{lane}"


def _span(event: EafEvent, duration_ms: int) -> tuple[int, int, dict[str, Any]]:
    """Annotation start and end, and the details that make the import exact."""
    details: dict[str, Any] = {}
    start = event.onset_ms
    if not event.is_state:
        end = start + POINT_MS
    elif event.offset_ms is None:
        details["open"] = True
        end = max(duration_ms, start + POINT_MS)
    elif event.offset_ms == start:
        details["end"] = start  # ELAN has no zero-length annotations
        end = start + 1
    else:
        end = event.offset_ms
    if event.onset_frame is not None:
        details["f"] = [event.onset_frame, event.offset_frame]
    if event.modifiers:
        details["m"] = event.modifiers
    if event.starred:
        details["s"] = True
    if event.event_id is not None:
        details["id"] = event.event_id
    if event.caused_by is not None:
        details["cause"] = event.caused_by
    if event.note:
        details["n"] = event.note
    if event.camera is not None:
        details["cam"] = event.camera
    return start, end, details


def _lanes(events: list[EafEvent], duration_ms: int) -> dict[str, list[tuple[EafEvent, int, int, dict]]]:
    """Events placed on tiers: per track × actor × coder, overflow tiers where annotations would overlap."""
    grouped: dict[tuple[str, str, str], list[EafEvent]] = {}
    for event in events:
        grouped.setdefault((event.track, event.actor, event.coder), []).append(event)
    tiers: dict[str, list[tuple[EafEvent, int, int, dict]]] = {}
    for (track, actor, coder), group in sorted(grouped.items()):
        ends: list[int] = []  # per lane: end of its last annotation
        for event in sorted(group, key=lambda e: (e.onset_ms, e.offset_ms or 0, e.code)):
            start, end, details = _span(event, duration_ms)
            lane = next((i for i, last in enumerate(ends) if last <= start), None)
            if lane is None:
                ends.append(end)
                lane = len(ends) - 1
            else:
                ends[lane] = end
            tiers.setdefault(tier_id(track, actor, coder, lane + 1), []).append((event, start, end, details))
    return tiers


def build_eaf(
    *,
    clip_name: str,
    duration_ms: int,
    events: list[EafEvent],
    codebooks: list[Codebook],
    media: MediaLink | list[MediaLink] | None,
    author: str,
    date: str,
    transcript: list[TranscriptLine] | None = None,
    properties: list[tuple[str, str]] | None = None,
) -> ET.ElementTree:
    """The EAF document of one clip, or of an incident (``media``: one link per camera; see the module docstring).

    :param date: xsd:dateTime, e.g. ``2026-03-02T10:00:00+00:00``.
    :param properties: more header properties (an incident's ``bwvtool:incident`` and ``bwvtool:camera``).
    """
    root = ET.Element(
        "ANNOTATION_DOCUMENT", {"AUTHOR": author, "DATE": date, "FORMAT": "3.0", "VERSION": "3.0"}
    )
    root.set("xmlns:xsi", _XSI)
    root.set("xsi:noNamespaceSchemaLocation", _SCHEMA_URL)
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    for link in media if isinstance(media, list) else [] if media is None else [media]:
        attrs = {"MEDIA_URL": link.url, "MIME_TYPE": link.mime}
        if link.relative_url:
            attrs["RELATIVE_MEDIA_URL"] = link.relative_url
        if link.time_origin is not None:
            attrs["TIME_ORIGIN"] = str(link.time_origin)
        ET.SubElement(header, "MEDIA_DESCRIPTOR", attrs)

    tiers = _lanes(events, duration_ms)
    spoken = _transcript_tiers(transcript or [])
    times = sorted({t for placed in tiers.values() for _, start, end, _ in placed for t in (start, end)}
                   | {t for lines in spoken.values() for u in lines for t in (u.start_ms, max(u.end_ms, u.start_ms + 1))})  # fmt: skip
    slot = {t: f"ts{i}" for i, t in enumerate(times, start=1)}
    order = ET.SubElement(root, "TIME_ORDER")
    for t in times:
        ET.SubElement(order, "TIME_SLOT", {"TIME_SLOT_ID": slot[t], "TIME_VALUE": str(t)})

    next_id = 0
    tracks_used: list[str] = []
    for name, placed in tiers.items():
        first = placed[0][0]
        if first.track not in tracks_used:
            tracks_used.append(first.track)
        attrs = {"LINGUISTIC_TYPE_REF": first.track, "PARTICIPANT": first.actor, "ANNOTATOR": first.coder,
                 "TIER_ID": name}  # fmt: skip
        tier = ET.SubElement(root, "TIER", attrs)  # its details tier follows it
        details_tier = ET.Element("TIER", {**attrs, "LINGUISTIC_TYPE_REF": DETAILS_TYPE,
                                           "TIER_ID": name + DETAILS_SUFFIX, "PARENT_REF": name})  # fmt: skip
        for event, start, end, details in placed:
            next_id += 1
            aid = f"a{next_id}"
            annotation = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION", {
                "ANNOTATION_ID": aid, "TIME_SLOT_REF1": slot[start], "TIME_SLOT_REF2": slot[end],
                "CVE_REF": f"{event.track}.{event.code}"})  # fmt: skip
            ET.SubElement(annotation, "ANNOTATION_VALUE").text = event.code
            if details:
                next_id += 1
                ref = ET.SubElement(ET.SubElement(details_tier, "ANNOTATION"), "REF_ANNOTATION",
                                    {"ANNOTATION_ID": f"a{next_id}", "ANNOTATION_REF": aid})  # fmt: skip
                text = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                ET.SubElement(ref, "ANNOTATION_VALUE").text = text
        if len(details_tier):
            root.append(details_tier)
    for name, lines in spoken.items():
        tier = ET.SubElement(root, "TIER", {"LINGUISTIC_TYPE_REF": TRANSCRIPT_TYPE, "PARTICIPANT": lines[0].speaker,
                                            "TIER_ID": name})  # fmt: skip
        for line in lines:
            next_id += 1
            annotation = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION", {
                "ANNOTATION_ID": f"a{next_id}", "TIME_SLOT_REF1": slot[line.start_ms],
                "TIME_SLOT_REF2": slot[max(line.end_ms, line.start_ms + 1)]})  # fmt: skip
            ET.SubElement(annotation, "ANNOTATION_VALUE").text = line.text

    properties_all = [
        ("lastUsedAnnotationId", str(next_id)),
        (PROP_CLIP, clip_name),
        (PROP_POINT_MS, str(POINT_MS)),
        *[(PROP_CODEBOOK, f"{cb.key}@{cb.version}") for cb in codebooks],
        *(properties or []),
    ]
    for name, value in properties_all:
        ET.SubElement(header, "PROPERTY", {"NAME": name}).text = value

    all_tracks = list(dict.fromkeys([t.id for cb in codebooks for t in cb.tracks] + tracks_used))
    for track in all_tracks:
        ET.SubElement(root, "LINGUISTIC_TYPE", {"LINGUISTIC_TYPE_ID": track, "TIME_ALIGNABLE": "true",
                                                "GRAPHIC_REFERENCES": "false", "CONTROLLED_VOCABULARY_REF": track})  # fmt: skip
    if spoken:
        ET.SubElement(root, "LINGUISTIC_TYPE", {"LINGUISTIC_TYPE_ID": TRANSCRIPT_TYPE, "TIME_ALIGNABLE": "true",
                                                "GRAPHIC_REFERENCES": "false"})  # fmt: skip
    ET.SubElement(root, "LINGUISTIC_TYPE", {"LINGUISTIC_TYPE_ID": DETAILS_TYPE, "TIME_ALIGNABLE": "false",
                                            "CONSTRAINTS": _SYMBOLIC, "GRAPHIC_REFERENCES": "false"})  # fmt: skip
    ET.SubElement(root, "LANGUAGE", {"LANG_ID": _LANG, "LANG_DEF": "http://cdb.iso.org/lg/CDB-00138502-001",
                                     "LANG_LABEL": "English (eng)"})  # fmt: skip
    ET.SubElement(root, "CONSTRAINT", {"STEREOTYPE": _SYMBOLIC, "DESCRIPTION": (
        "1-1 association with a parent annotation")})  # fmt: skip
    for track in all_tracks:
        cv = ET.SubElement(root, "CONTROLLED_VOCABULARY", {"CV_ID": track})
        label = next((t.label for cb in codebooks for t in cb.tracks if t.id == track), track)
        ET.SubElement(cv, "DESCRIPTION", {"LANG_REF": _LANG}).text = label
        seen: set[str] = set()
        for cb in codebooks:
            for code in cb.codes_in_track(track) if track in {t.id for t in cb.tracks} else ():
                if code.id in seen:
                    continue
                seen.add(code.id)
                entry = ET.SubElement(cv, "CV_ENTRY_ML", {"CVE_ID": f"{track}.{code.id}"})
                value = ET.SubElement(entry, "CVE_VALUE", {"LANG_REF": _LANG, "DESCRIPTION": code.label})
                value.text = code.id
    ET.indent(root, space="    ")
    return ET.ElementTree(root)


def write_eaf(path: Path, tree: ET.ElementTree) -> None:
    tree.write(path, encoding="UTF-8", xml_declaration=True)
