"""SQL for the weekly picture: the clips, reviews and coded codes behind :mod:`bwvtool.report.weekly`.

Each read takes a half-open range of recording times (unix seconds) and goes through the ``clips_recorded``
index; the figures themselves are computed in Python by the report module, where they are tested.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from bwvtool.store import dialect


class WeeklyClip(NamedTuple):
    clip_id: str
    incident_id: str
    recorded_ts: int
    borough: str
    sources_mask: int
    uof_mask: int
    retention_until: str | None
    sampled: bool


class WeeklyReview(NamedTuple):
    clip_id: str
    coder_id: int
    status: str
    outcome: str | None
    individual_learning: str | None
    organisational_learning: str | None
    learning_themes: tuple[str, ...] | None = (
        None  # the coded themes; None when the review has no such answer
    )
    codebook_id: int | None = None


def _themes(text: str | None) -> tuple[str, ...] | None:
    """The ``learning_themes`` answer (JSON text of a list) as a tuple; None when missing or not a list."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


def clips(
    conn: sqlite3.Connection, start_ts: int, end_ts: int, every_start: int, every_end: int
) -> list[WeeklyClip]:
    """Clips recorded in ``[start_ts, end_ts)`` whose incident was ever sampled or reviewed, and every clip
    recorded in ``[every_start, every_end)`` (the report's own week, which also counts the catalogue), each with
    whether any sample holds it. Skipping the untouched incidents of the other weeks keeps a large force's twelve
    weeks to a few thousand rows.
    """
    rows = conn.execute(
        "SELECT c.clip_id, c.incident_id, c.recorded_ts, c.borough, c.sources_mask, c.uof_mask, c.retention_until,"
        " EXISTS (SELECT 1 FROM sample_items si WHERE si.clip_id = c.clip_id)"
        " FROM clips c WHERE c.recorded_ts >= ? AND c.recorded_ts < ?"
        " AND ((c.recorded_ts >= ? AND c.recorded_ts < ?) OR c.incident_id IN ("
        "   SELECT w.incident_id FROM clips w WHERE w.clip_id IN"
        "   (SELECT clip_id FROM sample_items UNION SELECT clip_id FROM clip_reviews)))",
        (start_ts, end_ts, every_start, every_end),
    )
    return [WeeklyClip(*row[:7], bool(row[7])) for row in rows]


_TEXT_ANSWERS = ("outcome", "individual_learning", "organisational_learning")


def reviews(conn: sqlite3.Connection, start_ts: int, end_ts: int) -> list[WeeklyReview]:
    """Reviews (any status) of clips recorded in ``[start_ts, end_ts)``, with the answers the picture uses."""
    answer = [dialect.json_text(conn, "r.answers", key) for key in _TEXT_ANSWERS]
    rows = conn.execute(
        f"SELECT r.clip_id, r.coder_id, r.status, {', '.join(answer)},"
        f" {dialect.json_quoted(conn, 'r.answers', 'learning_themes')}, r.codebook_id"
        " FROM clip_reviews r JOIN clips c ON c.clip_id = r.clip_id"
        " WHERE c.recorded_ts >= ? AND c.recorded_ts < ?",
        (start_ts, end_ts),
    )
    return [WeeklyReview(*row[:6], _themes(row[6]), row[7]) for row in rows]


def reviewed_codes(conn: sqlite3.Connection, start_ts: int, end_ts: int) -> list[tuple[str, str]]:
    """Distinct (clip id, code) pairs coded by coders whose review of the clip is complete."""
    rows = conn.execute(
        "SELECT DISTINCT e.clip_id, e.code FROM events e"
        " JOIN clips c ON c.clip_id = e.clip_id"
        " JOIN clip_reviews r ON r.clip_id = e.clip_id AND r.coder_id = e.coder_id AND r.status = 'complete'"
        " WHERE c.recorded_ts >= ? AND c.recorded_ts < ?",
        (start_ts, end_ts),
    )
    return [(row[0], row[1]) for row in rows]


_SAMPLED_INCIDENT_STARTS = (
    "SELECT min(c.recorded_ts) AS first_ts FROM clips c"
    " WHERE c.incident_id IN (SELECT c2.incident_id FROM sample_items si JOIN clips c2 ON c2.clip_id = si.clip_id)"
    " GROUP BY c.incident_id"
)


def latest_sampled_ts(conn: sqlite3.Connection) -> int | None:
    """When the newest sampled incident began (its first clip), or None when nothing was ever sampled."""
    row = conn.execute(f"SELECT max(first_ts) FROM ({_SAMPLED_INCIDENT_STARTS}) AS starts").fetchone()
    return row[0] if row else None


def sampled_mondays(conn: sqlite3.Connection) -> list[str]:
    """The Mondays (ISO dates, UTC) of the weeks in which sampled incidents began, oldest first."""
    days = {datetime.fromtimestamp(row[0], UTC).date() for row in conn.execute(_SAMPLED_INCIDENT_STARTS)}
    return sorted({(day - timedelta(days=day.weekday())).isoformat() for day in days})
