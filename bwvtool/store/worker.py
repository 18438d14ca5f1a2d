"""The workspace worker: a process that owns every SQLite handle of an app's workspace.

Why a process: on POSIX systems a process's locks on a file vanish when *any* handle to that file in the process
is closed. A desktop app cannot promise that none of its libraries (a file dialog sniffing file types, a
thumbnailer, a drag and drop) ever opens and closes ``bwvtool.sqlite`` or its ``-wal``/``-shm`` files; when one
does, SQLite in another process believes it is the last user, checkpoints and deletes the WAL under the app, and
saved work is lost. So the app's process holds no SQLite handle at all. This worker, which runs nothing but
bwvtool's store, holds them; the app talks to it over a private Unix socket (:mod:`bwvtool.store.remote`).

One worker serves one workspace file. Each client connection gets a thread and a connection of its own (the
app's main thread one, each background job another), so transactions never interleave. The worker stops when
its parent does: the parent holds the write end of the worker's stdin, and end-of-file means it is gone.

Requests are pickled tuples:
- ``("execute", sql, params)`` / ``("executemany", sql, rows)``: one statement, all its rows returned;
- ``("call", fn, args, kwargs, busy_ms)``: run the module-level ``fn(workspace, *args, **kwargs)`` here (a whole
  user action in one round trip), with SQLite's busy timeout set to ``busy_ms`` for that call when given;
- ``("close",)``.
Replies are ``("ok", value, in_transaction)`` or ``("error", exception, in_transaction)``.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import sys
import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

from bwvtool.errors import BwvError, StoreError, WorkspaceBusy

CONNECT_ERRORS = (EOFError, OSError)


class CursorResult:
    """What a client needs of a cursor: every row, plus the counters the store reads."""

    __slots__ = ("rows", "lastrowid", "rowcount", "description")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.rows = cursor.fetchall()
        self.lastrowid = cursor.lastrowid
        self.rowcount = cursor.rowcount
        self.description = cursor.description


def busy_error(ws: Any, exc: sqlite3.OperationalError) -> WorkspaceBusy:
    """``database is locked`` as the user should read it: who holds the workspace, if anyone says so."""
    holder = ws.busy_holder()
    return WorkspaceBusy(
        f"busy: {holder}" if holder else f"busy: another program is writing to {ws.path.name}"
    )


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def portable(exc: BaseException) -> BaseException:
    """An exception the client can unpickle; a foreign one becomes a StoreError with its message."""
    if isinstance(exc, BwvError | sqlite3.Error | LookupError | ValueError | TypeError) and _round_trips(exc):
        return exc
    return StoreError(f"the workspace worker failed: {exc}")


def _round_trips(exc: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure to round-trip means: send the text instead
        return False
    return True


class _Client(threading.Thread):
    """One client connection: its own workspace connection, requests served in order."""

    def __init__(self, channel: Connection, path: Path) -> None:
        super().__init__(daemon=True, name="bwvtool-workspace-client")
        self.channel = channel
        self.path = path

    def run(self) -> None:
        from bwvtool.store.workspace import open_workspace_here

        ws = None
        try:
            ws = open_workspace_here(self.path, migrate=False)
            self._serve(ws)
        except CONNECT_ERRORS:
            pass  # the client went away; its open transaction, if any, rolls back on close below
        finally:
            if ws is not None:
                ws.close()
            self.channel.close()

    def _serve(self, ws: Any) -> None:
        conn = ws.conn
        while True:
            message = self.channel.recv_bytes()
            try:
                request = pickle.loads(message)
            except Exception as exc:  # noqa: BLE001 - e.g. a function defined in the caller's __main__
                error = StoreError(
                    f"the workspace worker cannot run this request ({exc}); pass importable functions"
                )
                self.channel.send(("error", error, conn.in_transaction))
                continue
            kind = request[0]
            if kind == "close":
                self.channel.send(("ok", None, conn.in_transaction))
                return
            try:
                value = self._handle(ws, request)
            except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
                if is_busy(exc):
                    exc = busy_error(ws, exc)  # type: ignore[arg-type]
                self.channel.send(("error", portable(exc), conn.in_transaction))
            else:
                self.channel.send(("ok", value, conn.in_transaction))

    @staticmethod
    def _handle(ws: Any, request: tuple) -> Any:
        kind = request[0]
        if kind == "execute":
            return CursorResult(ws.conn.execute(request[1], request[2]))
        if kind == "executemany":
            return CursorResult(ws.conn.executemany(request[1], request[2]))
        if kind == "total_changes":
            return ws.conn.total_changes
        if kind == "call":
            fn, args, kwargs, busy_ms = request[1:]
            return ws.call(fn, *args, busy_ms=busy_ms, **kwargs)
        raise StoreError(f"unknown workspace request {kind!r}")


def serve(config: dict[str, Any]) -> int:
    """Open (and migrate) the workspace, say so on stdout, then serve clients until stdin closes."""
    from bwvtool.store.workspace import open_workspace_here

    path = Path(config["path"])
    try:
        first = open_workspace_here(path, create=config["create"], migrate=config["migrate"])
    except BwvError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    listener = Listener(config["address"], family="AF_UNIX", authkey=bytes.fromhex(config["authkey"]))
    first.close()
    stopping = threading.Event()
    threading.Thread(
        target=_accept, args=(listener, path, stopping), daemon=True, name="bwvtool-accept"
    ).start()
    print(json.dumps({"ready": os.getpid()}), flush=True)
    sys.stdin.buffer.read()  # blocks until the app closes its end (or dies)
    stopping.set()
    listener.close()
    for thread in threading.enumerate():
        if isinstance(thread, _Client):
            thread.join(timeout=5)
    return 0


def _accept(listener: Listener, path: Path, stopping: threading.Event) -> None:
    while not stopping.is_set():
        try:
            channel = listener.accept()
        except (AuthenticationError, *CONNECT_ERRORS):
            continue  # a caller without the key, or one gone mid-handshake; at shutdown the loop ends
        _Client(channel, path).start()


def main() -> int:
    config = json.loads(sys.stdin.buffer.readline())
    return serve(config)
