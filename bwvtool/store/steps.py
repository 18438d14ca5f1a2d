"""Short write steps: how a long job writes without ever making another writer wait long.

SQLite has one write lock. A waiting writer's busy handler retries after 1, 2, 5, 10 … and at most every 100 ms, so
a job that commits and at once begins again can starve it however short each step is. A :class:`Pacer` therefore
sizes each step to hold the lock about ``target_s`` and, between steps, lets a waiting writer in first.

How it knows that a writer waits: every writer of a workspace file announces itself while it waits for the write
lock — a shared ``flock`` on the side file ``<workspace>.writers`` held around its ``BEGIN IMMEDIATE``
(:func:`announced`). Between steps the pacer tries that lock exclusively, without waiting: when it gets it, nobody
waits and the next step begins at once; when it does not, it waits until the writers' ``BEGIN`` is through (they
hold SQLite's lock, or gave up), then begins. BSD ``flock`` locks are separate from the POSIX ``fcntl`` locks SQLite
keeps on the workspace file, and the side file is not the workspace file: opening and closing it never touches
SQLite's locks (closing any handle of the workspace file itself would drop them). The side file is created by the
first long job and stays, empty.

A writer that does not announce itself (another program, an older bwvtool) still gets in: after every
``fallback_every_s`` of steps the pacer leaves the lock free ``gap_s`` — longer than the longest retry sleep. On a
server (no side file; the server queues lock waiters itself) or where ``flock`` is missing, every step is followed
by that gap, as before. The job does its other work (parsing, checking) elsewhere, so the gaps cost little.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import fcntl
except ImportError:  # Windows: no flock; pacers leave the gap after every step
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from bwvtool.store.workspace import Transaction, Workspace

TARGET_S = 0.3  # lock held per step
GAP_S = 0.11  # lock left free between steps: more than SQLite's longest busy-handler sleep (100 ms)
# Steps' lock time between two gaps left for writers that do not announce themselves (well within their busy timeout).
FALLBACK_EVERY_S = 5.0
MAX_YIELD_S = (
    1.0  # longest a pacer waits for announced writers before its next step (they still get in later)
)
_POLL_S = 0.002
SIDE_SUFFIX = ".writers"


def side_file(ws: Any) -> Path | None:
    """``<workspace>.writers`` for a workspace file; None for a server workspace."""
    from bwvtool.store import dialect

    path = getattr(ws, "path", None)
    if fcntl is None or not isinstance(path, Path) or dialect.is_postgres(ws.conn):
        return None
    return path.with_name(path.name + SIDE_SUFFIX)


@contextmanager
def announced(ws: Any) -> Iterator[None]:
    """Around a writer's ``BEGIN IMMEDIATE``: a long job pacing its steps lets this writer in first. Costs an
    ``open`` and two ``flock`` calls; nothing at all when no long job ever ran here (no side file)."""
    path = side_file(ws)
    fd = None
    if path is not None:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    if fd is None:
        yield
        return
    try:
        # Blocks only while a pacer probes (it holds the lock exclusively for two system calls).
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # drops the flock


class Pacer:
    """Paces one job's write steps and records how long each held the lock."""

    def __init__(
        self, target_s: float = TARGET_S, gap_s: float = GAP_S, fallback_every_s: float = FALLBACK_EVERY_S
    ) -> None:
        self.target_s = target_s
        self.gap_s = gap_s
        self.fallback_every_s = fallback_every_s
        self.steps = 0
        self.longest_s = 0.0
        self.held_s = 0.0
        self.last_s = 0.0
        self.yielded = 0  # steps that waited for an announced writer
        self._released = 0.0
        self._since_gap = 0.0  # lock time since the last full gap
        self._side: int | None = None  # the side file, open while this pacer paces: created by the first step
        self._side_checked = False

    @contextmanager
    def step(self, ws: Workspace, actor: str | None) -> Iterator[Transaction]:
        """One short transaction, begun once waiting writers are in (or the gap is over)."""
        if not self._side_checked:
            self._side_checked = True
            self._side = _open_side(ws)
        self.wait()
        started = time.perf_counter()
        try:
            with ws.transaction(actor) as tx:
                yield tx
        finally:
            self._released = time.perf_counter()
            held = self.last_s = self._released - started
            self.steps += 1
            self.held_s += held
            self._since_gap += held
            self.longest_s = max(self.longest_s, held)

    def wait(self) -> None:
        """Before a step: let announced writers in, and leave the full gap when it is due (always without a side
        file). A caller may do this before :meth:`step`, to let its other threads work meanwhile."""
        if not self.steps:
            return
        if self._side is None or self._since_gap >= self.fallback_every_s:
            self._since_gap = 0.0
            wait = self._released + self.gap_s - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            return
        deadline = time.perf_counter() + MAX_YIELD_S
        yielded = False
        while self._writers_waiting() and time.perf_counter() < deadline:
            yielded = True
            time.sleep(_POLL_S)
        self.yielded += yielded

    def close(self) -> None:
        if self._side is not None:
            os.close(self._side)
            self._side = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def _writers_waiting(self) -> bool:
        assert self._side is not None
        try:
            fcntl.flock(self._side, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        fcntl.flock(self._side, fcntl.LOCK_UN)
        return False

    def next_size(self, size: int, seconds: float, low: int = 500, high: int = 50_000) -> int:
        """How many items the next step should take, after ``size`` took ``seconds`` under the lock."""
        if seconds <= 0:
            return min(high, size * 2)
        wanted = int(size * self.target_s / seconds)
        return max(low, min(high, wanted, size * 2))


def _open_side(ws: Any) -> int | None:
    """The side file, created if need be; None where there is none (a server, no flock, a folder we cannot
    write to: then every step is followed by the full gap)."""
    path = side_file(ws)
    if path is None:
        return None
    try:
        return os.open(path, os.O_RDONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError:
        return None
