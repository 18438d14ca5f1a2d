"""SQL for research exports, reliability and sequences: a sample's clips, events and reviews, streamed.

Readers take a connection (or the open transaction of the export, so that every file comes from one snapshot)
and return cursors or small lists. Column lists are constants; values are always parameters. The big readers
(:func:`event_rows`) return the cursor itself, so an export of 100,000 events never holds them all in memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bwvtool.store import dialect
from bwvtool.store.workspace import Transaction

Queryable = sqlite3.Connection | Transaction

# The catalogue fields a researcher may see (never media paths, hashes, import bookkeeping or extra columns),
# then the sample's design fields. ``notes`` is free text: the export drops it unless asked to keep text.
CLIP_COLUMNS: tuple[str, ...] = (
    "clip_id",
    "incident_id",
    "unit_id",
    "officer_ref",
    "camera_id",
    "recorded_at",
    "duration_s",
    "borough",
    "bcu",
    "sources",
    "uof_tactics",
    "assault_types",
    "ss_power",
    "ss_outcome",
    "mtip",
    "subject_age_band",
    "subject_gender",
    "subject_ethnicity",
    "stratum",
    "selection",
    "inclusion_prob",
    "design_weight",
    "draw_order",
    "notes",
    "media_path",
)
_CLIP_SELECT = (
    "SELECT c.clip_id, c.incident_id, si.unit_id, {officer_ref}, {camera_id}, c.recorded_at, c.duration_s,"
    " c.borough, c.bcu, c.sources, c.uof_tactics, c.assault_types, c.ss_power, c.ss_outcome, c.mtip,"
    " c.subject_age_band, c.subject_gender, c.subject_ethnicity, si.stratum, si.selection, si.inclusion_prob,"
    " si.design_weight, si.draw_order, {notes}, {media_path}"
    " FROM sample_items si JOIN clips c ON c.clip_id = si.clip_id WHERE si.sample_id = ?"
)
# Identified fields: a researcher on a team server reads them only when granted; otherwise they come out empty
# (a query naming one would be refused whole, and the research fields are theirs to export).
_CLIP_IDENTIFIED = ("officer_ref", "camera_id", "notes", "media_path")

EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "clip_id",
    "incident_id",
    "coder",
    "codebook_id",
    "track",
    "code",
    "actor",
    "onset_ms",
    "onset_frame",
    "offset_ms",
    "offset_frame",
    "modifiers",
    "note",
    "starred",
    "caused_by",
    "created_at",
    "updated_at",
    "camera_id",
    "onset_incident_ms",
    "offset_incident_ms",
)


def _of_sample(alias: str) -> str:
    """SQL: row ``alias`` (an event or review on a clip of sample ``si``) was coded for that sample: for one of its
    assignments, or clip-level, and with the sample's codebook (when it names one). One clip in two samples for
    one coder is two codings; neither sample reads the other's."""
    # EXISTS on the assignment's own id: one key lookup per row. (An IN list of the sample's assignments is a
    # correlated subquery that SQLite builds again for every row: 100,000 events coded through assignments took
    # 10 s instead of 0.35 s.)
    return (
        f"({alias}.assignment_id IS NULL OR EXISTS"
        f" (SELECT 1 FROM assignments a WHERE a.id = {alias}.assignment_id AND a.sample_id = si.sample_id))"
        " AND NOT EXISTS (SELECT 1 FROM samples s JOIN codebooks b"
        f" ON b.id = {alias}.codebook_id WHERE s.id = si.sample_id AND s.codebook IS NOT NULL"
        " AND s.codebook <> b.key)"
    )


