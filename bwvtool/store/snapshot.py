"""The column snapshot: every sampling field of every clip as one packed numpy array, kept in the workspace and
maintained as clips change.

Why: a draw over a million clips needs about ten fields of each. Read row by row from ``clips`` that takes
seconds (a Python tuple per row); read as a handful of blobs and ``np.frombuffer`` it takes tens of milliseconds.

How it stays right without being rebuilt: triggers on ``clips`` (migration 0007) append the rowid of every
inserted, updated or deleted row to ``snapshot_changes``, whoever writes. A reader takes the stored snapshot (the
one ``catalogue_state.snapshot_seq`` names: current through that change) and patches it with just the rows changed
since, read from ``clips`` in the same read transaction: the first draw after an edit costs the edit, not the
catalogue. Many changes (an import of more than a few thousand rows) are folded into a fresh snapshot instead:
built from one read of ``clips``, written field by field in short transactions, published by moving
``snapshot_seq`` in the importer's last step (:func:`prepare`, :func:`publish`). A stale snapshot never answers.

Format (table ``column_snapshot``, one row per field and generation, rows in (``recorded_ts``, rowid) order so a
date window is a slice; the hidden field ``_rowid`` gives each row's identity): numbers as little-endian arrays
(integers in the narrowest type that holds them), text as integer codes into its sorted distinct values (UTF-8,
joined by the byte 0xFF, which UTF-8 never contains, so any text round-trips), ids as fixed-width UTF-8 bytes
(widened to numpy unicode without a Python object per row). Beside each non-text field, hidden fields ``_digest:…``
keep each value's digest as a sample's fingerprint makes it (uint32), built and patched with the field: a draw's
fingerprint then costs a slice, not a pass over every value it read.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bwvtool.store import dialect
from bwvtool.store import snapshot_columns as cols
from bwvtool.store import value_digests as digests
from bwvtool.store.samples import COLUMN_SQL
from bwvtool.store.snapshot_parts import Parts

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
ROWID = "_rowid"  # each row's identity in ``clips``: how changed rows are found and where they go
IMPORT_ID = "_import_id"  # the import that last wrote each clip (-1: none), counted for a draw's provenance
_SOURCES = {**KINDS, ROWID: "int", IMPORT_ID: "int"}  # the fields read from ``clips``
# Each value's digest as a sample's fingerprint keeps it (bwvtool.store.value_digests), kept beside the field and
# patched with it, so a draw over a million clips does not digest every value it read again. Named by the
# fingerprint's name of the field. Not for text (a draw digests each distinct value once, and a choice field's
# vocabulary decides what reads as missing) nor the clip ids (the fingerprint's keys, not digested).
DIGEST = "_digest:"
_DIGESTED = {
    DIGEST + ("recorded_at" if name == "recorded_ts" else name): name
    for name, kind in KINDS.items()
    if kind != "text" and name != "clip_id"
}  # digest field -> the field it digests
_STORED = {**_SOURCES, **dict.fromkeys(_DIGESTED, "digest")}
_DIGEST_OF = {source: digest for digest, source in _DIGESTED.items()}  # field -> its digest field
FORMAT = 4  # the layout below; rows written in another layout are ignored (and rebuilt)
# More changed rows than this since the stored snapshot: build afresh instead of patching.
PATCH_LIMIT = 50_000
# Rows read from ``clips`` at a time while building (about 1 KB each as Python objects, packed at once).
_BUILD_CHUNK = 20_000
_BESIDE_CHUNK = (
    10_000  # the same for a builder beside a job (smaller: its row objects come and go more often)
)
# Rows worked on at a time where a temporary array of every row would cost memory (digests, the sort's places).
_SLICE_ROWS = 1 << 16
_READ_DTYPE = {"int": "i8", "float": "f8", "nullable": "O", "date": "O", "text": "O", "ids": "O"}
_WRITE_BYTES = 8 << 20  # snapshot bytes written per transaction
_BUSY_MS = 2000  # how long a reader waits for the write lock before using what it built unstored


def load(
    conn: sqlite3.Connection,
    names: Sequence[str],
    start_ts: int | None = None,
    end_ts: int | None = None,
    *,
    vocabularies: dict[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The fields ``names`` for clips recorded in ``[start_ts, end_ts)`` (all clips when ``None``): the stored
    snapshot patched with the clips changed since it was stored (or, with none stored or too many changes, a
    fresh one, stored for next time when the workspace can be written).

    Returns what :func:`bwvtool.store.samples.scan_columns` returns, rows in ``recorded_ts`` order: numbers as
    numpy arrays (int64 or float64), ids as :class:`Octets` (UTF-8, decoded where used), fields in
    ``vocabularies`` as int32 codes into their vocabulary (-1: empty or not in it), other text as
    :class:`TextCodes`.
    """
    import numpy as np

    wanted = list(dict.fromkeys(["recorded_ts", *names, *(_DIGESTED[n] for n in names if n in _DIGESTED)]))
    own = not conn.in_transaction
    with _reading(conn, own):
        columns, seq = _current(conn, wanted)
    if columns is None:  # nothing usable stored: build every field once, keep it if we may write
        prepared = _fresh(conn, own)
        _keep(conn, own, prepared)
        columns = prepared.columns
    ts = columns["recorded_ts"].values
    lo, hi = 0, int(ts.shape[0])
    if start_ts is not None and end_ts is not None:
        bounds = np.array([start_ts, end_ts], dtype=np.int64)  # compared as int64: ts may be stored narrower
        lo, hi = (int(i) for i in ts.searchsorted(bounds, side="left"))
    vocabularies = vocabularies or {}
    return {name: cols.decode(columns[name], lo, hi, vocabularies.get(name)) for name in names}


