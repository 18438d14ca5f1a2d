"""SQL for sampling: catalogue columns for a draw, earlier samples and reviews, and the sample tables.

Samples are immutable once written (migration 0002 adds triggers that refuse UPDATE and DELETE on ``samples``,
``sample_strata`` and ``sample_items``); assignments may change status but nothing else.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from bwvtool.store import dialect
from bwvtool.store.workspace import Transaction

if TYPE_CHECKING:
    import numpy as np

# What each plan field is read as. Identifiers come only from this table, never from user input.
_BAD_MEDIA = "('missing', 'mismatch', 'unreadable')"
COLUMN_SQL: dict[str, str] = {
    "clip_id": "clip_id",
    "incident_id": "incident_id",
    "recorded_ts": "recorded_ts",
    "duration_s": "duration_s",
    "sources": "sources_mask",
    "uof_tactics": "uof_mask",
    "assault_types": "assault_mask",
    "ss_power": "ss_power",
    "ss_outcome": "ss_outcome",
    "subject_age_band": "subject_age_band",
    "subject_gender": "subject_gender",
    "subject_ethnicity": "subject_ethnicity",
    "media_status": "media_status",
    "officer_ref": "officer_ref",
    "borough": "borough",
    "bcu": "bcu",
    "camera_id": "camera_id",
    "mtip": "mtip",
    "media": f"(media_path IS NOT NULL AND media_path <> '' AND media_status NOT IN {_BAD_MEDIA})",
    "retention_until": "retention_until",  # as unix seconds: see column_sql
}


def column_sql(conn: sqlite3.Connection, name: str) -> str:
    """The SQL expression that reads plan field ``name`` on this connection's engine."""
    if name == "retention_until":
        return dialect.unix_seconds(conn, COLUMN_SQL[name])
    return COLUMN_SQL[name]


# numpy type of each column as read: text and nullable numbers as Python objects, the rest native.
COLUMN_DTYPE: dict[str, str] = {"recorded_ts": "i8", "duration_s": "f8", "sources": "i8", "uof_tactics": "i8",
                                "assault_types": "i8", "media": "i8"}  # fmt: skip


# A date window holding fewer clips than this is read straight through the ``clips_recorded`` index (a week of a
# big force, ~20,000 clips: ~0.1 s); larger reads and whole-catalogue draws use the column snapshot.
SMALL_WINDOW_CLIPS = 50_000


def load_columns(
    conn: sqlite3.Connection,
    names: Sequence[str],
    start_ts: int | None = None,
    end_ts: int | None = None,
    *,
    vocabularies: dict[str, Sequence[str]] | None = None,
    provenance: bool = False,
) -> dict[str, Any]:
    """The catalogue fields ``names`` (plan field names), one entry per clip recorded in ``[start_ts, end_ts)``
    (every clip when the bounds are ``None``), by the cheaper route. With ``provenance``, when the column snapshot
    answers, its digests of those fields (see :func:`bwvtool.store.snapshot.digest_fields`) and each clip's import
    id (``snapshot.IMPORT_ID``) come too: what a draw's fingerprint and its imports are made from.

    A small window is read from ``clips`` through the date index (:func:`scan_columns`); anything larger comes
    from the column snapshot (:func:`bwvtool.store.snapshot.load`; fields gone stale since a clip changed are
    rebuilt first). Both give the same rows (possibly in another order) and the same values: numbers as numpy
    arrays, ids as object or numpy unicode arrays, fields in ``vocabularies`` as integer codes into their
    vocabulary (-1: empty), other text as values or as :class:`~bwvtool.store.snapshot.TextCodes`.
    """
    from bwvtool.store import catalogue, snapshot

    catalogue.refuse_while_importing(conn)  # a half-applied import is not a catalogue to draw from
    if start_ts is not None and end_ts is not None and _window_is_small(conn, start_ts, end_ts):
        return scan_columns(conn, names, start_ts, end_ts, vocabularies=vocabularies)
    wanted = [*names, *snapshot.digest_fields(names), snapshot.IMPORT_ID] if provenance else names
    return snapshot.load(conn, wanted, start_ts, end_ts, vocabularies=vocabularies)