_OF_SAMPLE_E = _of_sample("e")
_OF_SAMPLE_R = _of_sample("r")
_EVENT_SELECT = (
    "SELECT e.id, e.clip_id, c.incident_id, k.name, e.codebook_id, e.track, e.code, e.actor, e.onset_ms,"
    " e.onset_frame, e.offset_ms, e.offset_frame, e.modifiers, e.note, e.starred, e.caused_by, e.created_at,"
    " e.updated_at, {camera_id}, x.onset_incident_ms, x.offset_incident_ms"
    " FROM sample_items si JOIN events e ON e.clip_id = si.clip_id AND "
    + _OF_SAMPLE_E
    + " JOIN clips c ON c.clip_id = e.clip_id"
    " JOIN coders k ON k.id = e.coder_id LEFT JOIN incident_events x ON x.event_id = e.id"
    " WHERE si.sample_id = ?"
)

# The same events for an export, without the joins it does not need per event: the coder as its id
# (:func:`coders_by_id`), the incident left to the clip the export has read.
_EXPORT_EVENT_SELECT = (
    "SELECT e.id, e.clip_id, e.coder_id, e.codebook_id, e.track, e.code, e.actor, e.onset_ms, e.onset_frame,"
    " e.offset_ms, e.offset_frame, e.modifiers, e.note, e.starred, e.caused_by, e.created_at, e.updated_at"
    " FROM sample_items si JOIN events e ON e.clip_id = si.clip_id AND "
    + _OF_SAMPLE_E
    + " WHERE si.sample_id = ?"
)
_EVENT_ORDER = " ORDER BY si.clip_id, e.coder_id, e.onset_ms, e.id"

REVIEW_COLUMNS: tuple[str, ...] = (
    "clip_id",
    "incident_id",
    "coder",
    "codebook_id",
    "status",
    "answers",
    "created_at",
    "updated_at",
)
_REVIEW_SELECT = (
    "SELECT r.clip_id, c.incident_id, k.name, r.codebook_id, r.status, r.answers, r.created_at, r.updated_at"
    " FROM sample_items si JOIN clip_reviews r ON r.clip_id = si.clip_id AND "
    + _OF_SAMPLE_R
    + " JOIN clips c ON c.clip_id = r.clip_id"
    " JOIN coders k ON k.id = r.coder_id WHERE si.sample_id = ?"
)


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read transaction: every query inside sees one committed state, and (WAL) writers are not blocked.

    An export reads many queries over a second or more while coders keep coding; this keeps its files consistent
    with each other without holding the write lock.
    """
    conn.execute("BEGIN DEFERRED")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")  # nothing was written: commit and rollback are the same


def _coder_filter(sql: str, params: list[Any], coder: str | None) -> str:
    if coder is None:
        return sql
    params.append(coder)
    return sql + " AND k.name = ?"


def clip_rows(conn: Queryable, sample_id: int) -> Iterator[tuple[Any, ...]]:
    """The sample's clips (:data:`CLIP_COLUMNS` order) in draw order."""
    return conn.execute(
        _CLIP_SELECT.format(**_readable(conn)) + " ORDER BY si.draw_order, si.clip_id", (sample_id,)
    )


def _readable(conn: Queryable) -> dict[str, str]:
    """How this login reads the clips' identified fields (each column, or NULL: see :data:`_CLIP_IDENTIFIED`)."""
    return dialect.columns_or_null(conn, "clips", "c.", _CLIP_IDENTIFIED)


def event_rows(conn: Queryable, sample_id: int, coder: str | None = None) -> Iterator[tuple[Any, ...]]:
    """The events of the sample's clips (:data:`EVENT_COLUMNS` order) by clip, coder (registration order), onset.

    A live cursor. The order is the order of the indexes it walks, so SQLite sorts nothing and the first row
    arrives at once.
    """
    params: list[Any] = [sample_id]
    sql = _coder_filter(_EVENT_SELECT.format(camera_id=_readable(conn)["camera_id"]), params, coder)
    return conn.execute(sql + _EVENT_ORDER, params)


