"""Paged, sorted, filtered reads of the clip catalogue for the app's table (and anything else that pages).

The app never loads the whole catalogue: it asks for a count and then for pages of :data:`PAGE_SIZE` rows in the
chosen order. Sort keys are whitelisted column expressions (never user text), every value is a parameter, and
each order ends with a unique column (SQLite's ``rowid``, else ``clip_id``) so that pages never overlap or skip rows that share a sort value.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from bwvtool.catalogue import vocab
from bwvtool.errors import UsageError
from bwvtool.store import dialect

PAGE_SIZE = 256
SPARSE_RATIO = 50  # below 1 match in 50 clips, scanning once beats walking an index (measured at 100k)

# Sort key -> SQL expression. Only NOT NULL columns, so that the order is total and stable.
SORT_KEYS: dict[str, str] = {
    "clip_id": "clip_id",
    "incident_id": "incident_id",
    "recorded": "recorded_ts",
    "duration": "duration_s",
    "officer": "officer_ref",
    "borough": "borough",
}
DEFAULT_SORT = "recorded"


class ClipRow(NamedTuple):
    """One catalogue row as the table shows it (list fields as their vocabulary bit masks)."""

    clip_id: str
    incident_id: str
    recorded_at: str
    recorded_ts: int
    duration_s: float
    officer_ref: str | None  # None: a researcher on a server not granted identified fields
    borough: str
    bcu: str | None
    sources_mask: int
    uof_mask: int
    assault_mask: int
    ss_power: str | None
    ss_outcome: str | None
    subject_age_band: str | None
    subject_gender: str | None
    subject_ethnicity: str | None
    media_path: str | None
    media_status: str


# The row's identified fields: a researcher on a team server reads them only when granted (see _select).
_IDENTIFIED = ("officer_ref", "media_path")


def _readable(conn: sqlite3.Connection) -> dict[str, str]:
    """Each identified field -> how this login reads it: the column, or NULL for a researcher not granted it (a
    query naming it would be refused whole; the catalogue shows their research fields and leaves these empty)."""
    return dialect.columns_or_null(conn, "clips", "", _IDENTIFIED)


def _select(readable: dict[str, str]) -> str:
    return "SELECT " + ", ".join(readable.get(f, f) for f in ClipRow._fields) + " FROM clips"


@dataclass(frozen=True)
class ClipFilter:
    """What the filter bar asks for; empty fields filter nothing.

    ``text`` matches anywhere in the clip id, officer reference or borough (case-insensitive). ``source`` is a
    value of :data:`bwvtool.catalogue.vocab.SOURCES`. Dates are UTC calendar days, both ends inclusive.
    """

    text: str = ""
    borough: str | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def is_empty(self) -> bool:
        return self == ClipFilter()


@dataclass(frozen=True)
class ClipSort:
    """A sort key from :data:`SORT_KEYS` and a direction."""

    key: str = DEFAULT_SORT
    descending: bool = False

    def __post_init__(self) -> None:
        if self.key not in SORT_KEYS:
            raise UsageError(f"cannot sort by {self.key!r}; choose one of {', '.join(SORT_KEYS)}")


def _day_start_ts(day: date) -> int:
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp())


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(flt: ClipFilter, like: str = "LIKE", officer: str = "officer_ref") -> tuple[str, list[object]]:
    """The WHERE clause (with its leading keyword, or empty) and its parameters (``officer``: how the officer
    reference is read, see :func:`_readable`)."""
    clauses: list[str] = []
    params: list[object] = []
    text = flt.text.strip()
    if text:
        pattern = _like_pattern(text)
        clauses.append(
            f"(clip_id {like} ? ESCAPE '\\' OR {officer} {like} ? ESCAPE '\\' OR borough {like} ? ESCAPE '\\')"
        )
        params += [pattern, pattern, pattern]
    if flt.borough:
        clauses.append("borough = ?")
        params.append(flt.borough)
    if flt.source:
        if flt.source not in vocab.SOURCES:
            raise UsageError(f"unknown source {flt.source!r}; choose one of {', '.join(vocab.SOURCES)}")
        clauses.append("(sources_mask & ?) != 0")
        params.append(vocab.mask_of([flt.source], vocab.SOURCES))
    if flt.date_from:
        clauses.append("recorded_ts >= ?")
        params.append(_day_start_ts(flt.date_from))
    if flt.date_to:
        clauses.append("recorded_ts < ?")
        params.append(_day_start_ts(flt.date_to + timedelta(days=1)))
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise UsageError(f"date range is empty: {flt.date_from} is after {flt.date_to}")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def count_clips(conn: sqlite3.Connection, flt: ClipFilter | None = None) -> int:
    """How many clips match ``flt`` (all clips when it is None or empty)."""
    flt = flt or ClipFilter()
    officer = (
        _readable(conn)["officer_ref"] if flt.text.strip() else "officer_ref"
    )  # asked only when searched
    where, params = _where(flt, dialect.like(conn), officer)
    return int(conn.execute("SELECT count(*) FROM clips" + where, params).fetchone()[0])


def fetch_clips(
    conn: sqlite3.Connection,
    flt: ClipFilter | None = None,
    sort: ClipSort | None = None,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    sparse: bool = False,
) -> list[ClipRow]:
    """Rows ``offset`` … ``offset + limit - 1`` of the clips matching ``flt`` in ``sort`` order.

    :param sparse: say so when few clips match (see :func:`is_sparse`). SQLite's default plan walks the sort
        column's index and looks up each row until a page is full, which is fast when matches are common but
        reads the whole table in random order when they are rare; a sparse query scans once and sorts instead.
    """
    if offset < 0 or limit < 0:
        raise UsageError("offset and limit must not be negative")
    sort = sort or ClipSort()
    readable = _readable(conn)
    where, params = _where(flt or ClipFilter(), dialect.like(conn), readable["officer_ref"])
    direction = "DESC" if sort.descending else "ASC"
    key = readable.get(SORT_KEYS[sort.key], SORT_KEYS[sort.key])
    # Unary + keeps SQLite from using the column's index for the order (its documented planner hint).
    expression = dialect.unindexed(conn, key) if sparse and where else key
    # Identifiers come from the SORT_KEYS whitelist and a fixed direction word; values stay parameters.
    order = f" ORDER BY {expression} {direction}, {dialect.clip_tiebreak(conn)} {direction}"
    rows = conn.execute(_select(readable) + where + order + " LIMIT ? OFFSET ?", [*params, limit, offset])
    return [ClipRow(*row) for row in rows]


def is_sparse(matching: int, total: int) -> bool:
    """Whether a filter that keeps ``matching`` of ``total`` clips is rare enough for a scan-and-sort plan."""
    return matching * SPARSE_RATIO < total


def fetch_clip(conn: sqlite3.Connection, clip_id: str) -> ClipRow | None:
    """One clip by id, or None."""
    row = conn.execute(_select(_readable(conn)) + " WHERE clip_id = ?", (clip_id,)).fetchone()
    return ClipRow(*row) if row else None


def boroughs(conn: sqlite3.Connection) -> list[str]:
    """The boroughs present in the catalogue, sorted (for the filter bar's choices)."""
    return [row[0] for row in conn.execute("SELECT DISTINCT borough FROM clips ORDER BY borough")]


def recorded_range(conn: sqlite3.Connection) -> tuple[date, date] | None:
    """The first and last UTC recording day in the catalogue, or None when it is empty."""
    # Two statements: SQLite answers a lone min() or max() from the index, but not both in one SELECT.
    low = conn.execute("SELECT min(recorded_ts) FROM clips").fetchone()[0]
    high = conn.execute("SELECT max(recorded_ts) FROM clips").fetchone()[0]
    if low is None:
        return None
    return datetime.fromtimestamp(low, UTC).date(), datetime.fromtimestamp(high, UTC).date()
