"""The catalogue table's columns, declared as data, and how each catalogue value reads on screen.

Pure Python (no Qt), so the formatting is tested without a display and reused by any view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from bwvtool.catalogue import vocab
from bwvtool.store.browse import ClipRow

SOURCE_LABELS: dict[str, str] = {
    "op_hampshire": "Op Hampshire",
    "dcb": "DCB",
    "stop_search": "Stop and search",
    "use_of_force": "Use of force",
    "vehicle_stop": "Vehicle stop",
    "social_media": "Social media",
    "self_referral": "Self-referral",
    "manager_referral": "Manager referral",
    "complaint": "Complaint",
    "cmg_request": "CMG request",
}
SS_POWER_LABELS: dict[str, str] = {
    "s1_pace": "s1 PACE",
    "s23_mda": "s23 MDA",
    "s60_cjpoa": "s60 CJPOA",
    "s47a_tact": "s47A TACT",
    "s43_tact": "s43 TACT",
    "other": "Other power",
}
SS_OUTCOME_LABELS: dict[str, str] = {"nfa": "NFA"}
MEDIA_STATUS_LABELS: dict[str, str] = {
    "ok": "Verified",
    "unchecked": "Not checked",
    "missing": "Missing",
    "mismatch": "Hash mismatch",
    "unreadable": "Unreadable",
}


def humanise(value: str) -> str:
    """``verbal_threat`` -> ``Verbal threat``."""
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


def format_recorded(ts: int) -> str:
    """A recording start as a UTC day and minute, e.g. ``14 Jun 2021 14:32``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%d %b %Y %H:%M")


def format_duration(seconds: float) -> str:
    """``75.4`` -> ``1:15``; an hour or more -> ``1:02:03``."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def sources_text(row: ClipRow) -> str:
    return ", ".join(
        SOURCE_LABELS.get(v, humanise(v)) for v in vocab.values_of(row.sources_mask, vocab.SOURCES)
    )


def tactics_text(row: ClipRow) -> str:
    return ", ".join(vocab.values_of(row.uof_mask, vocab.UOF_TACTICS))


def assaults_text(row: ClipRow) -> str:
    return ", ".join(humanise(v) for v in vocab.values_of(row.assault_mask, vocab.ASSAULT_TYPES))


def subject_text(row: ClipRow) -> str:
    """Gender, age band and self-defined ethnicity, e.g. ``Male · 18–34 · Black``."""
    parts = [
        humanise(row.subject_gender) if row.subject_gender else None,
        row.subject_age_band.replace("-", "–") if row.subject_age_band else None,
        humanise(row.subject_ethnicity).replace("Not stated", "ethnicity not stated")
        if row.subject_ethnicity
        else None,
    ]
    return " · ".join(p for p in parts if p)


def stop_search_text(row: ClipRow) -> str:
    """Power and outcome of a stop and search, e.g. ``s1 PACE → Arrest``."""
    power = SS_POWER_LABELS.get(row.ss_power or "", humanise(row.ss_power)) if row.ss_power else ""
    outcome = SS_OUTCOME_LABELS.get(row.ss_outcome or "", humanise(row.ss_outcome)) if row.ss_outcome else ""
    return " → ".join(p for p in (power, outcome) if p)


def media_text(row: ClipRow) -> str:
    """The state of the clip's video file, e.g. ``Verified``; empty when the catalogue names no file."""
    if not row.media_path:
        return ""
    return MEDIA_STATUS_LABELS.get(row.media_status, humanise(row.media_status))


VIDEO_MARK = "▶"
VIDEO_PROBLEM_MARK = "!"


def video_mark(row: ClipRow) -> str:
    """A one-glyph cell: a play mark when the clip has a video file, ``!`` when the file has a problem."""
    if not row.media_path:
        return ""
    return VIDEO_PROBLEM_MARK if row.media_status in ("missing", "mismatch", "unreadable") else VIDEO_MARK


class Col(IntEnum):
    """Column positions in the catalogue table."""

    CLIP = 0
    VIDEO = 1
    RECORDED = 2
    DURATION = 3
    OFFICER = 4
    BOROUGH = 5
    SOURCES = 6
    TACTICS = 7
    ASSAULTS = 8
    SUBJECT = 9
    STOP_SEARCH = 10
    INCIDENT = 11


@dataclass(frozen=True)
class ColumnDef:
    """How one column looks: header, a sample text that sets its default width, alignment, sort key, text."""

    label: str
    sample: str  # the view sizes the column to fit this text (so widths follow the font)
    text: Callable[[ClipRow], str]
    sort_key: str | None = None  # a key of bwvtool.store.browse.SORT_KEYS; None: not sortable
    numeric: bool = False  # right-aligned
    centred: bool = False  # one-glyph columns
    elide: bool = False  # long lists: full text in the tooltip
    shown: bool = True  # visible by default (the header's context menu shows the others)


COLUMNS: dict[Col, ColumnDef] = {
    Col.CLIP: ColumnDef("Clip", "BWV000000000", lambda r: r.clip_id, "clip_id"),
    Col.VIDEO: ColumnDef("Video", "", video_mark, centred=True),
    Col.RECORDED: ColumnDef(
        "Recorded (UTC)", "30 Sep 2021 23:59", lambda r: format_recorded(r.recorded_ts), "recorded"
    ),
    Col.DURATION: ColumnDef(
        "Length", "Length", lambda r: format_duration(r.duration_s), "duration", numeric=True
    ),
    Col.OFFICER: ColumnDef("Officer", "0000XX", lambda r: r.officer_ref or "", "officer"),
    Col.BOROUGH: ColumnDef("Borough", "Hammersmith and F", lambda r: r.borough, "borough"),
    Col.SOURCES: ColumnDef("Sources", "Op Hampshire, Use of fo", sources_text, elide=True),
    Col.TACTICS: ColumnDef("Use of force", "Compliant handcuffing, Tac", tactics_text, elide=True),
    Col.ASSAULTS: ColumnDef("Assault", "Spitting, Punching", assaults_text, elide=True),
    Col.SUBJECT: ColumnDef("Subject", "Female · 18–34 · Mixed", subject_text),
    Col.STOP_SEARCH: ColumnDef("Stop and search", "s23 MDA → Arrest", stop_search_text, shown=False),
    Col.INCIDENT: ColumnDef("Incident", "INC00000000", lambda r: r.incident_id, "incident_id", shown=False),
}


def row_texts(row: ClipRow) -> tuple[str, ...]:
    """Every column's text for one row, in column order."""
    return tuple(COLUMNS[col].text(row) for col in Col)


def column_for_sort_key(key: str) -> Col | None:
    return next((col for col, spec in COLUMNS.items() if spec.sort_key == key), None)
