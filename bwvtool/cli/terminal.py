"""Progress of long commands: a one-line display on a terminal, or JSON lines for the app that runs the command.

On a terminal the line is rewritten at most five times a second and cleared at the end; in a pipe or under
``--json`` nothing is shown. The desktop app runs long work (imports, media checks, exports) as these very
commands in a child process and sets ``BWVTOOL_PROGRESS=jsonl``: then each update is one stderr line
``bwvtool-progress {"text": …, "done": …, "total": …}`` that the app turns into a progress bar.
"""

from __future__ import annotations

import json
import os
import sys
import time

import click

from bwvtool import interrupts

PROGRESS_ENV = "BWVTOOL_PROGRESS"
MACHINE_MARK = "bwvtool-progress "


def machine_progress() -> bool:
    return os.environ.get(PROGRESS_ENV) == "jsonl"


class ProgressLine:
    """Rewrites one stderr line, at most five times a second, and clears it at the end."""

    def __init__(self, enabled: bool = True) -> None:
        self.machine = machine_progress()
        self.enabled = self.machine or (enabled and sys.stderr.isatty())
        self._last = 0.0
        self._width = 0

    def show(
        self, text: str, *, done: int | None = None, total: int | None = None, force: bool = False
    ) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.2:
            return
        self._last = now
        if self.machine:
            _write(MACHINE_MARK + json.dumps({"text": text, "done": done, "total": total}) + "\n")
            return
        if done is not None and total:
            text = f"{text} ({100 * done // total}%)"
        _write("\r" + text.ljust(self._width))
        self._width = len(text)

    def done(self) -> None:
        if self.enabled and not self.machine and self._width:
            _write("\r" + " " * self._width + "\r")
            self._width = 0


def _write(text: str) -> None:
    """To stderr, whole: a line the app reads must not be cut by a stop (see interrupts.uninterrupted)."""
    with interrupts.uninterrupted():
        click.echo(text, nl=False, err=True)


def count_records(path: str | os.PathLike) -> int | None:
    """Lines in a text file (a catalogue's records, near enough for a progress bar), or None if unreadable."""
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None