def export_event_rows(conn: Queryable, sample_id: int, coder: str | None = None) -> Iterator[tuple[Any, ...]]:
    """:func:`event_rows` as an export reads them: the same rows in the same order, without ``incident_id`` and
    with the coder's id instead of the name (``event_id, clip_id, coder_id, codebook_id, track, …``)."""
    params: list[Any] = [sample_id]
    sql = _EXPORT_EVENT_SELECT
    if coder is not None:
        sql += " AND e.coder_id IN (SELECT id FROM coders WHERE name = ?)"
        params.append(coder)
    return conn.execute(sql + _EVENT_ORDER, params)


def coders_by_id(conn: Queryable) -> dict[int, str]:
    return dict(conn.execute("SELECT id, name FROM coders"))


def review_rows(conn: Queryable, sample_id: int, coder: str | None = None) -> Iterator[tuple[Any, ...]]:
    """The clip reviews of the sample's clips (:data:`REVIEW_COLUMNS` order, answers as JSON text)."""
    params: list[Any] = [sample_id]
    sql = _coder_filter(_REVIEW_SELECT, params, coder)
    return conn.execute(sql + " ORDER BY r.clip_id, k.name", params)


class EventTally:
    """How many events of a sample each clip, coder and codebook has: read in one pass over the sample's events,
    so an export learns its codebooks, its expected row count and who coded each clip without reading the
    events three more times beside the pass that writes them."""

    def __init__(self, rows: list[tuple[str, str, int, int]]) -> None:
        self.rows = rows  # (clip id, coder name, codebook id, events)

    def codebooks(self, coder: str | None = None) -> set[int]:
        return {int(book) for _, name, book, _ in self.rows if coder is None or name == coder}

    def count(self, coder: str | None = None) -> int:
        return sum(int(n) for _, name, _, n in self.rows if coder is None or name == coder)


def event_tally(conn: Queryable, sample_id: int) -> EventTally:
    """The :class:`EventTally` of sample ``sample_id`` (every coder)."""
    names = coders_by_id(conn)
    rows = conn.execute(
        "SELECT e.clip_id, e.coder_id, e.codebook_id, count(*) FROM sample_items si JOIN events e"
        " ON e.clip_id = si.clip_id AND " + _OF_SAMPLE_E + " WHERE si.sample_id = ?"
        " GROUP BY e.clip_id, e.coder_id, e.codebook_id",
        (sample_id,),
    )
    return EventTally([(clip_id, names[coder_id], book, n) for clip_id, coder_id, book, n in rows])


def codebook_ids(
    conn: Queryable, sample_id: int, coder: str | None = None, tally: EventTally | None = None
) -> list[int]:
    """Ids of the codebook versions that events or reviews of the sample's clips use (of one coder if given);
    ``tally``: the sample's :func:`event_tally` when the caller has it already."""
    params: list[Any] = [sample_id]
    reviews = _coder_filter(
        "SELECT DISTINCT r.codebook_id FROM sample_items si JOIN clip_reviews r ON r.clip_id = si.clip_id AND "
        + _OF_SAMPLE_R
        + " JOIN coders k ON k.id = r.coder_id WHERE si.sample_id = ?",
        params,
        coder,
    )
    found = (tally or event_tally(conn, sample_id)).codebooks(coder)
    found.update(int(row[0]) for row in conn.execute(reviews, params))
    return sorted(found)


def coders_by_clip(conn: Queryable, sample_id: int, tally: EventTally | None = None) -> dict[str, set[str]]:
    """Who coded each clip of the sample: coders with an event, a review, or a completed assignment on it.

    Every sample clip is a key (an empty set when nobody has coded it yet). ``tally`` as in :func:`codebook_ids`.
    """
    found: dict[str, set[str]] = {
        row[0]: set()
        for row in conn.execute("SELECT clip_id FROM sample_items WHERE sample_id = ?", (sample_id,))
    }
    rows = conn.execute(
        "SELECT r.clip_id, k.name FROM sample_items si JOIN clip_reviews r ON r.clip_id = si.clip_id AND "
        + _OF_SAMPLE_R
        + " "
        " JOIN coders k ON k.id = r.coder_id WHERE si.sample_id = ?"
        " UNION SELECT a.clip_id, k.name FROM assignments a JOIN coders k ON k.id = a.coder_id"
        " WHERE a.sample_id = ? AND a.status = 'complete'",
        (sample_id, sample_id),
    ).fetchall()
    events = (tally or event_tally(conn, sample_id)).rows
    for clip_id, coder, *_ in [*events, *rows]:
        found.setdefault(clip_id, set()).add(coder)
    return found


