"""Short write steps: how a long job writes without ever making another writer wait long.

SQLite has one write lock. A waiting writer's busy handler retries after 1, 2, 5, 10 … and at most every 100 ms, so
a job that commits and at once begins again can starve it however short each step is. A :class:`Pacer` therefore
(1) sizes each step to hold the lock about ``target_s``, and (2) keeps the lock free at least ``gap_s`` (longer
than the longest retry sleep) between steps. A writer that arrives at any moment gets the lock within about
``target_s + 0.1`` s. The job does its other work (parsing, checking) inside the gaps, so they cost little.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bwvtool.store.workspace import Transaction, Workspace

TARGET_S = 0.3  # lock held per step
GAP_S = 0.11  # lock left free between steps: more than SQLite's longest busy-handler sleep (100 ms)


class Pacer:
    """Paces one job's write steps and records how long each held the lock."""

    def __init__(self, target_s: float = TARGET_S, gap_s: float = GAP_S) -> None:
        self.target_s = target_s
        self.gap_s = gap_s
        self.steps = 0
        self.longest_s = 0.0
        self.held_s = 0.0
        self.last_s = 0.0
        self._released = 0.0

    @contextmanager
    def step(self, ws: Workspace, actor: str | None) -> Iterator[Transaction]:
        """One short transaction, begun no sooner than ``gap_s`` after the previous one ended."""
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
            self.longest_s = max(self.longest_s, held)

    def wait(self) -> None:
        """Sleep out what is left of the gap after the previous step (a caller may do this before :meth:`step`,
        to let its other threads work meanwhile)."""
        wait = self._released + self.gap_s - time.perf_counter()
        if wait > 0:
            time.sleep(wait)

    def next_size(self, size: int, seconds: float, low: int = 500, high: int = 50_000) -> int:
        """How many items the next step should take, after ``size`` took ``seconds`` under the lock."""
        if seconds <= 0:
            return min(high, size * 2)
        wanted = int(size * self.target_s / seconds)
        return max(low, min(high, wanted, size * 2))
