"""A snapshot's fields gathered a chunk of rows at a time, as ``clips`` is read, and handed back whole one field at
a time (:mod:`bwvtool.store.snapshot` sorts, digests and stores each field before it takes the next).

Kept in memory for a build a reader makes: the draw that asked for it holds every field anyway. Spilled to a private
temporary file (``spill``) for a builder that reads beside an import: it gathers the catalogue for as long as the
import runs, and a million clips' packed fields (~80 MB) held that long, beside the import's own memory, would make
the import's peak grow with the catalogue. Spilled, the builder holds one chunk while it reads and one field while
it finishes; the file sits in the page cache, which the system can reclaim, not in the process's memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from bwvtool.store.snapshot_columns import Column, TextEncoder

if TYPE_CHECKING:
    import numpy as np


class _Chunk(NamedTuple):
    """One field of one chunk of rows: its values in memory, or where they are in the spill file."""

    dtype: np.dtype
    rows: int
    values: np.ndarray | None  # None: spilled
    offset: int = 0


class Parts:
    """Chunks of packed columns (consecutive row ranges, in read order), per field. :meth:`pop` joins a field's
    chunks (integers and ids in the widest type any chunk needed; text codes sorted by its encoder) and forgets
    them. Close it when done (the spill file goes with it)."""

    def __init__(self, text_fields: Iterable[str], *, spill: bool = False) -> None:
        # One encoder per text field across all chunks (see TextEncoder: codes stay small, values are kept once).
        self.encoders = {name: TextEncoder() for name in text_fields}
        # Deleted when closed (on POSIX unlinked at once, so nothing is left behind if the process dies).
        self._file: Any = tempfile.TemporaryFile(prefix="bwvtool-snapshot-") if spill else None  # noqa: SIM115
        self._end = 0  # the spill file's length
        self._kinds: dict[str, str] = {}
        self._chunks: dict[str, list[_Chunk]] = {}

    @property
    def empty(self) -> bool:
        return not self._chunks

    def add(self, columns: dict[str, Column]) -> None:
        """The next chunk of rows: every field's column, all of the same length."""
        import numpy as np

        for name, column in columns.items():
            values = column.values
            self._kinds[name] = column.kind
            chunk = _Chunk(values.dtype, int(values.shape[0]), values)
            if self._file is not None:
                data = np.ascontiguousarray(values).tobytes()  # a chunk: small
                self._file.write(data)
                chunk = chunk._replace(values=None, offset=self._end)
                self._end += len(data)
            self._chunks.setdefault(name, []).append(chunk)

    def pop(self, name: str, places: np.ndarray | None = None) -> Column:
        """Every row of the field ``name`` as one column: in the order the chunks came, or given ``places`` (where
        each of those rows goes), in that order, each chunk put straight into place, so that a field is never
        held in both orders at once."""
        kind, values = self._kinds[name], self._join(self._chunks.pop(name), places)
        encoder = self.encoders.get(name)
        return encoder.finish(values) if encoder is not None else Column(kind, values)

    def close(self) -> None:
        self._chunks.clear()
        if self._file is not None:
            self._file.close()

    def _join(self, chunks: list[_Chunk], places: np.ndarray | None) -> np.ndarray:
        import numpy as np

        if self._file is not None:
            self._file.flush()
        # The widest type any chunk needed (longer ids, bigger integers), as concatenating them would give.
        joined = np.empty(sum(c.rows for c in chunks), dtype=np.result_type(*(c.dtype for c in chunks)))
        at = 0
        for chunk in chunks:
            values = chunk.values if chunk.values is not None else self._read(chunk)
            if places is None:
                joined[at : at + chunk.rows] = values
            else:
                joined[places[at : at + chunk.rows]] = values
            at += chunk.rows
        return joined

    def _read(self, chunk: _Chunk) -> np.ndarray:
        import numpy as np

        values = np.empty(chunk.rows, dtype=chunk.dtype)
        self._file.seek(chunk.offset)
        self._file.readinto(values)
        return values
