"""The column snapshot: every sampling field of every clip as one packed numpy array, kept in the workspace.

Why: a draw over a million clips needs about ten fields of each. Read row by row from ``clips`` that takes
seconds (a Python tuple per row); read as a handful of blobs and ``np.frombuffer`` it takes tens of milliseconds.

When it is used: a field is read from the snapshot only while it carries the catalogue's current generation
(migration 0005: triggers on ``clips`` move the generation on with the first change after a snapshot was stamped,
whoever writes). Otherwise the reader rebuilds the fields it needs from ``clips`` in one scan and stores them (a
catalogue import refreshes them all), so a stale snapshot never answers. A rebuild reads inside one transaction
after "stamping" the generation, so a change committed meanwhile moves the generation on and what it stores is
simply stale, never wrong. A reader that cannot write (another process holds the write lock for long, a read-only
file) still gets the rebuilt columns, just without storing them.

Format (table ``column_snapshot``, one row per field, rows in ``recorded_ts`` order so a date window is a
slice): numbers as little-endian arrays (integers in the narrowest type that holds them), text as integer codes
into its sorted distinct values (UTF-8, joined by the byte 0xFF, which UTF-8 never contains, so any text
round-trips), ids as fixed-width UTF-8 bytes (widened to numpy unicode without a Python object per row).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bwvtool.store.samples import COLUMN_SQL

if TYPE_CHECKING:
    import numpy as np

# How each sampling field is kept. int: NOT NULL integers; float: NOT NULL reals; nullable: numbers that may be
# NULL (float64, NaN); date: text dates as unix seconds (float64, NaN when empty or unparseable); text: codes into
# the sorted distinct values (-1: NULL or empty); ids: the values themselves (unique or nearly so), which a draw
# gets as a numpy unicode array.
KINDS: dict[str, str] = {
    "clip_id": "ids", "incident_id": "ids", "recorded_ts": "int", "duration_s": "float",
    "sources": "int", "uof_tactics": "int", "assault_types": "int", "media": "int",
    "ss_power": "text", "ss_outcome": "text", "subject_age_band": "text", "subject_gender": "text",
    "subject_ethnicity": "text", "media_status": "text", "officer_ref": "text", "borough": "text", "bcu": "text",
    "camera_id": "text", "mtip": "nullable", "retention_until": "date",
}  # fmt: skip
FORMAT = 1  # the layout below; rows written in another layout are ignored (and rebuilt)
_READ_DTYPE = {"int": "i8", "float": "f8", "nullable": "O", "date": "O", "text": "O", "ids": "O"}
_SEPARATOR = "\udcff"  # the byte 0xFF, decoded with surrogateescape
_BUSY_MS = 2000  # how long a reader waits for the write lock before using its rebuild unstored
_CANNOT_WRITE = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY)

# Snapshot rows that carry the current generation, for the fields in the placeholders appended.
_CURRENT_FROM = (
    " FROM column_snapshot s JOIN catalogue_state c ON c.id = 1 AND c.stamped = 1 AND c.generation = s.generation"
    f" WHERE s.format = {FORMAT:d} AND s.field IN "
)


@dataclass
class TextCodes:
    """A text column as codes into its sorted distinct values (-1: NULL or empty)."""

    codes: np.ndarray
    categories: list[str]


@dataclass
class _Entry:
    """One stored field: ``data`` as bytes in ``dtype``; ``strings`` the 0xFF-joined text (text and ids)."""

    kind: str
    rows: int
    dtype: str
    data: bytes
    strings: bytes | None


def code_text(values: Sequence[Any]) -> tuple[np.ndarray, list[str]]:
    """Integer codes (int32) into the sorted distinct values; ``None`` and empty text are -1.

    Mapping through a dict with ``map`` keeps the per-row work in C: about 0.1 s for a million rows.
    """
    import numpy as np

    categories = sorted(v for v in set(values) if v is not None and v != "")
    index: dict[Any, int] = {v: i for i, v in enumerate(categories)}
    index[None] = index[""] = -1
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.int32, count=len(values))
    return codes, categories


def load(
    conn: sqlite3.Connection,
    names: Sequence[str],
    start_ts: int | None = None,
    end_ts: int | None = None,
    *,
    vocabularies: dict[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The fields ``names`` for clips recorded in ``[start_ts, end_ts)`` (all clips when ``None``), from the
    snapshot; fields it lacks at the current generation are built from ``clips`` first.

    Returns what :func:`bwvtool.store.samples.scan_columns` returns, rows in ``recorded_ts`` order: numbers as
    numpy arrays (int64 or float64), ids as numpy unicode arrays, fields in ``vocabularies`` as int32 codes into
    their vocabulary (-1: empty or not in it), other text as :class:`TextCodes`.
    """
    import numpy as np

    wanted = ["recorded_ts", *(n for n in names if n != "recorded_ts")]
    entries = _complete(conn, wanted, *_current(conn, wanted))
    ts = _array(entries["recorded_ts"]).astype(np.int64)
    lo, hi = 0, ts.shape[0]
    if start_ts is not None and end_ts is not None:
        lo, hi = (int(i) for i in ts.searchsorted([start_ts, end_ts], side="left"))
    vocabularies = vocabularies or {}
    return {name: _decode(entries[name], lo, hi, vocabularies.get(name)) for name in names}