def _window_is_small(conn: sqlite3.Connection, start_ts: int, end_ts: int) -> bool:
    """Fewer than :data:`SMALL_WINDOW_CLIPS` clips in the window? (Counts at most that many index entries.)"""
    sql = "SELECT count(*) FROM (SELECT 1 FROM clips WHERE recorded_ts >= ? AND recorded_ts < ? LIMIT ?) AS w"
    found = conn.execute(sql, (start_ts, end_ts, SMALL_WINDOW_CLIPS)).fetchone()[0]
    return int(found) < SMALL_WINDOW_CLIPS


def scan_columns(
    conn: sqlite3.Connection,
    names: Sequence[str],
    start_ts: int | None = None,
    end_ts: int | None = None,
    *,
    vocabularies: dict[str, Sequence[str]] | None = None,
) -> dict[str, np.ndarray]:
    """The catalogue columns ``names`` (plan field names) read from ``clips`` in one scan, as numpy arrays.

    With ``start_ts``/``end_ts`` only clips recorded in ``[start_ts, end_ts)`` are read (through the
    ``clips_recorded`` index). Fields named in ``vocabularies`` come back as integer codes into their vocabulary
    (-1: empty), computed by SQLite: far cheaper than turning a million strings into Python objects. Other text
    comes back as values (object arrays). Rows stream straight into one structured array.
    """
    import numpy as np

    vocabularies = vocabularies or {}
    exprs: list[str] = []
    params: list[Any] = []
    dtype: list[tuple[str, str]] = []
    for name in names:
        if name in vocabularies:
            whens = " ".join(f"WHEN ? THEN {i:d}" for i in range(len(vocabularies[name])))
            exprs.append(f"CASE {column_sql(conn, name)} {whens} ELSE -1 END")
            params.extend(vocabularies[name])
            dtype.append((name, "i4"))
        else:
            exprs.append(column_sql(conn, name))
            dtype.append((name, COLUMN_DTYPE.get(name, "O")))
    sql = f"SELECT {', '.join(exprs)} FROM clips"
    if start_ts is not None and end_ts is not None:
        sql += " WHERE recorded_ts >= ? AND recorded_ts < ?"
        params += [start_ts, end_ts]
    table = np.fromiter(conn.execute(sql, params), dtype=np.dtype(dtype))
    return {name: table[name] for name in names}


def draw_inputs_marker(conn: sqlite3.Connection | Transaction) -> tuple[Any, ...]:
    """Changes when anything a draw reads changes — clips (the snapshot's change log), imports, samples, completed
    reviews, assignments — but not with coding: a draw computed outside the write lock stores only if it is the
    same before and after."""
    return tuple(
        conn.execute(
            "SELECT (SELECT coalesce(max(seq), 0) FROM snapshot_changes),"
            " (SELECT coalesce(max(id), 0) FROM catalogue_imports),"
            " (SELECT count(*) FROM catalogue_imports WHERE state = 'applying'),"
            " (SELECT coalesce(max(id), 0) FROM samples),"
            " (SELECT count(*) FROM clip_reviews WHERE status = 'complete'),"
            " (SELECT coalesce(max(id), 0) FROM assignments)"
        ).fetchone()
    )


def change_marker(conn: sqlite3.Connection) -> tuple[Any, ...]:
    """Changes when anything is written to the workspace: by this connection, or committed by another."""
    return dialect.change_marker(conn)


