"""A one-line progress display for long commands: on a terminal only, never under --json or in a pipe."""

from __future__ import annotations

import sys
import time

import click


class ProgressLine:
    """Rewrites one stderr line, at most five times a second, and clears it at the end."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._last = 0.0
        self._width = 0

    def show(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.2:
            return
        self._last = now
        click.echo("\r" + text.ljust(self._width), nl=False, err=True)
        self._width = len(text)

    def done(self) -> None:
        if self.enabled and self._width:
            click.echo("\r" + " " * self._width + "\r", nl=False, err=True)
            self._width = 0
