"""Running an analysis off the GUI thread, on its own connection to the workspace file.

A bootstrap over clips takes a second or more on a real sample; run on the GUI thread it would freeze the
window. :class:`JobRunner` hands ``work(ws)`` to a thread pool; each job opens its own connection (SQLite in WAL
mode: it reads a consistent state while the app keeps writing) and reports back through queued signals. Jobs
are numbered per kind, so a result that a newer request has overtaken is dropped, never shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from bwvtool.errors import BwvError
from bwvtool.store import Workspace, open_workspace

Work = Callable[[Workspace], Any]


class _JobSignals(QObject):
    done = Signal(str, int, object)  # kind, request number, result
    failed = Signal(str, int, str)  # kind, request number, message


class _Job(QRunnable):
    def __init__(self, kind: str, number: int, path: Path | str, work: Work, signals: _JobSignals) -> None:
        super().__init__()
        self.kind, self.number, self.path, self.work, self.signals = kind, number, path, work, signals

    def run(self) -> None:
        try:
            with open_workspace(self.path, migrate=False) as ws:
                result = self.work(ws)
        except BwvError as exc:
            self.signals.failed.emit(self.kind, self.number, str(exc))
        except Exception as exc:  # noqa: BLE001 - an unexpected error must reach the user, not die in the pool
            self.signals.failed.emit(self.kind, self.number, f"{type(exc).__name__}: {exc}")
        else:
            self.signals.done.emit(self.kind, self.number, result)


class JobRunner(QObject):
    """Runs jobs of named kinds; only the newest request of each kind is answered.

    ``busy_changed(kind, busy)`` tells when a kind starts and stops having jobs in flight.
    """

    busy_changed = Signal(str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The pool is made first so it is destroyed first: its destructor waits for running jobs, whose
        # signals object must still exist when they finish.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._signals = _JobSignals(self)
        self._signals.done.connect(self._finished)
        self._signals.failed.connect(self._failed)
        self._latest: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self._handlers: dict[str, tuple[Callable[[Any], None], Callable[[str], None]]] = {}

    def run(
        self,
        kind: str,
        path: Path | str,
        work: Work,
        on_done: Callable[[Any], None],
        on_failed: Callable[[str], None],
    ) -> int:
        """Start ``work`` on a fresh connection to ``path``; returns the request number."""
        number = self._latest.get(kind, 0) + 1
        self._latest[kind] = number
        self._handlers[kind] = (on_done, on_failed)
        self._in_flight[kind] = self._in_flight.get(kind, 0) + 1
        if self._in_flight[kind] == 1:
            self.busy_changed.emit(kind, True)
        self._pool.start(_Job(kind, number, path, work, self._signals))  # a file path or a server location
        return number

    def is_busy(self, kind: str | None = None) -> bool:
        if kind is None:
            return any(self._in_flight.values())
        return bool(self._in_flight.get(kind))

    def wait(self, msecs: int = -1) -> bool:
        """Block until every job has finished (their results still arrive through the event loop)."""
        return self._pool.waitForDone(msecs)

    def _settle(self, kind: str, number: int) -> bool:
        self._in_flight[kind] -= 1
        if not self._in_flight[kind]:
            self.busy_changed.emit(kind, False)
        return number == self._latest.get(kind)

    @Slot(str, int, object)
    def _finished(self, kind: str, number: int, result: object) -> None:
        if self._settle(kind, number):
            self._handlers[kind][0](result)

    @Slot(str, int, str)
    def _failed(self, kind: str, number: int, message: str) -> None:
        if self._settle(kind, number):
            self._handlers[kind][1](message)