def sampled_between(
    conn: sqlite3.Connection,
    first_day: str,
    last_day: str,
    *,
    plan_name: str | None = None,
    before_sample: int | None = None,
) -> list[tuple[str, str]]:
    """(clip id, incident id) of clips in samples whose draw date is in ``[first_day, last_day]`` (ISO dates).

    ``plan_name``: only samples of plans with this name. ``before_sample``: only samples with a smaller id (a
    verification ignores the sample itself and later ones).
    """
    # The samples first, each report read once (MATERIALIZED): joined to their items directly, the JSON of a
    # sample's report (its whole manifest) would be parsed again for every item of it.
    chosen = (
        f"SELECT s.id FROM samples s WHERE {dialect.json_text(conn, 's.report', 'as_of')} BETWEEN ? AND ?"
    )
    params: list[Any] = [first_day, last_day]
    if plan_name is not None:
        chosen += f" AND {dialect.json_text(conn, 's.report', 'manifest', 'plan', 'name')} = ?"
        params.append(plan_name)
    if before_sample is not None:
        chosen += " AND s.id < ?"
        params.append(before_sample)
    sql = (
        f"WITH chosen AS MATERIALIZED ({chosen}) SELECT DISTINCT si.clip_id, c.incident_id FROM chosen"
        " JOIN sample_items si ON si.sample_id = chosen.id JOIN clips c ON c.clip_id = si.clip_id"
    )
    return [(row[0], row[1]) for row in conn.execute(sql, params)]


def reviewed_between(conn: sqlite3.Connection, start: str, end: str) -> list[tuple[str, str]]:
    """(clip id, incident id) of clips with a clip review created in ``[start, end)`` (stored UTC text)."""
    sql = (
        "SELECT DISTINCT r.clip_id, c.incident_id FROM clip_reviews r JOIN clips c ON c.clip_id = r.clip_id"
        " WHERE r.created_at >= ? AND r.created_at < ?"
    )
    return [(row[0], row[1]) for row in conn.execute(sql, (start, end))]


def insert_sample(tx: Transaction, sample: dict[str, Any]) -> int:
    """Insert a ``samples`` row from ``sample`` (keys named as the columns; ``report`` a dict); its id."""
    cursor = tx.execute(
        "INSERT INTO samples (name, plan_text, plan_sha256, seed, unit, drawn_at, drawn_by, frame_sha256,"
        " frame_size, manifest_sha256, report, codebook) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sample["name"],
            sample["plan_text"],
            sample["plan_sha256"],
            sample["seed"],
            sample["unit"],
            sample["drawn_at"],
            sample["drawn_by"],
            sample["frame_sha256"],
            sample["frame_size"],
            sample["manifest_sha256"],
            json.dumps(sample["report"], sort_keys=True, ensure_ascii=False),
            sample.get("codebook"),
        ),
    )
    return int(cursor.lastrowid)


def insert_contents(
    tx: Transaction,
    sample_id: int,
    strata: Iterable[tuple[Any, ...]],
    items: Iterable[tuple[Any, ...]],
    assignments: Iterable[tuple[str, int, str]],
) -> None:
    """The sample's strata, items and assignments (``(clip id, coder id, role)``), stamped with the draw time."""
    tx.executemany(
        "INSERT INTO sample_strata (sample_id, stratum, population, allocated, shortfall) VALUES (?, ?, ?, ?, ?)",
        [(sample_id, *row) for row in strata],
    )
    tx.executemany(
        "INSERT INTO sample_items (sample_id, clip_id, unit_id, stratum, selection, inclusion_prob,"
        " design_weight, draw_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(sample_id, *row) for row in items],
    )
    tx.executemany(
        "INSERT INTO assignments (sample_id, clip_id, coder_id, role, assigned_at) VALUES (?, ?, ?, ?, ?)",
        [(sample_id, clip, coder, role, tx.at) for clip, coder, role in assignments],
    )


_SAMPLE_COLUMNS = (
    "id", "name", "plan_text", "plan_sha256", "seed", "unit", "drawn_at", "drawn_by",
    "frame_sha256", "frame_size", "manifest_sha256", "report", "codebook",
)  # fmt: skip


