"""Run slow plain-Python work (probing, hashing) off the GUI thread and get the result back on it.

The worker thread never touches a Qt object: it puts its result in a queue, and a timer owned by the
:class:`Background` object (so it dies with its widget) hands results over on the GUI thread. Emitting a
signal from the worker instead fails when the widget was closed meanwhile ("Signal source has been deleted",
or a use-after-free if the deletion races with the emit). Workers are daemon threads so a long hash never
delays quitting the app.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

Done = Callable[[Any, BaseException | None], None]
_POLL_MS = 5


class Background(QObject):
    """Runs functions on daemon threads; each one's ``then(result, error)`` is called on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._results: queue.SimpleQueue[tuple[Done, Any, BaseException | None]] = queue.SimpleQueue()
        self._pending = 0
        self._timer = QTimer(self, interval=_POLL_MS)
        self._timer.timeout.connect(self._deliver)

    @property
    def pending(self) -> int:
        """How many jobs have not been handed back yet."""
        return self._pending

    def run(self, work: Callable[[], Any], then: Done, name: str = "bwvtool-worker") -> None:
        """Call ``work()`` on a new daemon thread, then ``then(result, None)`` or ``then(None, error)`` here."""
        results = self._results  # the worker holds the queue, never this QObject

        def job() -> None:
            try:
                results.put((then, work(), None))
            except BaseException as exc:  # handed to ``then``; a worker must not die silently
                results.put((then, None, exc))

        self._pending += 1
        threading.Thread(target=job, name=name, daemon=True).start()
        self._timer.start()

    def _deliver(self) -> None:
        while True:
            try:
                then, result, error = self._results.get_nowait()
            except queue.Empty:
                break
            self._pending -= 1
            then(result, error)
        if self._pending == 0:
            self._timer.stop()