def refresh(conn: sqlite3.Connection) -> bool:
    """Make every field of the snapshot current (inside the caller's transaction, if one is open); True when
    anything had to be built."""
    if is_current(conn):
        return False
    names = list(KINDS)
    _complete(conn, names, *_current(conn, names))
    return True


def is_current(conn: sqlite3.Connection) -> bool:
    """Does the stored snapshot hold every field at the catalogue's current generation?"""
    names = list(KINDS)
    sql = "SELECT count(*), count(DISTINCT s.rows)" + _CURRENT_FROM + _placeholders(names)
    found, sizes = conn.execute(sql, names).fetchone()
    return found == len(names) and sizes == 1


def generation(conn: sqlite3.Connection) -> int:
    """The catalogue generation (moves on when clips change after a snapshot was stamped)."""
    return int(conn.execute("SELECT generation FROM catalogue_state WHERE id = 1").fetchone()[0])


# -- reading -------------------------------------------------------------------------------------------------------
def _current(conn: sqlite3.Connection, names: list[str]) -> tuple[dict[str, _Entry], int | None]:
    """The stored entries among ``names`` that carry the current generation, and that generation (one
    statement: one consistent read)."""
    sql = "SELECT s.generation, s.field, s.kind, s.rows, s.dtype, s.data, s.strings" + _CURRENT_FROM
    rows = conn.execute(sql + _placeholders(names), names).fetchall()
    entries = {row[1]: _Entry(*row[2:]) for row in rows}
    if not rows or len({e.rows for e in entries.values()}) > 1:
        return {}, None
    return entries, int(rows[0][0])


def _placeholders(names: list[str]) -> str:
    return f"({', '.join('?' * len(names))})"


def _array(entry: _Entry) -> np.ndarray:
    import numpy as np

    return np.frombuffer(entry.data, dtype=np.dtype(entry.dtype))


def _split(blob: bytes) -> list[str]:
    return blob.decode("utf-8", "surrogateescape").split(_SEPARATOR)


def _decode(entry: _Entry, lo: int, hi: int, vocabulary: Sequence[str] | None) -> Any:
    """Rows ``[lo, hi)`` of one entry, as the caller reads that field (fresh, writable arrays)."""
    import numpy as np

    values = _array(entry)[lo:hi]
    if entry.kind == "ids":
        return _unicode(values)
    if entry.kind == "int":
        return values.astype(np.int64)
    if entry.kind != "text":
        return values.astype(np.float64)
    codes = values.astype(np.int32)
    categories = _split(entry.strings) if entry.strings else []
    if vocabulary is None:
        return _present(codes, categories) if hi - lo < entry.rows else TextCodes(codes, categories)
    # Codes into the vocabulary instead: values outside it count as empty, as in scan_columns' CASE.
    position = {v: i for i, v in enumerate(vocabulary)}
    lookup = np.array([position.get(c, -1) for c in categories] + [-1], dtype=np.int32)
    return lookup[codes]


def _present(codes: np.ndarray, categories: list[str]) -> TextCodes:
    """Only the categories that occur in ``codes`` (a window of the rows), as a scan of that window finds them."""
    import numpy as np

    used = np.zeros(len(categories) + 1, dtype=bool)
    used[codes + 1] = True
    renumber = np.append(np.cumsum(used[1:]) - 1, -1).astype(np.int32)  # the last slot answers code -1
    return TextCodes(
        renumber[codes], [c for c, keep in zip(categories, used[1:].tolist(), strict=True) if keep]
    )


def _unicode(octets: np.ndarray) -> np.ndarray:
    """Fixed-width UTF-8 bytes as numpy unicode. ASCII (the usual ids) is widened byte by byte to code points,
    ~50 times faster than decoding each value; anything else is decoded properly."""
    import numpy as np

    width = octets.dtype.itemsize
    grid = octets.view(np.uint8).reshape(-1, width)
    if (grid < 0x80).all():
        return grid.astype(np.uint32).view(np.dtype(("U", width))).reshape(-1)
    return np.char.decode(octets, "utf-8")


# -- building ------------------------------------------------------------------------------------------------------
def _complete(
    conn: sqlite3.Connection, names: list[str], found: dict[str, _Entry], found_at: int | None
) -> dict[str, _Entry]:
    """``found`` (current entries, of generation ``found_at``) plus the fields of ``names`` it lacks, built from
    ``clips`` and stored when the generation allows; everything is rebuilt if the catalogue moved on meanwhile."""
    if all(name in found for name in names):
        return found
    own = not conn.in_transaction
    if not _state(conn)[1]:  # stamp first: a change after this moves the generation past what is built below
        _write(conn, own, lambda: conn.execute("UPDATE catalogue_state SET stamped = 1 WHERE id = 1"))
    with _reading(conn, own):
        built_at, stamped = _state(conn)
        if built_at != found_at:
            found = {}
        built = _build(conn, [name for name in names if name not in found])
    if stamped:
        _write(conn, own, lambda: _store(conn, built_at, built))
    return {**found, **built}