def get_sample(conn: sqlite3.Connection, sample_id: int) -> dict[str, Any] | None:
    """The ``samples`` row (``report`` parsed), or ``None``."""
    row = conn.execute(
        f"SELECT {', '.join(_SAMPLE_COLUMNS)} FROM samples WHERE id = ?", (sample_id,)
    ).fetchone()
    if row is None:
        return None
    sample = dict(zip(_SAMPLE_COLUMNS, row, strict=True))
    sample["report"] = json.loads(sample["report"])
    return sample


def list_samples(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every sample, newest first, with its unit and clip counts."""
    rows = conn.execute(
        "SELECT s.id, s.name, s.codebook, s.unit, s.seed, s.drawn_at, s.drawn_by, s.frame_size, s.manifest_sha256,"
        f" {dialect.json_text(conn, 's.report', 'as_of')},"
        " (SELECT count(DISTINCT unit_id) FROM sample_items i WHERE i.sample_id = s.id),"
        " (SELECT count(*) FROM sample_items i WHERE i.sample_id = s.id)"
        " FROM samples s ORDER BY s.id DESC"
    ).fetchall()
    keys = ("id", "name", "codebook", "unit", "seed", "drawn_at", "drawn_by", "frame_size", "manifest_sha256",
            "as_of", "units", "clips")  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in rows]


def get_items(conn: sqlite3.Connection, sample_id: int) -> list[dict[str, Any]]:
    """The sample's clips in draw order, with a few catalogue fields and their coders."""
    # The officer is an identified field: empty for a researcher on a team server who is not granted it.
    officer = dialect.columns_or_null(conn, "clips", "c.", ("officer_ref",))["officer_ref"]
    rows = conn.execute(
        "SELECT i.draw_order, i.unit_id, i.clip_id, c.incident_id, c.recorded_at, c.duration_s, "
        f"{officer},"
        " i.stratum, i.selection, i.inclusion_prob, i.design_weight,"
        f" (SELECT {dialect.joined(conn, 'k.name', ';')} FROM assignments a JOIN coders k ON k.id = a.coder_id"
        "   WHERE a.sample_id = i.sample_id AND a.clip_id = i.clip_id AND a.role = 'primary'),"
        f" (SELECT {dialect.joined(conn, 'k.name', ';')} FROM assignments a JOIN coders k ON k.id = a.coder_id"
        "   WHERE a.sample_id = i.sample_id AND a.clip_id = i.clip_id AND a.role = 'reliability')"
        " FROM sample_items i JOIN clips c ON c.clip_id = i.clip_id"
        " WHERE i.sample_id = ? ORDER BY i.draw_order, i.clip_id",
        (sample_id,),
    ).fetchall()
    keys = ("draw_order", "unit_id", "clip_id", "incident_id", "recorded_at", "duration_s", "officer_ref",
            "stratum", "selection", "inclusion_prob", "design_weight", "coder", "reliability_coder")  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in rows]


def stored_rows(conn: sqlite3.Connection, sample_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The sample's stored strata, items and assignments as tuples (to compare with its manifest)."""
    strata = conn.execute(
        "SELECT stratum, population, allocated, shortfall FROM sample_strata WHERE sample_id = ?",
        (sample_id,),
    ).fetchall()
    items = conn.execute(
        "SELECT clip_id, unit_id, stratum, selection, inclusion_prob, design_weight, draw_order"
        " FROM sample_items WHERE sample_id = ?",
        (sample_id,),
    ).fetchall()
    assignments = conn.execute(
        "SELECT a.clip_id, k.name, a.role FROM assignments a JOIN coders k ON k.id = a.coder_id"
        " WHERE a.sample_id = ?"
        # clips the draw gave to the unit's pool are assigned by claims later, not by the draw
        "   AND NOT EXISTS (SELECT 1 FROM queue_pool p WHERE p.assignment_id = a.id)",
        (sample_id,),
    ).fetchall()
    return {"strata": strata, "items": items, "assignments": assignments}


def insert_fingerprint(tx: Transaction, sample_id: int, fingerprint: dict[str, Any]) -> None:
    """What the draw of ``sample_id`` read (see :mod:`bwvtool.sampling.fingerprint`): ``fields``, ``clips``,
    ``sha256``, ``imports`` and ``parts`` (the keys of its blobs, stored apart by :func:`insert_blobs`)."""
    tx.execute(
        "INSERT INTO sample_fingerprints (sample_id, fields, clips, clip_ids, digests, sha256, imports, parts)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sample_id,
            json.dumps(fingerprint["fields"]),
            fingerprint["clips"],
            b"",  # layout 1 kept the ids and digests here; now they are blobs named by ``parts``
            b"",
            fingerprint["sha256"],
            json.dumps(fingerprint["imports"], sort_keys=True),
            json.dumps(fingerprint["parts"], sort_keys=True),
        ),
    )


