"""SQL for transcripts, their utterances, full-text search over them, and the language-code suggestions.

Search is the one engine-specific query here: SQLite uses the FTS5 index ``utterance_search`` (migration 0009),
PostgreSQL a GIN index over ``to_tsvector('simple', text)`` (its migration 0009); see :func:`search`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from bwvtool.store import dialect
from bwvtool.store.workspace import Transaction
from bwvtool.transcripts.captions import Utterance


@dataclass(frozen=True)
class StoredTranscript:
    id: int
    clip_id: str
    version: int
    origin: str  # imported or automatic
    format: str
    source_path: str | None
    source_sha256: str | None
    engine: str | None
    model: str | None
    model_sha256: str | None
    language: str | None
    created_at: str
    created_by: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class StoredUtterance:
    id: int
    seq: int
    start_ms: int
    end_ms: int
    speaker: str | None
    text: str
    words: list | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_TRANSCRIPT = (
    "id, clip_id, version, origin, format, source_path, source_sha256, engine, model, model_sha256, language,"
    " created_at, created_by"
)


def insert(tx: Transaction, clip_id: str, utterances: list[Utterance], **meta: Any) -> StoredTranscript:
    """A new version of ``clip_id``'s transcript with its utterances (in time order), audited.

    :param meta: origin, format and optionally source_path, source_sha256, engine, model, model_sha256, language.
    """
    row = tx.execute("SELECT max(version) FROM transcripts WHERE clip_id = ?", (clip_id,)).fetchone()
    version = (row[0] or 0) + 1
    names = (
        "origin",
        "format",
        "source_path",
        "source_sha256",
        "engine",
        "model",
        "model_sha256",
        "language",
    )
    values = [meta.get(n) for n in names]
    cursor = tx.execute(
        f"INSERT INTO transcripts (clip_id, version, {', '.join(names)}, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (clip_id, version, *values, tx.at, tx.actor),
    )
    transcript_id = int(cursor.lastrowid)
    tx.executemany(
        "INSERT INTO utterances (transcript_id, seq, start_ms, end_ms, speaker, text, words)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (transcript_id, seq, u.start_ms, u.end_ms, u.speaker, u.text,
             json.dumps([list(w) for w in u.words]) if u.words is not None else None)
            for seq, u in enumerate(utterances, start=1)
        ],
    )  # fmt: skip
    detail = {"version": version, "utterances": len(utterances)} | {
        n: meta[n]
        for n in ("origin", "format", "source_sha256", "engine", "model", "model_sha256")
        if meta.get(n)
    }
    tx.audit("transcript.add", "clip", clip_id, detail)
    return get(tx.conn, transcript_id)  # type: ignore[return-value]


def get(conn: sqlite3.Connection, transcript_id: int) -> StoredTranscript | None:
    row = conn.execute(f"SELECT {_TRANSCRIPT} FROM transcripts WHERE id = ?", (transcript_id,)).fetchone()
    return StoredTranscript(*row) if row else None


def latest(conn: sqlite3.Connection, clip_id: str, version: int | None = None) -> StoredTranscript | None:
    """The clip's newest transcript (or the given version)."""
    if version is None:
        row = conn.execute(
            f"SELECT {_TRANSCRIPT} FROM transcripts WHERE clip_id = ? ORDER BY version DESC LIMIT 1",
            (clip_id,),
        ).fetchone()
    else:
        row = conn.execute(
            f"SELECT {_TRANSCRIPT} FROM transcripts WHERE clip_id = ? AND version = ?", (clip_id, version)
        ).fetchone()
    return StoredTranscript(*row) if row else None


def versions(conn: sqlite3.Connection, clip_id: str) -> list[StoredTranscript]:
    rows = conn.execute(
        f"SELECT {_TRANSCRIPT} FROM transcripts WHERE clip_id = ? ORDER BY version", (clip_id,)
    )
    return [StoredTranscript(*row) for row in rows]


def utterances(conn: sqlite3.Connection, transcript_id: int) -> list[StoredUtterance]:
    rows = conn.execute(
        "SELECT id, seq, start_ms, end_ms, speaker, text, words FROM utterances WHERE transcript_id = ?"
        " ORDER BY seq",
        (transcript_id,),
    )
    return [StoredUtterance(*row[:6], json.loads(row[6]) if row[6] else None) for row in rows]


def clips_with_transcripts(conn: sqlite3.Connection, clip_ids: list[str]) -> dict[str, int]:
    """clip id -> newest transcript id, for the clips that have one."""
    found: dict[str, int] = {}
    for start in range(0, len(clip_ids), 500):
        chunk = clip_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT t.clip_id, t.id FROM transcripts t WHERE t.clip_id IN ({marks})"
            " AND t.version = (SELECT max(n.version) FROM transcripts n WHERE n.clip_id = t.clip_id)",
            chunk,
        )
        found.update({clip: tid for clip, tid in rows})
    return found


