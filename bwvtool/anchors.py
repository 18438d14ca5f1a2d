"""Audit anchors: the audit chain's head, recorded outside the workspace so that a lost tail is noticed.

A hash chain proves that no row was changed, removed or reordered, but not that its newest rows are still
there: an old copy put back in place of the workspace (or a write-ahead log lost with its rows) is a shorter,
perfectly valid chain. So each backup, export, report and app close records the chain's head (the newest
audit row's id and hash, with the workspace's UUID, the time, why and where) in an *anchor log* outside the
workspace, and ``bwvtool audit verify`` checks the workspace against the newest anchor.

The anchor log is one JSON Lines file per workspace, ``<state dir>/bwvtool/anchors/<workspace uuid>.jsonl``,
where the state dir is ``$XDG_STATE_HOME`` (default ``~/.local/state``; ``%LOCALAPPDATA%`` on Windows).
Tests point ``XDG_STATE_HOME`` at a temporary folder. Anchors are appended and fsync'd; a torn last line
(a crash while appending) is skipped when reading.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bwvtool import identity
from bwvtool.errors import StoreError
from bwvtool.store import Workspace
from bwvtool.store import anchors as anchor_rows
from bwvtool.timeutil import utc_now


@dataclass(frozen=True)
class Anchor:
    """The chain's head as seen at one moment: the newest audit row's id and hash."""

    workspace_id: str
    row_id: int
    hash: str
    at: str
    reason: str  # backup, export, report, debrief, app-close, manual, acknowledged
    where: str | None  # the backup file, the export folder, the report file …
    workspace_path: str
    host: str
    user: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        place = f"{self.reason}, {self.where}" if self.where else self.reason
        return f"an anchor from {self.at} ({place})"


@dataclass(frozen=True)
class TailReport:
    """How the workspace's audit log compares with the newest anchor recorded outside it."""

    ok: bool
    head_row: int
    anchors: int
    checked: Anchor | None = None
    missing_rows: int = 0
    problem: str | None = None
    unchecked: list[Anchor] | None = None  # the failing anchors (what an acknowledgement would accept)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "head_row": self.head_row,
            "anchors": self.anchors,
            "newest_anchor": self.checked.as_dict() if self.checked else None,
            "missing_rows": self.missing_rows,
            "problem": self.problem,
        }