def _state(conn: sqlite3.Connection) -> tuple[int, bool]:
    row = conn.execute("SELECT generation, stamped FROM catalogue_state WHERE id = 1").fetchone()
    return int(row[0]), bool(row[1])


def _build(conn: sqlite3.Connection, names: list[str]) -> dict[str, _Entry]:
    """One scan of ``clips`` for the fields ``names``, sorted by recording time (ties in rowid order).

    Fields built by separate scans at the same generation line up: the rows and so the order are the same.
    """
    import numpy as np

    read = ["recorded_ts", *(n for n in names if n != "recorded_ts")]
    exprs = ["retention_until" if KINDS[n] == "date" else COLUMN_SQL[n] for n in read]
    dtype = np.dtype([(n, _READ_DTYPE[KINDS[n]]) for n in read])
    table = np.fromiter(conn.execute(f"SELECT {', '.join(exprs)} FROM clips ORDER BY rowid"), dtype=dtype)
    order = np.argsort(table["recorded_ts"], kind="stable")
    rows = int(table.shape[0])
    entries: dict[str, _Entry] = {}
    for name in names:
        kind = KINDS[name]
        values = table[name][order]
        strings = None
        if kind == "ids":
            values = _octets(values)
        elif kind == "text":
            codes, categories = code_text(values.tolist())
            strings, values = _join(categories), _narrow(codes)
        elif kind == "int":
            values = _narrow(values)
        elif kind == "nullable":
            values = values.astype(np.float64)
        elif kind == "date":
            values = _unix_seconds(conn, values.tolist())
        entries[name] = _Entry(kind, rows, values.dtype.str, values.tobytes(), strings)
    return entries


def _unix_seconds(conn: sqlite3.Connection, values: list[Any]) -> np.ndarray:
    """Dates as unix seconds (NaN when empty or unparseable), converted by SQLite once per distinct value.

    The same conversion as ``COLUMN_SQL['retention_until']``, without running ``strftime`` on every row.
    """
    import numpy as np

    codes, categories = code_text(values)
    seconds = np.full(len(categories) + 1, np.nan)  # the last slot answers code -1
    sql = "SELECT key, CAST(strftime('%s', value) AS INTEGER) FROM json_each(?)"
    for key, value in conn.execute(sql, (json.dumps(categories),)):
        if value is not None:
            seconds[int(key)] = value
    return seconds[codes]


def _octets(values: np.ndarray) -> np.ndarray:
    """Text (an object array) as fixed-width UTF-8 bytes: numpy's own cast when it is all ASCII."""
    import numpy as np

    try:
        return values.astype(np.bytes_)
    except UnicodeEncodeError:
        return np.array([v.encode("utf-8") for v in values.tolist()], dtype=np.bytes_)


def _join(values: list[str]) -> bytes:
    return b"\xff".join(v.encode("utf-8") for v in values)


def _narrow(values: np.ndarray) -> np.ndarray:
    """The same integers in the narrowest signed type that holds them (masks and codes are mostly small)."""
    import numpy as np

    if values.shape[0] == 0:
        return values.astype(np.int8)
    low, high = int(values.min()), int(values.max())
    for candidate in (np.int8, np.int16, np.int32):
        info = np.iinfo(candidate)
        if info.min <= low and high <= info.max:
            return values.astype(candidate)
    return values.astype(np.int64)


# -- writing -------------------------------------------------------------------------------------------------------
def _store(conn: sqlite3.Connection, built_at: int, entries: dict[str, _Entry]) -> None:
    """Store ``entries`` (dropping rows of older generations), unless the catalogue has moved on since they were
    read: they would be stale at once."""
    if _state(conn) != (built_at, True):
        return
    names = list(entries)
    conn.execute(
        "DELETE FROM column_snapshot WHERE generation <> ? OR format <> ? OR field IN "
        + _placeholders(names),
        [built_at, FORMAT, *names],
    )
    conn.executemany(
        "INSERT INTO column_snapshot (field, generation, format, kind, rows, dtype, data, strings)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(n, built_at, FORMAT, e.kind, e.rows, e.dtype, e.data, e.strings) for n, e in entries.items()],
    )


def _write(conn: sqlite3.Connection, own: bool, action: Any) -> bool:
    """Run ``action`` in the caller's transaction, or else in a short one of our own; False when the workspace
    cannot be written now (locked by another writer for long, or read-only): the snapshot is only a cache."""
    if not own:
        action()
        return True
    previous = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    conn.execute(f"PRAGMA busy_timeout = {min(previous, _BUSY_MS):d}")
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
            action()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF not in _CANNOT_WRITE:
            raise
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {previous:d}")
    return True


@contextmanager
def _reading(conn: sqlite3.Connection, own: bool) -> Iterator[None]:
    """One read transaction around several statements, so they all see the same committed state."""
    if not own:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")