def fts_phrase(phrase: str) -> str:
    """The user's words as one FTS5 phrase: quotes doubled, so no query syntax gets through."""
    return '"' + " ".join(phrase.split()).replace('"', '""') + '"'


def search(conn: sqlite3.Connection, phrase: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """Utterances of each clip's newest transcript that contain ``phrase`` (words in order, any case), best first.

    SQLite: an FTS5 phrase query ranked by bm25. PostgreSQL: ``phraseto_tsquery('simple', …)`` against the GIN
    index on ``to_tsvector('simple', text)``, ranked by ``ts_rank``. Both lower-case words and ignore punctuation.
    """
    newest = "t.version = (SELECT max(n.version) FROM transcripts n WHERE n.clip_id = t.clip_id)"
    columns = "t.clip_id, t.version, t.origin, u.id, u.start_ms, u.end_ms, u.speaker, u.text"
    if dialect.is_postgres(conn):
        vector, query = "to_tsvector('simple', u.text)", "phraseto_tsquery('simple', ?)"
        rows = conn.execute(
            f"SELECT {columns} FROM utterances u JOIN transcripts t ON t.id = u.transcript_id"
            f" WHERE {vector} @@ {query} AND {newest}"
            f" ORDER BY ts_rank({vector}, {query}) DESC, t.clip_id, u.start_ms LIMIT ?",
            (phrase, phrase, limit),
        )
    else:
        rows = conn.execute(
            f"SELECT {columns} FROM utterance_search s JOIN utterances u ON u.id = s.rowid"  # FTS5 keys by rowid
            f" JOIN transcripts t ON t.id = u.transcript_id WHERE utterance_search MATCH ? AND {newest}"
            " ORDER BY bm25(utterance_search), t.clip_id, u.start_ms LIMIT ?",
            (fts_phrase(phrase), limit),
        )
    keys = ("clip_id", "version", "origin", "utterance_id", "start_ms", "end_ms", "speaker", "text")
    return [dict(zip(keys, row, strict=True)) for row in rows]


# -- suggestions --------------------------------------------------------------------------------------------------

_SUGGESTION = (
    "id, clip_id, transcript_id, utterance_id, rule, rules_sha256, target, code, onset_ms, offset_ms, evidence,"
    " reason, status, decided_by, decided_at, event_id, created_at"
)


def insert_suggestions(tx: Transaction, rows: list[dict[str, Any]]) -> int:
    """Add suggestions not made before (same transcript, utterance, rule and code); returns how many are new."""
    before = tx.execute("SELECT count(*) FROM suggestions").fetchone()[0]
    tx.executemany(
        "INSERT INTO suggestions (clip_id, transcript_id, utterance_id, rule, rules_sha256, target, code,"
        " onset_ms, offset_ms, evidence, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        [
            (r["clip_id"], r["transcript_id"], r["utterance_id"], r["rule"], r["rules_sha256"], r["target"],
             r["code"], r["onset_ms"], r["offset_ms"], r["evidence"], r["reason"], tx.at)
            for r in rows
        ],
    )  # fmt: skip
    return tx.execute("SELECT count(*) FROM suggestions").fetchone()[0] - before


def suggestions(conn: sqlite3.Connection, clip_id: str, status: str | None = None) -> list[dict[str, Any]]:
    sql = f"SELECT {_SUGGESTION} FROM suggestions WHERE clip_id = ?"
    params: tuple = (clip_id,)
    if status:
        sql += " AND status = ?"
        params += (status,)
    cursor = conn.execute(sql + " ORDER BY onset_ms, id", params)
    keys = [d[0] for d in cursor.description]
    return [dict(zip(keys, row, strict=True)) for row in cursor]


def suggestion(conn: sqlite3.Connection, suggestion_id: int) -> dict[str, Any] | None:
    cursor = conn.execute(f"SELECT {_SUGGESTION} FROM suggestions WHERE id = ?", (suggestion_id,))
    keys = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    return dict(zip(keys, row, strict=True)) if row else None


def decide(tx: Transaction, suggestion_id: int, status: str, event_id: int | None = None) -> bool:
    """Mark an open suggestion accepted or dismissed (audited); False when it was no longer open."""
    cursor = tx.execute(
        "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ?, event_id = ?"
        " WHERE id = ? AND status = 'open'",
        (status, tx.actor, tx.at, event_id, suggestion_id),
    )
    if cursor.rowcount != 1:
        return False
    tx.audit(f"suggestion.{'accept' if status == 'accepted' else 'dismiss'}", "suggestion", str(suggestion_id),
             {"event_id": event_id} if event_id is not None else None)  # fmt: skip
    return True


def suggestion_for_event(conn: sqlite3.Connection, event_id: int) -> dict[str, Any] | None:
    """The accepted suggestion an event came from, if any."""
    row = conn.execute("SELECT id FROM suggestions WHERE event_id = ?", (event_id,)).fetchone()
    return suggestion(conn, row[0]) if row else None