def digest_fields(names: Sequence[str]) -> list[str]:
    """The digest fields the snapshot keeps for the fields ``names`` (their values as a fingerprint digests them:
    :func:`load` returns them like any field; their names say which fingerprint field each is)."""
    return [digest for digest, source in _DIGESTED.items() if source in names]


def import_counts(
    conn: sqlite3.Connection, start_ts: int | None = None, end_ts: int | None = None
) -> list[tuple[int | None, int]]:
    """(import id, how many clips it last wrote) for the clips recorded in ``[start_ts, end_ts)`` (all clips when
    ``None``), by import id (None first: clips no import wrote). Counted over the snapshot's ``import_id`` field,
    patched like every field: a draw's provenance costs an array count, not a pass over a million rows."""
    return count_imports(load(conn, [IMPORT_ID], start_ts, end_ts)[IMPORT_ID])


def count_imports(values: np.ndarray) -> list[tuple[int | None, int]]:
    """:func:`import_counts` over the hidden import-id field as :func:`load` returned it for the clips read."""
    import numpy as np

    missing = values < 0
    ids = values[~missing]
    found: list[tuple[int | None, int]] = [(None, int(missing.sum()))] if missing.any() else []
    if ids.shape[0] and int(ids.min()) >= 0 and int(ids.max()) < 1 << 20:  # import ids count up from 1
        counts = np.bincount(ids)
        present = np.flatnonzero(counts)
        return found + list(zip(present.tolist(), counts[present].tolist(), strict=True))
    unique, counts = np.unique(ids, return_counts=True)
    return found + list(zip(unique.tolist(), counts.tolist(), strict=True))


@dataclass
class Prepared:
    """A snapshot of every field, current through change ``seq``, not yet published."""

    seq: int
    columns: dict[str, cols.Column]
    stored: bool = False


def has_base(conn: sqlite3.Connection) -> bool:
    """Is a snapshot stored (current or not)?"""
    seq = _snapshot_seq(conn)
    return seq is not None and _count_rows(conn, seq) == len(_STORED)


def is_current(conn: sqlite3.Connection) -> bool:
    """Is a snapshot stored and no clip changed since?"""
    return has_base(conn) and pending_changes(conn) == 0


def pending_changes(conn: sqlite3.Connection) -> int:
    """How many clip changes the stored snapshot does not hold yet (each is patched in by every reader)."""
    seq = _snapshot_seq(conn)
    sql = "SELECT count(*) FROM snapshot_changes WHERE seq > ?"
    return int(conn.execute(sql, (-1 if seq is None else seq,)).fetchone()[0])


def refresh(conn: sqlite3.Connection) -> bool:
    """Store a snapshot current through the latest change (patched, or built afresh) and drop the older one;
    False when it already was. In the caller's transaction if one is open, else in short ones of its own."""
    if is_current(conn):
        return False
    own = not conn.in_transaction
    _keep(conn, own, prepare(conn))
    return True


