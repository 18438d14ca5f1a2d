"""An import's scratch file: what it has to remember about every row, kept on disk instead of in memory.

A private, temporary SQLite file (SQLite deletes it when it is closed) with a small page cache, so an import's
memory stays flat however many rows the file has: the clip ids read so far with their first line (a later row with
the same id is a duplicate), the ids the import inserted (hashed in sorted order for the audit row), and the line
ranges of rejected records (copied verbatim to the rejects file at the end). None of it touches the workspace.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence

_CACHE_KIB = 8 * 1024


def _as_json(values: Sequence[object]) -> str:
    """A chunk's values as one JSON array: SQLite inserts them in one statement (``json_each``), one step instead
    of one per id (each of which hands the GIL to any other thread and back)."""
    return json.dumps(values, ensure_ascii=False)


class ImportStaging:
    """One import's scratch file. Close it when the import ends."""

    def __init__(self) -> None:
        # "": a private temporary file. The checking side (duplicates) and the writing side (inserted ids,
        # rejects) may be two threads of one process: one call at a time (the lock).
        self.conn = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self.lock = threading.Lock()
        self.conn.execute(f"PRAGMA cache_size = {-_CACHE_KIB:d}")
        self.conn.execute("PRAGMA journal_mode = OFF")  # scratch: nothing to recover after a crash
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("CREATE TABLE seen (clip_id TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        self.conn.execute("CREATE TABLE inserted (clip_id TEXT PRIMARY KEY) WITHOUT ROWID")
        self.conn.execute("CREATE TABLE rejected (line INTEGER PRIMARY KEY, end_line INTEGER NOT NULL)")

    def close(self) -> None:
        self.conn.close()

    def duplicates(self, ids: Sequence[str], lines: Sequence[int]) -> dict[int, int]:
        """Remember ``ids`` (read at ``lines``); for those already read earlier, index in ``ids`` → first line."""
        with self.lock:
            return self._duplicates(ids, lines)

    def _duplicates(self, ids: Sequence[str], lines: Sequence[int]) -> dict[int, int]:
        conn = self.conn
        before = conn.total_changes
        conn.execute(  # in file order, so the first of two equal ids is the one kept
            "INSERT INTO seen (clip_id, line) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')"
            " FROM json_each(?) ORDER BY key ON CONFLICT DO NOTHING",
            (_as_json(list(zip(ids, lines, strict=True))),),
        )
        if conn.total_changes - before == len(ids):
            return {}
        first: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            sql = f"SELECT clip_id, line FROM seen WHERE clip_id IN ({', '.join('?' * len(batch))})"
            first.update(conn.execute(sql, batch))
        return {
            i: first[clip_id]
            for i, (clip_id, line) in enumerate(zip(ids, lines, strict=True))
            if first[clip_id] != line
        }

    def add_inserted(self, ids: Sequence[str]) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT INTO inserted (clip_id) SELECT value FROM json_each(?)", (_as_json(ids),)
            )

    def inserted_sha256(self) -> str:
        """SHA-256 of the inserted clip ids in sorted order, one a line (no newline after the last)."""
        digest = hashlib.sha256()
        first = True
        for (clip_id,) in self.conn.execute("SELECT clip_id FROM inserted ORDER BY clip_id"):
            digest.update((clip_id if first else "\n" + clip_id).encode("utf-8"))
            first = False
        return digest.hexdigest()

    def add_rejected(self, ranges: Sequence[tuple[int, int]]) -> None:
        with self.lock:
            self.conn.executemany("INSERT INTO rejected (line, end_line) VALUES (?, ?)", ranges)

    def rejected_ranges(self) -> Iterator[tuple[int, int]]:
        """(first line, last line) of every rejected record, in file order."""
        yield from self.conn.execute("SELECT line, end_line FROM rejected ORDER BY line")