def state_dir() -> Path:
    """Where bwvtool keeps per-user state: ``$XDG_STATE_HOME/bwvtool`` (``~/.local/state/bwvtool``)."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "bwvtool"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "bwvtool"


def anchor_file(workspace_id: str) -> Path:
    return state_dir() / "anchors" / f"{workspace_id}.jsonl"


# -- the workspace side, run next to its connection (one round trip in the app's worker) -------------------
def _identity_and_head(ws: Workspace, actor: str) -> tuple[str, int, str]:
    workspace_id = anchor_rows.workspace_id(ws.conn)
    if workspace_id is None:
        with ws.transaction(actor) as tx:
            workspace_id = anchor_rows.ensure_workspace_id(tx)
    return (workspace_id, *anchor_rows.head(ws.conn))


def _read_side(ws: Workspace) -> tuple[str | None, int, set[tuple[int, str]]]:
    return anchor_rows.workspace_id(ws.conn), anchor_rows.head(ws.conn)[0], anchor_rows.acknowledged(ws.conn)


def _hash_at(ws: Workspace, row_id: int) -> str | None:
    return anchor_rows.hash_at(ws.conn, row_id)


# -- recording -------------------------------------------------------------------------------------------
def current_head(ws: Workspace, *, actor: str | None = None) -> dict[str, Any]:
    """The chain's head with the workspace's identity, for a manifest: ``{workspace_id, row_id, hash}``."""
    workspace_id, row_id, digest = ws.call(_identity_and_head, identity.current_user(actor))
    return {"workspace_id": workspace_id, "row_id": row_id, "hash": digest}


def record_anchor(
    ws: Workspace, reason: str, *, where: str | Path | None = None, actor: str | None = None
) -> Anchor:
    """Record the chain's head in the anchor log outside the workspace; the anchor written.

    Call it after the work it vouches for has committed (a backup, an export, a report, the app closing).

    :raises StoreError: the anchor log cannot be written (the message names the file).
    """
    user = identity.current_user(actor)
    workspace_id, row_id, digest = ws.call(_identity_and_head, user)
    anchor = Anchor(
        workspace_id=workspace_id,
        row_id=row_id,
        hash=digest,
        at=utc_now(),
        reason=reason,
        where=None if where is None else str(Path(where).resolve()),
        workspace_path=str(Path(ws.path).resolve()),
        host=socket.gethostname(),
        user=user,
    )
    path = anchor_file(workspace_id)
    line = json.dumps(anchor.as_dict(), sort_keys=True, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot record the audit anchor in {path}: {exc.strerror or exc}") from None
    return anchor


def record_anchor_after(
    ws: Workspace, reason: str, *, where: str | Path | None = None, actor: str | None = None
) -> tuple[Anchor | None, str | None]:
    """:func:`record_anchor` for work already done (a backup written): (anchor, None), or (None, a warning)
    when the anchor log cannot be written, since failing the finished work would only confuse."""
    try:
        return record_anchor(ws, reason, where=where, actor=actor), None
    except StoreError as exc:
        return None, f"warning: {exc}"


def read_anchors(workspace_id: str) -> list[Anchor]:
    """Every anchor recorded for the workspace, oldest first (unreadable lines skipped)."""
    path = anchor_file(workspace_id)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreError(f"cannot read the audit anchors in {path}: {exc.strerror or exc}") from None
    found = []
    for line in text.splitlines():
        try:
            data = json.loads(line)
            found.append(Anchor(**{name: data[name] for name in Anchor.__dataclass_fields__}))
        except (ValueError, KeyError, TypeError):
            continue  # a line torn by a crash while appending
    return found


def _anchors_by_path(ws: Workspace) -> list[Anchor]:
    """Anchors recorded for this file path, for a workspace that carries no identity (a copy older than them)."""
    folder = state_dir() / "anchors"
    here = str(Path(ws.path).resolve())
    found: list[Anchor] = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        found += [a for a in read_anchors(path.stem) if a.workspace_path == here]
    return found


# -- checking --------------------------------------------------------------------------------------------
def check_tail(ws: Workspace) -> TailReport:
    """Compare the workspace's audit log with the anchors recorded for it (see the module docstring).

    Rows missing after the newest anchor, or a different row where an anchor saw one, make the report fail.
    Anchors whose loss was acknowledged (:func:`acknowledge_loss`) are not checked again.
    """
    workspace_id, head_row, accepted = ws.call(_read_side)
    anchors = read_anchors(workspace_id) if workspace_id else _anchors_by_path(ws)
    live = [a for a in anchors if (a.row_id, a.hash) not in accepted]
    if not live:
        return TailReport(True, head_row, len(anchors))
    failing: list[tuple[Anchor, str | None]] = []
    for anchor in live:
        if anchor.row_id > head_row:
            failing.append((anchor, None))
        else:
            found = ws.call(_hash_at, anchor.row_id)
            if found != anchor.hash:
                failing.append((anchor, found))
    newest = max(live, key=lambda a: (a.row_id, a.at))
    if not failing:
        return TailReport(True, head_row, len(anchors), newest)
    worst, found = max(failing, key=lambda pair: (pair[0].row_id, pair[0].at))
    if found is None:
        missing = worst.row_id - head_row
        problem = (
            f"the workspace's audit log ends at row {head_row} but {worst.describe()} saw row {worst.row_id}:"
            f" {missing} row{'s' if missing != 1 else ''} {'are' if missing != 1 else 'is'} missing"
            " — was an old copy restored?"
        )
        return TailReport(False, head_row, len(anchors), worst, missing, problem, [a for a, _ in failing])
    problem = (
        f"audit row {worst.row_id} is not the row {worst.describe()} saw: the log was rewritten after it, or"
        " this is another copy of the workspace that went its own way"
    )
    return TailReport(False, head_row, len(anchors), worst, 0, problem, [a for a, _ in failing])


def _acknowledge(ws: Workspace, anchors: list[dict[str, Any]], reason: str, actor: str) -> int:
    with ws.transaction(actor) as tx:
        return anchor_rows.acknowledge(tx, anchors, reason)


def acknowledge_loss(ws: Workspace, reason: str, *, actor: str | None = None) -> list[Anchor]:
    """Accept the loss that :func:`check_tail` reports (a backup restored on purpose), audited with ``reason``.

    The anchors that fail are listed in an audit row and not checked again; a fresh anchor is recorded.
    Returns the anchors accepted (none when there was nothing to accept).
    """
    if not reason.strip():
        raise StoreError("say why the missing audit rows are accepted (e.g. 'restored the Monday backup')")
    report = check_tail(ws)
    if report.ok:
        return []
    accepted = report.unchecked or []
    user = identity.current_user(actor)
    rows = [
        {"row_id": a.row_id, "hash": a.hash, "at": a.at, "reason": a.reason, "where": a.where}
        for a in accepted
    ]
    ws.call(_acknowledge, rows, reason.strip(), user)
    record_anchor(ws, "acknowledged", actor=user)
    return accepted


def backup_workspace(
    ws: Workspace, dest: Path, *, actor: str | None = None
) -> tuple[Anchor | None, str | None]:
    """Back up with SQLite's online backup, audit it, and anchor the chain's head at the copy (app and CLI alike).

    Returns what :func:`record_anchor_after` returns: the anchor, or a warning when the anchor log cannot be written.
    """
    current_head(ws, actor=actor)  # the copy must carry the identity its anchors are filed under
    ws.backup(dest)
    with ws.transaction(identity.current_user(actor)) as tx:
        tx.audit("workspace.backup", "workspace", str(ws.path), {"dest": str(Path(dest).resolve())})
    return record_anchor_after(ws, "backup", where=dest, actor=actor)