def prepare(conn: sqlite3.Connection, *, rebuild: bool = False, keep_columns: bool = True) -> Prepared:
    """Every field current through the latest change (read in one read transaction), stored field by field in
    short transactions (in the caller's, if one is open) but not yet published. Patched from the stored snapshot
    when few clips changed, built from ``clips`` otherwise or with ``rebuild`` (after changes that were not logged:
    an import's own steps)."""
    own = not conn.in_transaction
    if rebuild:  # a change of its own, so what is built here is newer than anything published
        _write(conn, own, lambda: mark_change(conn))
        prepared = _fresh(conn, own)
    else:
        with _reading(conn, own):
            columns, seq = _current(conn, list(_STORED))
        prepared = Prepared(seq, columns) if columns is not None else _fresh(conn, own)
    _store_fields(conn, own, prepared)
    if not keep_columns:  # the caller only publishes it: let the arrays go
        prepared.columns = {}
    return prepared


def publish(conn: sqlite3.Connection, prepared: Prepared) -> None:
    """Make ``prepared`` the stored snapshot, inside the caller's transaction (an import's last step). Does
    nothing if its rows are gone or a newer snapshot was published meanwhile."""
    current = _snapshot_seq(conn)
    if current is not None and current >= prepared.seq:
        return
    if _count_rows(conn, prepared.seq) == len(_STORED):
        conn.execute("UPDATE catalogue_state SET snapshot_seq = ? WHERE id = 1", (prepared.seq,))


def discard_old(conn: sqlite3.Connection) -> None:
    """Delete older snapshots and the change log the stored one holds, in short transactions."""
    seq = _snapshot_seq(conn)
    if seq is None:
        return
    _write(
        conn,
        True,
        lambda: conn.execute(
            "DELETE FROM column_snapshot WHERE generation < ? OR format <> ?", (seq, FORMAT)
        ),
    )  # fmt: skip (freeing pages: quick even for a million clips' snapshot)
    sql = "DELETE FROM snapshot_changes WHERE seq IN (SELECT seq FROM snapshot_changes WHERE seq <= ? LIMIT 50000)"
    while _has_old_changes(conn, seq):
        if not _write(conn, True, lambda: conn.execute(sql, (seq,))):
            return


def _keep(conn: sqlite3.Connection, own: bool, prepared: Prepared) -> None:
    """Store and publish ``prepared`` when the workspace can be written, then drop what it replaces."""
    _store_fields(conn, own, prepared)
    if prepared.stored and _write(conn, own, lambda: publish(conn, prepared)) and own:
        discard_old(conn)


# -- reading ---------------------------------------------------------------------------------------------------------
def _current(conn: sqlite3.Connection, names: list[str]) -> tuple[dict[str, cols.Column] | None, int]:
    """The fields ``names`` as they are now: the stored snapshot patched with the changes since; (None, seq) when
    none is stored or the changes are too many to patch. Call inside one read transaction."""
    seq = _latest_change(conn)
    base = _snapshot_seq(conn)
    if base is None:
        return None, seq
    fields = list(
        dict.fromkeys([*names, *(_DIGESTED[n] for n in names if n in _DIGESTED), "recorded_ts", ROWID])
    )
    sql = (
        "SELECT field, kind, rows, dtype, data, strings FROM column_snapshot WHERE generation = ? AND format = ?"
        f" AND field IN ({', '.join('?' * len(fields))})"
    )
    entries = {row[0]: cols.Entry(*row[1:]) for row in conn.execute(sql, [base, FORMAT, *fields])}
    if len(entries) < len(fields) or len({e.rows for e in entries.values()}) > 1:
        return None, seq
    changed = [row[0] for row in conn.execute(
        "SELECT DISTINCT clip_rowid FROM snapshot_changes WHERE seq > ? LIMIT ?", (base, PATCH_LIMIT + 1)
    )]  # fmt: skip
    if len(changed) > PATCH_LIMIT:
        return None, seq
    columns = {name: cols.from_entry(entry) for name, entry in entries.items()}
    if changed:
        columns = _patch(conn, columns, changed)
    return {n: columns[n] for n in fields}, seq