def get_fingerprint(conn: sqlite3.Connection, sample_id: int) -> dict[str, Any] | None:
    """The stored fingerprint of a sample's draw, or ``None`` (samples drawn before fingerprints existed).
    ``parts`` is None for fingerprints stored before blobs (their ``clip_ids`` and ``digests`` are in the row)."""
    row = conn.execute(
        "SELECT fields, clips, clip_ids, digests, sha256, imports, parts FROM sample_fingerprints"
        " WHERE sample_id = ?",
        (sample_id,),
    ).fetchone()
    if row is None:
        return None
    keys = ("fields", "clips", "clip_ids", "digests", "sha256", "imports", "parts")
    found = dict(zip(keys, row, strict=True))
    found["fields"], found["imports"] = json.loads(found["fields"]), json.loads(found["imports"])
    found["parts"] = None if found["parts"] is None else json.loads(found["parts"])
    found["clip_ids"], found["digests"] = bytes(found["clip_ids"]), bytes(found["digests"])
    return found


def absent_blobs(conn: sqlite3.Connection | Transaction, keys: Sequence[str]) -> set[str]:
    """Which of the fingerprint blobs ``keys`` (SHA-256 of their content) no earlier draw stored."""
    wanted = list(dict.fromkeys(keys))
    sql = f"SELECT sha256 FROM fingerprint_blobs WHERE sha256 IN ({', '.join('?' * len(wanted))})"
    present = {row[0] for row in conn.execute(sql, wanted)} if wanted else set()
    return set(wanted) - present


def insert_blobs(tx: Transaction, blobs: Iterable[tuple[str, str, bytes]]) -> None:
    """Fingerprint blobs ``(sha256 of the content, kind, stored bytes)``; one already stored stays as it is (the
    same key is the same content), so draws that read the same values share it."""
    tx.executemany(
        "INSERT INTO fingerprint_blobs (sha256, kind, data) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
        list(blobs),
    )


