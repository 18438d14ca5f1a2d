"""The ``codebooks`` table: importing versions (audited), reading them back, and locking a version once used.

Rules:

- A codebook is stored as its canonical JSON body with the body's SHA-256, under (key, version).
- Re-importing an identical codebook changes nothing and writes no audit row.
- A version is *locked* once an event or clip review uses it: ``locked_at`` is set by
  :func:`lock_if_unlocked`, which the coding code calls in the transaction writing the first event or review.
- Importing a changed codebook under an existing version replaces it only while that version is unlocked. Once
  locked, the import is refused unless ``new_version`` is given, which stores it as the next free version.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bwvtool.codebook import Codebook, from_data, load_codebook
from bwvtool.codebook.load import default_codebook_files, load_default_codebook
from bwvtool.errors import StoreError, UsageError
from bwvtool.store import dialect
from bwvtool.store.workspace import Transaction, Workspace

Queryable = sqlite3.Connection | Transaction
ImportStatus = Literal["imported", "unchanged", "replaced", "new_version", "present"]

_COLUMNS = "id, key, version, title, body, sha256, imported_at, locked_at"


class CodebookLocked(StoreError):
    """A changed codebook was imported under a version that coded events already use."""


@dataclass(frozen=True)
class StoredCodebook:
    """A codebook version as stored in a workspace."""

    id: int
    key: str
    version: int
    title: str
    sha256: str
    imported_at: str
    locked_at: str | None
    codebook: Codebook

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    def as_dict(self) -> dict[str, Any]:
        """A summary (no body) for listings and JSON output."""
        cb = self.codebook
        return {
            "id": self.id,
            "key": self.key,
            "version": self.version,
            "title": self.title,
            "sha256": self.sha256,
            "imported_at": self.imported_at,
            "locked_at": self.locked_at,
            "tracks": len(cb.tracks),
            "codes": len(cb.codes),
            "review_items": len(cb.review_items),
        }


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``requested_version`` is the file's version; ``version`` the one stored."""

    status: ImportStatus
    id: int
    key: str
    version: int
    requested_version: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "id": self.id,
            "key": self.key,
            "version": self.version,
            "requested_version": self.requested_version,
            "sha256": self.sha256,
        }

    def describe(self) -> str:
        name = f"{self.key} v{self.version}"
        return {
            "imported": f"Imported {name} (id {self.id}, sha256 {self.sha256[:12]})",
            "unchanged": f"Unchanged: {name} is already in the workspace (id {self.id})",
            "replaced": f"Replaced {name} (id {self.id}; it was not yet used), sha256 {self.sha256[:12]}",
            "new_version": (
                f"Imported as {name} (id {self.id}): v{self.requested_version} is locked or taken, "
                f"so the changed codebook became a new version"
            ),
            "present": f"Present: {name} (id {self.id})",
        }[self.status]


def _stored(row: tuple) -> StoredCodebook:
    row_id, key, version, title, body, sha256, imported_at, locked_at = row
    codebook = from_data(json.loads(body))
    if codebook.sha256 != sha256:
        # The body is canonical JSON, so a mismatch means the row was edited outside bwvtool.
        raise StoreError(
            f"codebook {key} v{version} (id {row_id}) does not match its SHA-256; the workspace was altered"
        )
    return StoredCodebook(row_id, key, version, title, sha256, imported_at, locked_at, codebook)


