"""What every command shares: the workspace option, --json output, and turning results into exit codes.

Commands stay thin: parse options, call one core function, print the result with :func:`emit`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bwvtool import identity, interrupts
from bwvtool.errors import BwvError
from bwvtool.store import Workspace, open_workspace
from bwvtool.store.postgres import is_server_location

EXIT_OK, EXIT_PARTIAL, EXIT_FATAL = 0, 1, 2


@dataclass
class Settings:
    """Global options, available to every command as ``ctx.obj``."""

    db: Path | str  # a file, or a PostgreSQL server location (see location())
    user: str
    named: str | None = None  # the name the command line gave (--user, else $BWVTOOL_USER), if any
    named_by: str = "--user"  # where ``named`` came from, for the one-line refusal

    def workspace(self, *, create: bool = False) -> Workspace:
        """Open the workspace; on a team server, a name other than the login is refused here, once for every
        command (the server would record the login, or refuse the other name's audit rows)."""
        ws = open_workspace(self.db, create=create)
        try:
            identity.signed_in(ws, self.named, self.named_by)
        except BwvError:
            ws.close()
            raise
        return ws


def location(text: str) -> Path | str:
    """A --db value: a server location (``postgresql://…``, ``service=…``) stays text, anything else is a file."""
    return text if is_server_location(text) else Path(text)


def default_db() -> Path | str:
    return location(os.environ.get("BWVTOOL_DB") or "bwvtool.sqlite")


def workspace_exists(db: Path | str) -> bool:
    """Is there a workspace at ``db`` already (a file, or a server database holding a bwvtool schema)?"""
    if not is_server_location(db):
        return Path(db).exists()
    try:
        open_workspace(db, migrate=False).close()
    except BwvError:
        return False
    return True


pass_settings = click.make_pass_decorator(Settings)


def json_option(func: Callable) -> Callable:
    """``--json``: print a machine-readable result on stdout instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(func)


def emit(as_json: bool, data: Any, text: str | Callable[[], str] | None = None) -> None:
    """Print ``data`` as JSON, or its human form (a string, or a function making one); whole, even if a stop
    arrives while the reader is slow (it is raised or noted once the text is out)."""
    if as_json:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    elif callable(text):
        text = text()
    if text is None:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    with interrupts.uninterrupted():
        click.echo(text)


def warn(message: str) -> None:
    with interrupts.uninterrupted():
        click.echo(message, err=True)


def exit_partial_if(condition: bool) -> None:
    """Exit 1 when some input was rejected although the command did its work."""
    if condition:
        sys.exit(EXIT_PARTIAL)


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain fixed-width table for terminal output."""
    if not rows:
        return "(none)"
    cells = [[str(row.get(c, "") if row.get(c) is not None else "") for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


__all__ = [
    "EXIT_FATAL",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "Settings",
    "default_db",
    "emit",
    "identity",
    "json_option",
]