def assignment_rows(conn: Queryable, sample_id: int) -> list[tuple[str, str, str, str]]:
    """(clip id, coder, role, status) of every assignment of the sample."""
    rows = conn.execute(
        "SELECT a.clip_id, k.name, a.role, a.status FROM assignments a JOIN coders k ON k.id = a.coder_id"
        " WHERE a.sample_id = ? ORDER BY a.clip_id, k.name",
        (sample_id,),
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def coder_names(conn: Queryable) -> list[str]:
    return [row[0] for row in conn.execute("SELECT name FROM coders ORDER BY name")]


def count_rows(
    conn: Queryable, sample_id: int, coder: str | None = None, tally: EventTally | None = None
) -> dict[str, int]:
    """How many clips, events and reviews an export of the sample holds (to check files against); ``tally`` as
    in :func:`codebook_ids`."""
    params: list[Any] = [sample_id]
    reviews = _coder_filter(
        "SELECT count(*) FROM sample_items si JOIN clip_reviews r ON r.clip_id = si.clip_id AND "
        + _OF_SAMPLE_R
        + " "
        " JOIN coders k ON k.id = r.coder_id WHERE si.sample_id = ?",
        params,
        coder,
    )
    n_reviews = conn.execute(reviews, params).fetchone()[0]
    n_clips = conn.execute("SELECT count(*) FROM sample_items WHERE sample_id = ?", (sample_id,)).fetchone()[
        0
    ]
    n_events = (tally or event_tally(conn, sample_id)).count(coder)
    return {"clips": int(n_clips), "events": int(n_events), "reviews": int(n_reviews)}


def catalogue_identifiers(conn: Queryable) -> dict[str, set[str]]:
    """Every clip id, incident id, officer reference and camera id in the catalogue (for leak checks)."""
    found: dict[str, set[str]] = {"clip": set(), "incident": set(), "officer": set(), "camera": set()}
    for clip_id, incident_id, officer_ref, camera_id in conn.execute(
        "SELECT clip_id, incident_id, officer_ref, camera_id FROM clips"
    ):
        found["clip"].add(clip_id)
        found["incident"].add(incident_id)
        found["officer"].add(officer_ref)
        if camera_id:
            found["camera"].add(camera_id)
    return found


def workspace_identifiers(conn: Queryable) -> dict[str, set[str]]:
    """:func:`catalogue_identifiers` and every other name the workspace holds of a person or a file: coders, every
    user in the audit log, media paths (whole and their file names) — for leak checks."""
    found = catalogue_identifiers(conn)
    found["coder"] = {row[0] for row in conn.execute("SELECT name FROM coders")}
    found["user"] = {row[0] for row in conn.execute("SELECT DISTINCT actor FROM audit_log")}
    paths = {row[0] for row in conn.execute("SELECT media_path FROM clips WHERE media_path IS NOT NULL")}
    found["media"] = {p for p in paths if p} | {p.replace("\\", "/").rsplit("/", 1)[-1] for p in paths if p}
    return found


def clip_media(conn: Queryable, clip_id: str) -> tuple[float, str | None, str | None] | None:
    """(duration in seconds, media path, media probe JSON) of one clip, or None if there is no such clip."""
    row = conn.execute(
        "SELECT duration_s, media_path, media_probe FROM clips WHERE clip_id = ?", (clip_id,)
    ).fetchone()
    return None if row is None else (float(row[0]), row[1], row[2])
