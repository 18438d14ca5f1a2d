"""Packed columns of the sampling snapshot: how one field of every clip is held, stored, patched and handed out.

A :class:`Column` holds one field for all rows: ids as fixed-width UTF-8 bytes, integers as int64, other numbers
as float64 (NaN for missing), text as int32 codes into its sorted distinct values (-1: NULL or empty), a field's
digests (see :mod:`bwvtool.store.value_digests`) as uint32. Columns are
built a chunk of rows at a time and joined (:func:`concat`), patched with changed rows (:func:`take` the rows that
stay, :func:`insert` the fresh ones), stored as :class:`Entry` bytes and read back without a Python object per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_SEPARATOR = "\udcff"  # the byte 0xFF, decoded with surrogateescape


@dataclass
class TextCodes:
    """A text column as codes into its sorted distinct values (-1: NULL or empty)."""

    codes: np.ndarray
    categories: list[str]


@dataclass
class Octets:
    """Ids as the snapshot keeps them: fixed-width UTF-8 bytes (numpy ``S``, padded with NULs). A draw reads every
    id of its window but sorts and shows only those of its frame, and hashes the rest as bytes: so they are decoded
    to numpy unicode only where used (:meth:`unicode`), not all at once (a million ids cost ~0.012 s a field)."""

    values: np.ndarray

    def unicode(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The ids (of ``rows`` only, if given) as numpy unicode."""
        return _unicode(self.values if rows is None else self.values[rows])


@dataclass
class Column:
    """One field of every row (see the module docstring; integers and codes in the narrowest type that holds
    them); ``categories`` only for text."""

    kind: str
    values: np.ndarray
    categories: list[str] | None = None

    @property
    def rows(self) -> int:
        return int(self.values.shape[0])


@dataclass
class Entry:
    """A column as stored: ``data`` as bytes in ``dtype``; ``strings`` the 0xFF-joined categories (text)."""

    kind: str
    rows: int
    dtype: str
    data: bytes | memoryview
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


class TextEncoder:
    """Codes for one text field over many chunks of rows, each distinct value kept once (codes in first-seen
    order until :meth:`finish` sorts them).

    Why not :func:`code_text` per chunk: each chunk's categories would outlive the chunk's row objects, scattered
    among them, and keep the allocator from giving that memory back — a build's memory would grow with the rows.
    """

    def __init__(self) -> None:
        self.index: dict[Any, int] = {None: -1, "": -1}

    def codes(self, values: list[Any]) -> np.ndarray:
        import numpy as np

        index = self.index
        for value in set(values).difference(index):
            index[value] = len(index) - 2
        return _narrow(np.fromiter(map(index.__getitem__, values), dtype=np.int32, count=len(values)))

    def finish(self, codes: np.ndarray) -> Column:
        """Every chunk's codes, joined, as one text column with sorted categories."""
        import numpy as np

        seen = [
            v for v, code in self.index.items() if code >= 0
        ]  # in code order (dicts keep insertion order)
        categories = sorted(seen)
        position = {v: i for i, v in enumerate(categories)}
        lookup = np.array([position[v] for v in seen] + [-1], dtype=np.int32)  # the last slot answers code -1
        return Column("text", _narrow(lookup[codes]), categories)


def from_values(
    kind: str,
    values: np.ndarray,
    dates: Callable[[list[Any]], np.ndarray],
    encoder: TextEncoder | None = None,
) -> Column:
    """A column from values as read from ``clips`` (an object or native array); ``dates`` turns date text into
    unix seconds; text goes through ``encoder`` when one is given (its codes are sorted by ``finish``)."""
    import numpy as np

    if kind == "ids":
        return Column(kind, _octets(values))
    if kind == "text" and encoder is not None:
        return Column(kind, encoder.codes(values.tolist()))
    if kind == "text":
        codes, categories = code_text(values.tolist())
        return Column(kind, _narrow(codes), categories)
    if kind == "int":
        return Column(kind, _narrow(values.astype(np.int64)))  # narrow now: a million rows are held at once
    if kind == "date":
        return Column(kind, dates(values.tolist()))
    return Column(kind, values.astype(np.float64))


def concat(parts: list[Column]) -> Column:
    """Columns of consecutive row ranges as one (text codes renumbered into the joined categories)."""
    import numpy as np

    kind = parts[0].kind
    if kind != "text":
        return Column(kind, np.concatenate([p.values for p in parts]))
    categories = sorted(set().union(*(p.categories or [] for p in parts)))
    return Column(kind, _narrow(np.concatenate([_recode(p, categories) for p in parts])), categories)


def take(column: Column, index: np.ndarray) -> Column:
    return Column(column.kind, column.values[index], column.categories)


def insert(column: Column, positions: np.ndarray, fresh: Column) -> Column:
    """``fresh`` rows put before the rows at ``positions`` (non-decreasing, as ``np.insert`` takes them)."""
    import numpy as np

    base, new, categories = _aligned(column, fresh)
    return Column(column.kind, np.insert(base, positions, new), categories)


def overwrite(column: Column, at: np.ndarray, fresh: Column) -> Column:
    """``column`` with its rows at ``at`` replaced by ``fresh``'s rows, in order: the column itself when they hold
    those values already, else a copy (one, where taking the old rows out and inserting the fresh ones makes two),
    text pruned as :func:`prune` leaves it."""
    import numpy as np

    if _same_rows(column, at, fresh):  # an edit changes a few fields of a clip: the others are not copied
        return column
    base, new, categories = _aligned(column, fresh)
    # The stored column is a read-only view of its bytes; text codes and widened values are fresh already.
    values = base.copy() if base is column.values else base
    replaced = values[at]
    values[at] = new
    patched = Column(column.kind, values, categories)
    # Only a replaced value can have lost its last row: when each is written back (the usual edit leaves all
    # but one field as they were), no category goes, and the pass over every row that pruning takes is spared.
    if column.kind == "text" and not np.isin(replaced, new).all():
        return prune(patched)
    return patched


