"""Edits that wait for a busy workspace: the desk never freezes and never drops a key press.

An edit first waits up to :data:`FIRST_WAIT_MS` for another program's write lock (a catalogue import applies its
rows in short steps, so this is normally enough). If the workspace is still busy — or a team server's connection
broke and the server says the edit was not saved — the edit is kept, in order,
with every edit made after it, and retried every :data:`RETRY_EVERY_MS` with a short wait so the window stays
responsive. Listeners are told how many edits are waiting and why, so the screen never says "saved" for an edit
that is not.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from bwvtool.errors import BwvError, NotSaved, WorkspaceBusy
from bwvtool.wording import count

WAIT = (WorkspaceBusy, NotSaved)  # the edit was not saved and can be: keep it and try again

FIRST_WAIT_MS = 1000
RETRY_WAIT_MS = 100
RETRY_EVERY_MS = 400

Edit = Callable[[int], Any]  # called with how long it may wait for the lock, in ms


def waiting_text(n: int, noun: str, reason: str, plural: str | None = None) -> str:
    """The status line while edits wait: ``Not saved yet: 1 edit waits — the server cannot be reached; trying
    again`` (short: the driver's technical words are :attr:`PendingEdits.detail`, shown as a tooltip)."""
    return f"Not saved yet: {count(n, noun, plural)} {'waits' if n == 1 else 'wait'} — {reason}; trying again"


class PendingEdits(QObject):
    changed = Signal(int, str)  # how many edits wait, and why ("" when none)
    failed = Signal(str)  # an edit that was refused (a rule, a lost worker): the message for the status bar

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: deque[tuple[str, Edit]] = deque()
        self.reason = ""
        self.detail = ""  # the technical reason behind ``reason`` (libpq's text), for a tooltip
        self._timer = QTimer(self, interval=RETRY_EVERY_MS)
        self._timer.timeout.connect(self.retry)

    def __len__(self) -> int:
        return len(self._waiting)

    def submit(self, label: str, edit: Edit) -> Any:
        """Run ``edit`` now (its result is returned) or, if the workspace is busy, keep it for later (None)."""
        if self._waiting:  # order matters: a later key press may end a state an earlier one starts
            self._waiting.append((label, edit))
            self.changed.emit(len(self._waiting), self.reason)
            return None
        try:
            return edit(FIRST_WAIT_MS)
        except WAIT as exc:
            self._keep(label, edit, exc)
        except BwvError as exc:
            self.failed.emit(str(exc))
        return None

    def retry(self, wait_ms: int = RETRY_WAIT_MS) -> None:
        """Save what waits, oldest first, until the workspace is busy again or nothing is left."""
        while self._waiting:
            label, edit = self._waiting[0]
            try:
                edit(wait_ms)
            except WAIT as exc:
                self.reason, self.detail = str(exc), getattr(exc, "detail", "")
                self.changed.emit(len(self._waiting), self.reason)
                return
            except BwvError as exc:
                self.failed.emit(f"Not saved: {label}: {exc}")
            self._waiting.popleft()
        self._timer.stop()
        self.reason = self.detail = ""
        self.changed.emit(0, "")

    def _keep(self, label: str, edit: Edit, exc: Exception) -> None:
        self._waiting.append((label, edit))
        self.reason, self.detail = str(exc), getattr(exc, "detail", "")
        self._timer.start()
        self.changed.emit(len(self._waiting), self.reason)

    def discard(self) -> int:
        """Forget what waits (the user chose to quit without it); returns how many edits were dropped."""
        dropped = len(self._waiting)
        self._waiting.clear()
        self._timer.stop()
        self.reason = self.detail = ""
        self.changed.emit(0, "")
        return dropped