def recent_fingerprint_parts(
    conn: sqlite3.Connection | Transaction, limit: int = 20
) -> list[tuple[list[str], dict[str, Any]]]:
    """(fields, parts) of the latest ``limit`` fingerprints stored as blobs, newest first."""
    rows = conn.execute(
        "SELECT fields, parts FROM sample_fingerprints WHERE parts IS NOT NULL ORDER BY sample_id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [(json.loads(fields), json.loads(parts)) for fields, parts in rows]


def get_blobs(conn: sqlite3.Connection | Transaction, keys: Sequence[str]) -> dict[str, tuple[str, bytes]]:
    """The stored fingerprint blobs among ``keys``: key → (kind, stored bytes)."""
    wanted = list(dict.fromkeys(keys))
    sql = f"SELECT sha256, kind, data FROM fingerprint_blobs WHERE sha256 IN ({', '.join('?' * len(wanted))})"
    return {row[0]: (row[1], bytes(row[2])) for row in conn.execute(sql, wanted)} if wanted else {}


def imports_of_clips(
    conn: sqlite3.Connection,
    start_ts: int | None,
    end_ts: int | None,
    *,
    import_ids: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """The catalogue imports that last wrote the clips recorded in ``[start_ts, end_ts)`` (all clips when the bounds
    are ``None``): id, file name, file SHA-256, when, and how many of those clips each wrote. ``import_ids``: those
    clips' import ids as :func:`load_columns` gave them with the draw's columns (then nothing is read again)."""
    from bwvtool.store import snapshot

    if import_ids is not None:
        counts = snapshot.count_imports(import_ids)
    elif start_ts is not None and end_ts is not None and _window_is_small(conn, start_ts, end_ts):
        found = conn.execute(  # a small window: through the date index, as the draw read it
            "SELECT import_id, count(*) FROM clips WHERE recorded_ts >= ? AND recorded_ts < ? GROUP BY import_id",
            (start_ts, end_ts),
        ).fetchall()
        counts = sorted(found, key=lambda r: (r[0] is not None, r[0] or 0))
    else:  # from the column snapshot the draw read: no pass over every clip of a year's catalogue
        counts = snapshot.import_counts(conn, start_ts, end_ts)
    ids = [i for i, _ in counts if i is not None]
    about: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        about.update(
            (row[0], row[1:])
            for row in conn.execute(
                "SELECT id, source_path, source_sha256, imported_at FROM catalogue_imports"
                f" WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
        )
    out = []
    for import_id, count in counts:
        path, digest, at = about.get(import_id, (None, None, None))  # type: ignore[arg-type]
        out.append({
            "import_id": import_id,
            "file": None if path is None else path.replace("\\", "/").rsplit("/", 1)[-1],
            "sha256": digest,
            "imported_at": at,
            "clips": int(count),
        })  # fmt: skip
    return out


def left_out_by_previous(
    conn: sqlite3.Connection, plan_name: str, before_day: str, *, before_sample: int | None = None
) -> list[str]:
    """Unit ids that the latest sample of plan ``plan_name`` with a draw date before ``before_day`` left out for
    capacity (its manifest's ``carry_over.left_out``); ``before_sample``: only samples with a smaller id."""
    as_of = dialect.json_text(conn, "report", "as_of")
    sql = (
        f"SELECT report FROM samples WHERE {dialect.json_text(conn, 'report', 'manifest', 'plan', 'name')} = ?"
        f" AND {as_of} < ?"
    )
    params: list[Any] = [plan_name, before_day]
    if before_sample is not None:
        sql += " AND id < ?"
        params.append(before_sample)
    row = conn.execute(sql + f" ORDER BY {as_of} DESC, id DESC LIMIT 1", params).fetchone()
    if row is None:
        return []
    return list(json.loads(row[0])["manifest"].get("carry_over", {}).get("left_out", []))


def earliest_recording(conn: sqlite3.Connection, unit: str, unit_ids: Sequence[str]) -> int | None:
    """The earliest ``recorded_ts`` among the clips of these incidents (``unit`` incident) or clips."""
    column = "incident_id" if unit == "incident" else "clip_id"
    found: list[int] = []
    ids = list(unit_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        row = conn.execute(
            f"SELECT min(recorded_ts) FROM clips WHERE {column} IN ({', '.join('?' * len(chunk))})", chunk
        ).fetchone()
        if row[0] is not None:
            found.append(int(row[0]))
    return min(found) if found else None


def carry_over_for_window(conn: sqlite3.Connection, window_from: str) -> dict[str, Any] | None:
    """The latest sample with carry-over whose window starts at ``window_from`` (stored UTC text): its id, name,
    and the units carried into it and left out of it."""
    rows = conn.execute(
        f"SELECT id, name, report FROM samples WHERE {dialect.json_text(conn, 'report', 'manifest', 'window', 'from')} = ?"
        " ORDER BY id DESC",
        (window_from,),
    ).fetchall()
    for sample_id, name, report in rows:
        carry = json.loads(report)["manifest"].get("carry_over")
        if carry is not None:
            return {"sample_id": sample_id, "name": name, **carry}
    return None