def _same_rows(column: Column, at: np.ndarray, fresh: Column) -> bool:
    """Does ``column`` hold at ``at`` exactly ``fresh``'s rows (text by value, numbers bit for bit, so -0.0 is not
    0.0 and a NaN is the NaN a build makes)?"""
    import numpy as np

    old, new = column.values[at], fresh.values
    if column.kind == "text":
        return _texts_of(old, column.categories) == _texts_of(new, fresh.categories)
    if old.dtype.kind == "f" or new.dtype.kind == "f":
        return bool(
            np.array_equal(old.astype(np.float64).view(np.uint64), new.astype(np.float64).view(np.uint64))
        )
    return bool(np.array_equal(old, new))  # integers of any width, ids as bytes of any width: by value


def _texts_of(codes: np.ndarray, categories: list[str] | None) -> list[str | None]:
    found = categories or []
    return [found[c] if c >= 0 else None for c in codes.tolist()]


def _aligned(column: Column, fresh: Column) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """The values of ``column`` and ``fresh`` in one type that holds both (text: codes into the union of their
    categories, returned third), so rows of one can go into the other."""
    import numpy as np

    if column.kind == "text":
        categories = sorted(set(column.categories or []) | set(fresh.categories or []))
        return _recode(column, categories), _recode(fresh, categories), categories
    base, new = column.values, fresh.values
    if column.kind == "ids":
        if new.dtype.itemsize > base.dtype.itemsize:
            base = base.astype(new.dtype)  # a longer id than any before: widen, never truncate
    else:
        base = base.astype(
            np.result_type(base.dtype, new.dtype), copy=False
        )  # a wider integer: never overflow
    return base, new.astype(base.dtype), None


def prune(column: Column) -> Column:
    """A text column without the categories no row uses any more (after rows were patched out), as a build
    from the same rows would have them."""
    if column.kind != "text" or not column.categories:
        return column
    present = _present(column.values.astype("int32"), column.categories)
    if len(present.categories) == len(column.categories):
        return column
    return Column("text", present.codes, present.categories)


def to_entry(column: Column) -> Entry:
    """``column`` as it is stored; ``data`` a view of its array's bytes, not a copy (a million ids are 10 MB or
    more, and the database driver copies them again as it writes them)."""
    import numpy as np

    values, strings = column.values, None
    if column.kind == "text":
        values, strings = _narrow(values), _join(column.categories or [])
    elif column.kind == "int":
        values = _narrow(values)
    data = memoryview(np.ascontiguousarray(values)).cast("B")
    return Entry(column.kind, column.rows, values.dtype.str, data, strings)


def from_entry(entry: Entry) -> Column:
    """A stored column, read without copying (read-only views of the stored bytes)."""
    import numpy as np

    values = np.frombuffer(entry.data, dtype=np.dtype(entry.dtype))
    if entry.kind == "text":
        return Column("text", values, _split(entry.strings) if entry.strings else [])
    return Column(entry.kind, values)


def decode(column: Column, lo: int, hi: int, vocabulary: Sequence[str] | None) -> Any:
    """Rows ``[lo, hi)`` as a draw reads them (fresh, writable arrays): numbers as int64 or float64 arrays, ids
    as :class:`Octets`, text as :class:`TextCodes` or, given a ``vocabulary``, int32 codes into it (values outside
    it count as empty, as in ``scan_columns``' CASE)."""
    import numpy as np

    values = column.values[lo:hi]
    if column.kind == "digest":  # uint32, read-only: hashed and compared, never written
        return values
    if column.kind == "ids":  # read-only too: decoded where used
        return Octets(values)
    if column.kind == "int":
        return values.astype(np.int64)
    if column.kind != "text":
        return values.astype(np.float64)
    codes = values.astype(np.int32)
    categories = column.categories or []
    if vocabulary is None:
        return _present(codes, categories) if hi - lo < column.rows else TextCodes(codes, categories)
    position = {v: i for i, v in enumerate(vocabulary)}
    lookup = np.array([position.get(c, -1) for c in categories] + [-1], dtype=np.int32)
    return lookup[codes]


def _recode(column: Column, categories: list[str]) -> np.ndarray:
    """``column``'s codes as codes into ``categories`` (a superset of its own)."""
    import numpy as np

    own = column.categories or []
    if own == categories:
        return column.values.astype(np.int32)
    index = {c: i for i, c in enumerate(categories)}
    lookup = np.array([index[c] for c in own] + [-1], dtype=np.int32)  # the last slot answers code -1
    return lookup[column.values]


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


def _octets(values: np.ndarray) -> np.ndarray:
    """Text (an object array) as fixed-width UTF-8 bytes: numpy's own cast when it is all ASCII."""
    import numpy as np

    try:
        return values.astype(np.bytes_)
    except UnicodeEncodeError:
        return np.array([v.encode("utf-8") for v in values.tolist()], dtype=np.bytes_)


def _split(blob: bytes) -> list[str]:
    return blob.decode("utf-8", "surrogateescape").split(_SEPARATOR)


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