# -- reading -----------------------------------------------------------------------------------------------
def list_codebooks(conn: Queryable) -> list[StoredCodebook]:
    """Every stored codebook version, by key then version."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM codebooks ORDER BY key, version").fetchall()
    return [_stored(row) for row in rows]


def stored_keys(conn: Queryable) -> list[str]:
    """The keys of the codebooks stored (any version), without parsing them."""
    return [row[0] for row in conn.execute("SELECT DISTINCT key FROM codebooks ORDER BY key")]


def latest_version(conn: Queryable, key: str) -> int | None:
    """The highest stored version of ``key``, or None if the key is not stored."""
    row = conn.execute("SELECT max(version) FROM codebooks WHERE key = ?", (key,)).fetchone()
    return row[0]


def get_codebook(conn: Queryable, key: str, version: int | None = None) -> StoredCodebook:
    """Codebook ``key`` at ``version`` (default: the latest); UsageError if it is not stored."""
    if version is None:
        version = latest_version(conn, key)
    row = None
    if version is not None:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM codebooks WHERE key = ? AND version = ?", (key, version)
        ).fetchone()
    if row is None:
        stored = [r[0] for r in conn.execute("SELECT DISTINCT key FROM codebooks ORDER BY key")]
        which = f"{key!r} version {version}" if version is not None else repr(key)
        raise UsageError(f"no codebook {which} in this workspace (stored: {', '.join(stored) or 'none'})")
    return _stored(row)


def get_codebook_by_id(conn: Queryable, codebook_id: int) -> StoredCodebook:
    """The codebook version with row id ``codebook_id`` (as referenced by events and clip reviews)."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM codebooks WHERE id = ?", (codebook_id,)).fetchone()
    if row is None:
        raise UsageError(f"no codebook with id {codebook_id} in this workspace")
    return _stored(row)


# Parsed codebooks by content hash: a check on every key press must not parse the stored JSON again.
_PARSED: dict[str, Codebook] = {}


def codebook_content(conn: Queryable, codebook_id: int) -> Codebook:
    """The codebook of version ``codebook_id``, parsed once per distinct content.

    A locked version never changes again (migration 0006's guards), so once a server session has seen it locked
    and committed it does not ask again: a key press then sends no statement for its codebook at all."""
    session = dialect.session_memo(conn)
    sha = session.get(("locked codebook", codebook_id)) if session is not None else None
    if sha is None:
        row = conn.execute("SELECT sha256, locked_at FROM codebooks WHERE id = ?", (codebook_id,)).fetchone()
        if row is None:
            raise UsageError(f"no codebook with id {codebook_id} in this workspace")
        sha, locked_at = row
        own = isinstance(conn, Transaction) and locked_at == conn.at  # locked by this very transaction
        if locked_at is not None and not own and session is not None:
            session[("locked codebook", codebook_id)] = sha
    else:
        locked_at = "seen"
    if locked_at is not None and isinstance(conn, Transaction):  # locked: lock_if_unlocked has nothing to do
        conn.memo[("codebook locked", codebook_id)] = True
    parsed = _PARSED.get(sha)
    if parsed is None:
        parsed = _PARSED[sha] = get_codebook_by_id(conn, codebook_id).codebook
    return parsed