def _patch(
    conn: sqlite3.Connection, columns: dict[str, cols.Column], changed: list[int]
) -> dict[str, cols.Column]:
    """``columns`` with the rows of ``changed`` rowids replaced by what ``clips`` holds now (gone if deleted),
    each put where a full build would put it: (recorded_ts, rowid) order."""
    patch = _Patch(columns[ROWID].values, columns["recorded_ts"].values, changed,
                   _read_changed(conn, list(columns), changed))  # fmt: skip
    return {name: patch.apply(name, column) for name, column in columns.items()}


def _read_changed(
    conn: sqlite3.Connection, names: list[str], changed: list[int]
) -> dict[str, cols.Column] | None:
    """The fields ``names`` (digest fields too) of the ``changed`` rowids that still exist in ``clips``, in
    (recorded_ts, rowid) order; None when none does."""
    import numpy as np

    rowids = np.array(sorted(changed), dtype=np.int64)
    fresh = _read_rows(conn, [n for n in names if n not in _DIGESTED], rowids)
    if fresh is None:
        return None
    fresh |= {name: _digest(name, fresh[_DIGESTED[name]]) for name in names if name in _DIGESTED}
    order = np.lexsort((fresh[ROWID].values, fresh["recorded_ts"].values))
    return {name: cols.take(column, order) for name, column in fresh.items()}


class _Patch:
    """How the rows of ``changed`` rowids, as ``fresh`` (:func:`_read_changed`) has them, go into columns sorted
    by (recorded_ts, rowid) whose rowids and recording times are ``rowids`` and ``ts``: worked out once, then
    applied to one field at a time (:meth:`apply`), so a builder need not hold every field at once."""

    def __init__(
        self, rowids: np.ndarray, ts: np.ndarray, changed: list[int], fresh: dict[str, cols.Column] | None
    ) -> None:
        import numpy as np

        self.keep = ~np.isin(rowids, np.array(changed, dtype=np.int64))
        self.fresh = fresh
        self.at = self.positions = None
        if fresh is None:  # every changed row was deleted (or named none: mark_change's)
            return
        at = np.flatnonzero(~self.keep)
        same_rows = np.array_equal(rowids[at], fresh[ROWID].values)
        if same_rows and np.array_equal(ts[at], fresh["recorded_ts"].values):
            self.at = at  # the usual edit: every changed row still there, at the same time: in the same place
        else:
            self.positions = _positions(ts[self.keep], rowids[self.keep], fresh["recorded_ts"].values,
                                        fresh[ROWID].values)  # fmt: skip

    def apply(self, name: str, column: cols.Column) -> cols.Column:
        if self.fresh is None and self.keep.all():
            # Nothing held changed and nothing is there to add: a change that names no clip (mark_change, as a
            # big import logs before its last step) or a clip added and deleted since. Copying every field for
            # it cost each draw ~0.05 s at a million clips until the next snapshot was published.
            return column
        if self.fresh is None:
            return cols.prune(cols.take(column, self.keep))
        if self.at is not None:
            return cols.overwrite(column, self.at, self.fresh[name])  # pruned by overwrite where need be
        return cols.prune(cols.insert(cols.take(column, self.keep), self.positions, self.fresh[name]))


def _positions(ts: np.ndarray, rowids: np.ndarray, new_ts: np.ndarray, new_rowids: np.ndarray) -> np.ndarray:
    """Where rows (new_ts, new_rowids), sorted, go among rows sorted by (ts, rowid)."""
    import numpy as np

    lo = ts.searchsorted(new_ts, side="left")
    hi = ts.searchsorted(new_ts, side="right")
    positions = lo.copy()
    for i in np.nonzero(hi > lo)[0].tolist():  # ties on the second: rowid decides, as in a build
        positions[i] = lo[i] + int(rowids[lo[i] : hi[i]].searchsorted(new_rowids[i]))
    return positions


def _read_rows(
    conn: sqlite3.Connection, names: list[str], rowids: np.ndarray
) -> dict[str, cols.Column] | None:
    """The fields ``names`` of the clips with these rowids (those that still exist), as columns."""

    parts = []
    for start in range(0, rowids.shape[0], 500):
        batch = rowids[start : start + 500].tolist()
        where = f" WHERE {dialect.clip_rowid(conn)} IN ({', '.join('?' * len(batch))})"
        table = _select(conn, names, where, batch)
        if table.shape[0]:
            parts.append(_convert(conn, names, table))
    if not parts:
        return None
    return {name: cols.concat([p[name] for p in parts]) for name in names} if len(parts) > 1 else parts[0]


