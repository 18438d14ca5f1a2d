"""The app's side of the workspace worker: a :class:`Workspace` whose connection lives in another process.

:func:`open_remote` starts (once per workspace file) a worker process (:mod:`bwvtool.store.worker`) and returns a
:class:`RemoteWorkspace` connected to it. Everything the store does through ``ws.conn`` keeps working, one round
trip per statement; a whole user action goes in one round trip with :meth:`RemoteWorkspace.call`. Each thread
that opens the workspace gets a connection of its own in the worker.

If the worker dies, the request in flight raises :class:`~bwvtool.errors.WorkerLost` (its outcome is unknown:
the caller re-reads what is stored), and the next request starts a new worker.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Client, Connection
from pathlib import Path
from typing import Any

from bwvtool.errors import StoreError, WorkerLost
from bwvtool.store.workspace import Workspace

START_TIMEOUT_S = 60  # a first open may run migrations


def _worker_boot() -> str:
    """The worker's start-up code: import exactly what this process imports. Started with ``-c``, Python would
    put the current folder first, and run from a source checkout (the README's demo) its ./bwvtool would shadow
    the installed package; tests hand the worker functions of their own modules, which this process can import."""
    path = [os.path.abspath(entry) if entry else os.getcwd() for entry in sys.path]
    return f"import sys; sys.path[:] = {json.dumps(path)}; from bwvtool.store.worker import main; sys.exit(main())"


class RemoteCursor:
    """The rows of one statement, already fetched."""

    def __init__(self, result: Any) -> None:
        self._rows = result.rows
        self._next = 0
        self.lastrowid = result.lastrowid
        self.rowcount = result.rowcount
        self.description = result.description

    def fetchone(self) -> tuple | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[tuple]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    def fetchmany(self, size: int = 1) -> list[tuple]:
        rows = self._rows[self._next : self._next + size]
        self._next += len(rows)
        return rows

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())


class RemoteConnection:
    """What the store uses of ``sqlite3.Connection``, answered by the worker."""

    def __init__(self, worker: WorkerProcess) -> None:
        self.worker = worker
        self.in_transaction = False
        self._channel: Connection | None = worker.connect()
        self._lock = threading.Lock()
        self._pending = False  # a message was sent with submit() and its answer is not collected yet

    def request(self, *message: Any) -> Any:
        with self._lock:
            self._collect_unwanted()
            self._send(message)
            status, value = self._receive()
        if status == "error":
            raise value
        return value

    def submit(self, *message: Any) -> Callable[[], Any]:
        """Send ``message`` now and return a function that waits for its answer: this process goes on with other
        work while the worker answers. An answer never collected is dropped before the next message."""
        with self._lock:
            self._collect_unwanted()
            self._send(message)
            self._pending = True

        def answer() -> Any:
            with self._lock:
                if not self._pending:
                    raise RuntimeError("this answer was already collected")
                self._pending = False
                status, value = self._receive()
            if status == "error":
                raise value
            return value

        return answer

    def _collect_unwanted(self) -> None:
        if self._pending:
            self._pending = False
            with contextlib.suppress(WorkerLost):
                self._receive()

    def _send(self, message: tuple) -> None:
        if self._channel is None:
            if self.in_transaction:
                raise WorkerLost("the workspace worker stopped during a transaction; nothing of it was saved")
            self._channel = self.worker.connect()
        try:
            self._channel.send(message)
        except (EOFError, OSError) as exc:
            raise self._lost(exc) from exc

    def _receive(self) -> tuple[str, Any]:
        assert self._channel is not None
        try:
            status, value, self.in_transaction = self._channel.recv()
        except (EOFError, OSError) as exc:
            raise self._lost(exc) from exc
        return status, value

    def _lost(self, exc: BaseException) -> WorkerLost:
        self._channel = None
        was_in_transaction, self.in_transaction = self.in_transaction, False
        return WorkerLost(
            "the workspace worker stopped before answering; "
            + (
                "nothing of the open transaction was saved"
                if was_in_transaction
                else "re-read to see what was saved"
            )
        )

    def execute(self, sql: str, params: Any = ()) -> RemoteCursor:
        return RemoteCursor(
            self.request("execute", sql, tuple(params) if isinstance(params, list) else params)
        )

    @property
    def total_changes(self) -> int:
        return self.request("total_changes")

    def executemany(self, sql: str, rows: Any) -> RemoteCursor:
        return RemoteCursor(self.request("executemany", sql, list(rows)))

    def close(self) -> None:
        with self._lock:
            self._collect_unwanted()
            if self._channel is not None:
                with contextlib.suppress(EOFError, OSError):  # a worker already gone has nothing to close
                    self._channel.send(("close",))
                    self._channel.recv()
                self._channel.close()
                self._channel = None


class RemoteWorkspace(Workspace):
    """A workspace whose SQLite connection is held by the worker process."""

    conn: RemoteConnection  # type: ignore[assignment]
    _ahead: RemoteConnection | None = None  # the connection of call_ahead, made on first use

    def call(self, fn: Callable[..., Any], *args: Any, busy_ms: int | None = None, **kwargs: Any) -> Any:
        """Run the module-level ``fn(workspace, *args, **kwargs)`` in the worker: one round trip."""
        return self.conn.request("call", fn, args, kwargs, busy_ms)

    def call_ahead(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
        """Start ``fn(workspace, *args, **kwargs)`` in the worker on a connection of its own (a worker thread and
        SQLite connection of their own) and return a function that waits for its result: a long read runs there
        while this process does other work. One call ahead at a time; a result never collected is dropped."""
        if self._ahead is None:
            self._ahead = RemoteConnection(self.conn.worker)
        return self._ahead.submit("call", fn, args, kwargs, None)

    def backup(self, dest: Path) -> None:
        self.call(Workspace.backup, Path(dest).resolve())

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.close()
        self.conn.close()


class WorkerProcess:
    """The worker for one workspace file: started on first use, restarted if it dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._folder = Path(
            tempfile.mkdtemp(prefix="bwvtool-worker-")
        )  # 0700: only this user reaches the socket
        self._authkey = secrets.token_bytes(32)
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._generation = 0
        self._stopped = False

    @property
    def address(self) -> str:
        return str(self._folder / f"w{self._generation}.sock")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, *, create: bool = False, migrate: bool = True) -> None:
        with self._lock:
            if self._stopped:
                raise StoreError(f"{self.path.name} was closed")
            if self._process is not None and self._process.poll() is None:
                return
            self._generation += 1
            self._process = subprocess.Popen(
                # Not ``-m``: the worker's classes must pickle under their module's name, not ``__main__``.
                [sys.executable, "-c", _worker_boot()],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                start_new_session=True,  # a Ctrl+C meant for the app is the app's to handle
            )
            config = {
                "path": str(self.path),
                "address": self.address,
                "authkey": self._authkey.hex(),
                "create": create,
                "migrate": migrate,
            }
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write((json.dumps(config) + "\n").encode())
            self._process.stdin.flush()
            line = self._process.stdout.readline()
            answer = json.loads(line) if line.strip() else {"error": "the workspace worker did not start"}
            if "error" in answer:
                self._process.wait(timeout=START_TIMEOUT_S)
                self._process = None
                raise StoreError(answer["error"])

    def connect(self) -> Connection:
        """A new channel to the worker (starting a new worker if the last one has died)."""
        self.start(migrate=False)
        try:
            return Client(self.address, family="AF_UNIX", authkey=self._authkey)
        except (EOFError, OSError) as exc:
            raise WorkerLost(f"cannot reach the workspace worker for {self.path.name}: {exc}") from exc

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Close the worker's stdin (it finishes its requests and closes its connections), then wait for it."""
        with self._lock:
            process, self._process = self._process, None
            self._stopped = True
        if process is not None:
            assert process.stdin is not None
            try:
                process.stdin.close()
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)


_workers: dict[Path, WorkerProcess] = {}
_workers_lock = threading.Lock()


def open_remote(path: Path, *, create: bool = False, migrate: bool = True) -> RemoteWorkspace:
    """A workspace served by this process's worker for ``path`` (started on first use)."""
    key = Path(os.path.abspath(path))
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None:
            worker = WorkerProcess(key)
            worker.start(
                create=create, migrate=migrate
            )  # opening errors (no file, not a workspace) surface here
            _workers[key] = worker
    return RemoteWorkspace(key, RemoteConnection(worker))  # type: ignore[arg-type]


def worker_for(path: Path) -> WorkerProcess | None:
    return _workers.get(Path(os.path.abspath(path)))


def stop_workers() -> None:
    """Stop every worker this process started (the app calls this on quit; atexit does it otherwise)."""
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.stop()


atexit.register(stop_workers)