def is_in_use(conn: Queryable, codebook_id: int) -> bool:
    """True when an event or a clip review refers to this codebook version."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM events WHERE codebook_id = ?)"
        " OR EXISTS (SELECT 1 FROM clip_reviews WHERE codebook_id = ?)",
        (codebook_id, codebook_id),
    ).fetchone()
    return bool(row[0])


# -- writing -----------------------------------------------------------------------------------------------
def lock_if_unlocked(tx: Transaction, codebook_id: int) -> bool:
    """Lock a codebook version (call it in the transaction writing its first event or review).

    True if this call locked it, False if it was locked already (then nothing is written).
    """
    if tx.memo.get(("codebook locked", codebook_id)):  # seen locked in this transaction (a lock is for good)
        return False
    row = tx.execute(
        "UPDATE codebooks SET locked_at = ? WHERE id = ? AND locked_at IS NULL RETURNING key, version",
        (tx.at, codebook_id),
    ).fetchone()
    tx.memo[("codebook locked", codebook_id)] = True
    if row is None:
        return False
    key, version = row
    tx.audit("codebook.lock", "codebook", f"{key}@{version}", {"id": codebook_id})
    return True


def _insert(tx: Transaction, codebook: Codebook) -> int:
    cursor = tx.execute(
        "INSERT INTO codebooks (key, version, title, body, sha256, imported_at) VALUES (?, ?, ?, ?, ?, ?)",
        (codebook.key, codebook.version, codebook.title, codebook.body, codebook.sha256, tx.at),
    )
    return int(cursor.lastrowid)


def _audit_detail(codebook: Codebook, source: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "sha256": codebook.sha256,
        "title": codebook.title,
        "tracks": len(codebook.tracks),
        "codes": len(codebook.codes),
        "review_items": len(codebook.review_items),
        "source": source,
        **extra,
    }


def import_codebook(
    ws: Workspace,
    codebook: Codebook,
    *,
    actor: str | None = None,
    new_version: bool = False,
    source: str | None = None,
) -> ImportResult:
    """Store ``codebook`` under its key and version, following the rules in this module's docstring.

    :param actor: who imports (the audit row's actor); default the current user.
    :param new_version: if the version exists with different content, store it as the next free version
        instead of replacing (unlocked) or refusing (locked).
    :param source: where it came from (a file path), kept in the audit row.
    :raises CodebookLocked: a changed codebook under a locked version, without ``new_version``.
    """
    requested = codebook.version
    with ws.transaction(actor) as tx:
        rows = tx.execute(
            "SELECT id, version, sha256, locked_at FROM codebooks WHERE key = ?", (codebook.key,)
        ).fetchall()
        by_version = {version: (row_id, sha, locked_at) for row_id, version, sha, locked_at in rows}
        existing = by_version.get(requested)
        if existing is None:
            row_id = _insert(tx, codebook)
            tx.audit(
                "codebook.import", "codebook", f"{codebook.key}@{requested}", _audit_detail(codebook, source)
            )
            return ImportResult("imported", row_id, codebook.key, requested, requested, codebook.sha256)
        row_id, sha, locked_at = existing
        if sha == codebook.sha256:
            return ImportResult("unchanged", row_id, codebook.key, requested, requested, sha)
        if new_version:
            # Running the same --new-version import twice must not make a third copy.
            for version, (other_id, other_sha, _) in sorted(by_version.items()):
                if codebook.with_version(version).sha256 == other_sha:
                    return ImportResult("unchanged", other_id, codebook.key, version, requested, other_sha)
            bumped = codebook.with_version(max(by_version) + 1)
            new_id = _insert(tx, bumped)
            detail = _audit_detail(bumped, source, from_version=requested)
            tx.audit("codebook.import", "codebook", f"{bumped.key}@{bumped.version}", detail)
            return ImportResult("new_version", new_id, bumped.key, bumped.version, requested, bumped.sha256)
        if locked_at is not None or is_in_use(tx, row_id):
            since = f" since {locked_at}" if locked_at else ""
            raise CodebookLocked(
                f"codebook {codebook.key} v{requested} is locked{since} (coded events use it) and this file"
                f" changes it; edits make a new version: import with --new-version (it becomes"
                f" v{max(by_version) + 1})"
                f" or set 'version: {max(by_version) + 1}' in the file"
            )
        tx.execute(
            "UPDATE codebooks SET title = ?, body = ?, sha256 = ?, imported_at = ? WHERE id = ?",
            (codebook.title, codebook.body, codebook.sha256, tx.at, row_id),
        )
        detail = _audit_detail(codebook, source, previous_sha256=sha)
        tx.audit("codebook.replace", "codebook", f"{codebook.key}@{requested}", detail)
        return ImportResult("replaced", row_id, codebook.key, requested, requested, codebook.sha256)


def import_codebook_file(
    ws: Workspace, path: str | Path, *, actor: str | None = None, new_version: bool = False
) -> ImportResult:
    """Validate the YAML/JSON file at ``path`` and import it (raises CodebookInvalid listing all problems)."""
    codebook = load_codebook(path)
    return import_codebook(
        ws, codebook, actor=actor, new_version=new_version, source=str(Path(path).resolve())
    )


def ensure_default_codebooks(ws: Workspace, *, actor: str | None = None) -> list[ImportResult]:
    """Import each codebook shipped with bwvtool whose key and version the workspace does not hold yet."""
    results = []
    for name in default_codebook_files():
        codebook = load_default_codebook(name)
        row = ws.conn.execute(
            "SELECT id, sha256 FROM codebooks WHERE key = ? AND version = ?", (codebook.key, codebook.version)
        ).fetchone()
        if row is None:
            results.append(import_codebook(ws, codebook, actor=actor, source=f"bwvtool:codebooks/{name}"))
        else:
            v = codebook.version
            results.append(ImportResult("present", row[0], codebook.key, v, v, row[1]))
    return results