def _select(conn: sqlite3.Connection, names: list[str], where: str, params: Any) -> np.ndarray:
    import numpy as np

    return np.fromiter(conn.execute(_select_sql(conn, names) + where, params), dtype=_table_dtype(names))


def _table_dtype(names: list[str]) -> np.dtype:
    """The fields ``names`` as read from ``clips`` into a numpy table (text as Python objects, packed next)."""
    import numpy as np

    return np.dtype([(n, _READ_DTYPE[_STORED[n]]) for n in names])


def _convert(
    conn: sqlite3.Connection,
    names: list[str],
    table: np.ndarray,
    encoders: dict[str, cols.TextEncoder] | None = None,
) -> dict[str, cols.Column]:
    encoders = encoders or {}
    return {
        n: cols.from_values(_STORED[n], table[n], lambda v: _unix_seconds(conn, v), encoders.get(n))
        for n in names
    }


def _latest_change(conn: sqlite3.Connection) -> int:
    """The newest change a snapshot read now would hold (the log is emptied up to the stored snapshot)."""
    found = conn.execute("SELECT max(seq) FROM snapshot_changes").fetchone()[0]
    return max(int(found or 0), _snapshot_seq(conn) or 0)


def _has_old_changes(conn: sqlite3.Connection, seq: int) -> bool:
    return (
        conn.execute("SELECT 1 FROM snapshot_changes WHERE seq <= ? LIMIT 1", (seq,)).fetchone() is not None
    )


