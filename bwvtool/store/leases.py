"""Who holds the workspace: leases of long jobs, and the one-line "busy" message built from them.

A long job (a catalogue import) writes a lease row in its own short transaction when it starts — what, for whom,
since when, and its pid and host — moves its heartbeat on while it makes progress, and deletes it at the end. A
lease whose process is gone is ignored: on the same host the pid must be alive; from another host the heartbeat
must be recent. Nothing waits on a lease: it only names who is busy, and keeps two long jobs of one kind apart.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bwvtool.errors import WorkspaceBusy
from bwvtool.timeutil import parse_iso, utc_now

STALE_AFTER_S = 60  # a lease from another host with no heartbeat for this long belongs to a dead job
HEARTBEAT_EVERY_S = 5
_PEEK_TIMEOUT_S = 0.5  # how long describing the holder may wait itself
_STARTED = "process_start"  # in a lease's detail: when its process started


@dataclass(frozen=True)
class Holder:
    """A live lease: ``job`` (e.g. "catalogue import") run by ``holder`` since ``started_at`` (UTC text)."""

    lease_id: int
    job: str
    holder: str
    pid: int
    host: str
    started_at: str
    heartbeat_at: str
    detail: dict[str, Any]

    def describe(self) -> str:
        """``catalogue import by ana since 10:42``."""
        return f"{self.job} by {self.holder} since {_clock(self.started_at)}"

    def message(self) -> str:
        """``busy: catalogue import by ana since 10:42 — try again when it finishes``."""
        return f"busy: {self.describe()} — try again when it finishes"

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "holder": self.holder,
            "since": self.started_at,
            "pid": self.pid,
            "host": self.host,
            "detail": self.detail,
        }


UNKNOWN_WRITER = "busy: another program is writing to the workspace — try again in a moment"


def acquire(conn: sqlite3.Connection, job: str, holder: str, detail: dict[str, Any] | None = None) -> int:
    """Take the lease for ``job`` in a short transaction of its own; its id.

    :raises WorkspaceBusy: a live lease of the same job is held (its one-line message says by whom and since when).
    Leases of dead processes are deleted on the way.
    """
    now = utc_now()
    for lease in _rows(conn):  # said at once, without queueing for the write lock behind the job itself
        if lease.job == job and _alive(lease):
            raise WorkspaceBusy(lease.message())
    conn.execute("BEGIN IMMEDIATE")
    try:
        for lease in _rows(conn):
            if not _alive(lease):
                conn.execute("DELETE FROM workspace_leases WHERE id = ?", (lease.lease_id,))
            elif lease.job == job:
                raise WorkspaceBusy(lease.message())
        cursor = conn.execute(
            "INSERT INTO workspace_leases (job, holder, pid, host, started_at, heartbeat_at, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (job, holder, os.getpid(), socket.gethostname(), now, now, json.dumps(_with_start(detail))),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(cursor.lastrowid)


def heartbeat(conn: sqlite3.Connection, lease_id: int) -> None:
    """Move the lease's heartbeat on (inside the caller's transaction: a step of the job it belongs to)."""
    conn.execute("UPDATE workspace_leases SET heartbeat_at = ? WHERE id = ?", (utc_now(), lease_id))


def release(conn: sqlite3.Connection, lease_id: int) -> None:
    """Delete the lease, in a short transaction of its own."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM workspace_leases WHERE id = ?", (lease_id,))
    conn.execute("COMMIT")


def current_holder(conn: sqlite3.Connection) -> Holder | None:
    """The long job holding the workspace now (the oldest live lease), or None. Reads only.

    This is what the app shows beside a key press that is waiting to be saved.
    """
    live = [lease for lease in _rows(conn) if _alive(lease)]
    return live[0] if live else None


def describe_holder(conn: sqlite3.Connection) -> str | None:
    """``catalogue import by ana since 10:42`` for the long job holding the workspace, None when there is none
    (or the workspace predates leases). Reads only."""
    try:
        holder = current_holder(conn)
    except sqlite3.Error:
        return None
    return holder.describe() if holder else None


def is_alive(conn: sqlite3.Connection, lease_id: int | None) -> bool:
    """Is the lease ``lease_id`` still held by a live process?"""
    return lease_id is not None and any(lease.lease_id == lease_id and _alive(lease) for lease in _rows(conn))


def busy_message(path: str | Path) -> str:
    """The one line to print when a command found the workspace at ``path`` locked: who holds it, if a lease
    says so; otherwise that another program is writing. Opens its own read-only connection and waits at most
    half a second itself."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=_PEEK_TIMEOUT_S)
    except sqlite3.Error:
        return UNKNOWN_WRITER
    try:
        holder = current_holder(conn)
    except sqlite3.Error:  # an old workspace without leases, or the file is mid-change: say what we know
        holder = None
    finally:
        conn.close()
    return holder.message() if holder else UNKNOWN_WRITER


def _rows(conn: sqlite3.Connection) -> list[Holder]:
    cursor = conn.execute(
        "SELECT id, job, holder, pid, host, started_at, heartbeat_at, detail FROM workspace_leases ORDER BY id"
    )
    return [Holder(*row[:7], json.loads(row[7] or "{}")) for row in cursor]


def _with_start(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The caller's detail plus when this process started: pids are reused (quickly, on a busy machine), the
    pair is not."""
    return {**(detail or {}), _STARTED: _process_start(os.getpid())}


def _alive(lease: Holder) -> bool:
    if lease.host == socket.gethostname():
        started = lease.detail.get(_STARTED)
        return _pid_alive(lease.pid) and (started is None or _process_start(lease.pid) in (started, None))
    try:
        beat = parse_iso(lease.heartbeat_at)
    except ValueError:
        return False
    return datetime.now(UTC) - beat < timedelta(seconds=STALE_AFTER_S)


def _pid_alive(pid: int) -> bool:
    """Is process ``pid`` running (not a zombie waiting to be reaped)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): the signal test is all we have
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), or None where there is no /proc; also
    None for a thread id, which is not a process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    if f"\nTgid:\t{pid}\n" not in status:
        return "thread"
    return stat.rsplit(")", 1)[-1].split()[19]


def _clock(started_at: str) -> str:
    """Local wall-clock time of a UTC stamp: ``10:42`` today, ``3 Dec 10:42`` another day."""
    try:
        moment = parse_iso(started_at).astimezone()
    except ValueError:
        return started_at
    if moment.date() == datetime.now().astimezone().date():
        return moment.strftime("%H:%M")
    return f"{moment.day} {moment.strftime('%b %H:%M')}"