def _snapshot_seq(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT snapshot_seq FROM catalogue_state WHERE id = 1").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _count_rows(conn: sqlite3.Connection, seq: int) -> int:
    sql = "SELECT count(*) FROM column_snapshot WHERE generation = ? AND format = ?"
    return int(conn.execute(sql, (seq, FORMAT)).fetchone()[0])


# -- building ------------------------------------------------------------------------------------------------------
def _fresh(conn: sqlite3.Connection, own: bool) -> Prepared:
    """Every field built from ``clips`` in one read transaction, with the change it is current through."""
    with _reading(conn, own):
        return Prepared(_latest_change(conn), _build(conn))


def _build(conn: sqlite3.Connection) -> dict[str, cols.Column]:
    """Every field from one scan of ``clips``, held at once (the reader that builds it draws from it)."""
    parts = _read_all(conn, _parts())
    try:
        return dict(_fields(parts))
    finally:
        parts.close()


def _parts(*, spill: bool = False) -> Parts:
    return Parts([name for name, kind in _SOURCES.items() if kind == "text"], spill=spill)


def _read_all(conn: sqlite3.Connection, parts: Parts) -> Parts:
    """Every row of ``clips`` into ``parts``, in rowid order, a chunk at a time (each packed at once, so memory
    never holds more than a chunk of rows as Python objects)."""
    import numpy as np

    names = list(_SOURCES)
    cursor = conn.execute(_select_sql(conn, names) + f" ORDER BY {dialect.clip_rowid(conn)}")
    while True:
        table = np.fromiter(itertools.islice(cursor, _BUILD_CHUNK), dtype=_table_dtype(names))
        _add(conn, parts, table)
        if not table.shape[0]:
            return parts


def _add(conn: sqlite3.Connection, parts: Parts, table: np.ndarray) -> None:
    """``table``'s rows into ``parts``; the first table even when it has none, so an empty catalogue still has
    every field (of no rows)."""
    if table.shape[0] or parts.empty:
        parts.add(_convert(conn, list(table.dtype.names or ()), table, parts.encoders))


def _fields(
    parts: Parts, changed: Sequence[int] = (), fresh: dict[str, cols.Column] | None = None
) -> Iterator[tuple[str, cols.Column]]:
    """Every stored field, one at a time: joined from ``parts`` (read in rowid order), sorted by recording time
    (ties in rowid order), the rows of ``changed`` rowids patched in as ``fresh`` has them (:class:`_Patch`),
    each field followed by its digest. Each is let go of before the next is made: a caller that stores and drops
    them holds the sort order and one field, never the whole snapshot."""
    import numpy as np

    ts = parts.pop("recorded_ts")
    order = np.argsort(ts.values, kind="stable")
    first = {"recorded_ts": cols.take(ts, order)}
    del ts
    # Where each row read goes in recording order: every other field is put straight into place (Parts.pop).
    rows = order.shape[0]
    places = np.empty(rows, dtype=np.int32 if rows < 1 << 31 else np.int64)
    for lo in range(0, rows, _SLICE_ROWS):
        hi = min(lo + _SLICE_ROWS, rows)
        places[order[lo:hi]] = np.arange(lo, hi)
    del order
    first[ROWID] = parts.pop(ROWID, places)
    patch = None
    if changed:
        patch = _Patch(first[ROWID].values, first["recorded_ts"].values, list(changed), fresh)
    # Those made already go first, to be let go of first.
    for name in [*first, *(n for n in _SOURCES if n not in first)]:
        column = first.pop(name) if name in first else parts.pop(name, places)
        if patch is not None:
            column = patch.apply(name, column)
        yield name, column
        if name in _DIGEST_OF:
            yield _DIGEST_OF[name], _digest(_DIGEST_OF[name], column)
        del column


def _digest(name: str, source: cols.Column) -> cols.Column:
    """The digest field ``name`` of the rows of ``source`` (the field it digests), as a draw's fingerprint would
    digest the values it reads from them; a slice at a time (each value's digest is its own), since an id passes
    through arrays of several bytes per character on its way."""
    import numpy as np

    field = name.removeprefix(DIGEST)
    of = {"ids": digests.of_ids, "int": digests.of_integers}.get(source.kind, digests.of_numbers)
    values = np.empty(source.rows, dtype=np.uint32)
    for lo in range(0, source.rows, _SLICE_ROWS):
        hi = min(lo + _SLICE_ROWS, source.rows)
        read = cols.decode(source, lo, hi, None)
        values[lo:hi] = of(read.unicode() if source.kind == "ids" else read, field)
    return cols.Column("digest", values)


class Builder:
    """A fresh snapshot built from ``clips`` while a long job still writes them (SQLite), so that building it
    costs the job nothing at its end: rows are read in rowid order as the job's steps commit them
    (:meth:`catch_up`, each read its own short read transaction), and once the job's last step has committed,
    :meth:`finish` reads the rest, re-reads every row logged as changed since the build began, and stores it.
    What it reads is spilled to a temporary file (:class:`Parts`) and stored a field at a time: its memory does
    not grow with the catalogue. Close it when done.

    Why that is the catalogue as of :meth:`finish`: a row read earlier and changed later was changed by a logged
    write (the job keeps the change log on for its updates; its inserts, which it does not log, always get a
    rowid above every row there was, so they are read in their turn). The job writes a change of its own before
    its last step (:func:`mark_change`), so what is built is newer than any snapshot published before.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.names = list(_SOURCES)
        self.parts = _parts(spill=True)
        self.after = 0  # the last rowid read
        with _reading(conn, True):
            self.start_seq = _latest_change(conn)

    def catch_up(self) -> int:
        """Read the next committed rows (at most a chunk); how many."""
        with _reading(self.conn, True):
            return self._next()

    def finish(self) -> Prepared:
        """Everything committed now, with the changes logged since the build began; stored, not published."""
        conn = self.conn
        with _reading(conn, True):  # one state of the catalogue: the rest, the changed rows, the seq
            while self._next():
                pass
            seq = _latest_change(conn)
            changed = [row[0] for row in conn.execute(
                "SELECT DISTINCT clip_rowid FROM snapshot_changes WHERE seq > ? AND seq <= ? LIMIT ?",
                (self.start_seq, seq, PATCH_LIMIT + 1),
            )]  # fmt: skip
            if len(changed) > PATCH_LIMIT:  # others changed much meanwhile: read it all again
                self.parts.close()
                self.parts, changed = _read_all(conn, _parts(spill=True)), []
            fresh = _read_changed(conn, self.names, changed) if changed else None
        prepared = Prepared(seq, {})
        _store_fields(conn, True, prepared, _fields(self.parts, changed, fresh))
        return prepared

    def close(self) -> None:
        self.parts.close()
        self.conn.close()

    def _next(self) -> int:
        rowid = dialect.clip_rowid(self.conn)
        where = f" WHERE {rowid} > ? ORDER BY {rowid} LIMIT {_BESIDE_CHUNK:d}"
        table = _select(self.conn, self.names, where, (self.after,))
        _add(self.conn, self.parts, table)
        if table.shape[0]:
            self.after = int(table[ROWID][-1])
        return int(table.shape[0])


def mark_change(tx: Any) -> None:
    """Log a change that names no clip, in the caller's transaction: a snapshot built from now on is newer than
    every one published before, though the changes it holds were not logged (a job's own, unlogged inserts)."""
    tx.execute("INSERT INTO snapshot_changes (clip_rowid) VALUES (0)")


def _select_sql(conn: sqlite3.Connection, names: list[str]) -> str:
    """The fields ``names`` of ``clips`` (dates as stored, converted by :func:`_unix_seconds`), with no order."""
    rowid = dialect.clip_rowid(conn)
    hidden = {ROWID: rowid, IMPORT_ID: "coalesce(import_id, -1)"}  # an int field, narrow (import ids are few)
    exprs = [
        hidden[n] if n in hidden else "retention_until" if _STORED[n] == "date" else COLUMN_SQL[n]
        for n in names
    ]
    return f"SELECT {', '.join(exprs)} FROM {dialect.clips_with_rowid(conn)}"


def _unix_seconds(conn: sqlite3.Connection, values: list[Any]) -> np.ndarray:
    """Dates as unix seconds (NaN when empty or unparseable), converted by SQLite once per distinct value.

    The same conversion as ``COLUMN_SQL['retention_until']``, without running ``strftime`` on every row.
    """
    import numpy as np

    codes, categories = cols.code_text(values)
    seconds = np.full(len(categories) + 1, np.nan)  # the last slot answers code -1
    for key, value in dialect.unix_seconds_of(conn, categories):
        if value is not None:
            seconds[int(key)] = value
    return seconds[codes]


# -- writing -------------------------------------------------------------------------------------------------------
def _store_fields(
    conn: sqlite3.Connection,
    own: bool,
    prepared: Prepared,
    fields: Iterable[tuple[str, cols.Column]] | None = None,
) -> None:
    """Write ``prepared`` (a new generation beside the published one) unless it is stored already: its columns,
    or else ``fields`` as they come (a builder's, made one at a time)."""
    if prepared.stored:
        return
    if prepared.seq == _snapshot_seq(conn) and has_base(conn):
        prepared.stored = True  # nothing changed since the stored one: it is this
        return
    if fields is None:
        fields = ((name, prepared.columns[name]) for name in _STORED)
    prepared.stored = _store(conn, own, prepared.seq, fields)


def _store(conn: sqlite3.Connection, own: bool, seq: int, fields: Iterable[tuple[str, cols.Column]]) -> bool:
    """Write ``fields`` as generation ``seq``, a few MB per short transaction (few commits for a small
    catalogue). A batch is written as soon as it is full, before the next field is taken from ``fields``, so a
    generator's fields are held a batch at a time. False when the workspace cannot be written now."""
    batch: list[tuple[str, cols.Entry]] = []
    size = 0
    for name, column in fields:
        batch.append((name, cols.to_entry(column)))
        size += column.values.nbytes
        del column  # not held while ``fields`` makes the next one
        if size >= _WRITE_BYTES:
            if not _write(conn, own, lambda batch=batch: [_store_one(conn, seq, *e) for e in batch]):
                return False
            batch, size = [], 0
    return not batch or _write(conn, own, lambda: [_store_one(conn, seq, *e) for e in batch])


def _store_one(conn: sqlite3.Connection, seq: int, name: str, entry: cols.Entry) -> None:
    conn.execute("DELETE FROM column_snapshot WHERE field = ? AND generation = ?", (name, seq))
    values = {"field": name, "generation": seq, "format": FORMAT, "kind": entry.kind, "rows": entry.rows,
              "dtype": entry.dtype, "strings": entry.strings}  # fmt: skip
    dialect.insert_blob(conn, "column_snapshot", values, "data", entry.data)


def _write(conn: sqlite3.Connection, own: bool, action: Any) -> bool:
    """Run ``action`` in the caller's transaction, or else in a short one of our own; False when the workspace
    cannot be written now (locked by another writer for long, or read-only): the snapshot is only a cache."""
    if not own:
        action()
        return True
    try:
        with dialect.lock_wait(conn, _BUSY_MS):
            try:
                conn.execute("BEGIN IMMEDIATE")
                action()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
    except sqlite3.OperationalError as exc:
        if not dialect.cannot_write(exc):
            raise
        return False
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


# What callers used to import from here.
TextCodes = cols.TextCodes
Octets = cols.Octets
code_text = cols.code_text
