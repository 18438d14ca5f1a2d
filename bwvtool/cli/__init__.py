"""The ``bwvtool`` command line: a thin click layer over the core.

Exit codes: 0 success; 1 partial (some input was rejected, the rest was done); 2 usage or fatal error, with a
single line on stderr and no traceback (set ``BWVTOOL_DEBUG=1`` to see one).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click

from bwvtool import __version__, identity, interrupts
from bwvtool.cli import workspace_cmds
from bwvtool.cli.common import EXIT_FATAL, Settings, default_db, location
from bwvtool.errors import BwvError, ConnectionLost, NotSaved, WorkspaceBusy
from bwvtool.store import postgres as server


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="bwvtool")
@click.option(
    "--db",
    type=str,
    default=None,
    help="Workspace file, or a PostgreSQL server (postgresql://…, service=NAME). Default: $BWVTOOL_DB, else"
    " ./bwvtool.sqlite.",
)
@click.option(
    "--user", default=None, help="Who is acting (stamped in the audit log). Default: $BWVTOOL_USER or login."
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, user: str | None) -> None:
    """Sample, code and analyse police body-worn video."""
    where = location(db) if db else default_db()
    named, named_by = (
        (user, "--user") if user is not None else (os.environ.get("BWVTOOL_USER") or None, "$BWVTOOL_USER")
    )
    if named is None and server.is_server_location(where):
        user = server.login_of(where)  # a team server records the login it was connected with, nobody else
    ctx.obj = Settings(db=where, user=identity.current_user(user), named=named, named_by=named_by)
    _RUNNING["db"] = ctx.obj.db


for command in (
    workspace_cmds.init,
    workspace_cmds.status,
    workspace_cmds.backup,
    workspace_cmds.audit_group,
):
    cli.add_command(command)


def _register_optional_groups() -> None:
    """Command groups live beside the core module they drive; each registers itself here."""
    from bwvtool.cli import registry

    for command in registry.commands():
        cli.add_command(command)


_register_optional_groups()


_RUNNING: dict[str, Path] = {}  # the workspace the running command uses, to say who holds it when it is busy


def _is_busy(exc: sqlite3.Error) -> bool:
    """SQLite's "database is locked" / "database table is locked": another process held the lock too long."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc)


def _busy_line(exc: Exception) -> str:
    """One line naming who holds the workspace, never SQLite's own words."""
    if isinstance(exc, WorkspaceBusy):
        return f"bwvtool: {exc}" if str(exc).startswith("busy:") else f"bwvtool: busy: {exc}"
    from bwvtool.store import leases

    db = _RUNNING.get("db")
    return f"bwvtool: {leases.busy_message(db) if db else leases.UNKNOWN_WRITER}"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map every failure onto an exit code and one line on stderr."""
    # A terminate request (the app's Cancel button, a service manager) stops a command as Ctrl+C does: every
    # transaction rolls back, and a long job stops where it is safe to (see bwvtool.interrupts).
    with interrupts.installed():
        _run(argv)


def _detail(exc: BaseException) -> str:
    """`` (the driver's technical reason)`` after a plain one, or nothing."""
    detail = getattr(exc, "detail", "")
    return f" ({detail})" if detail else ""


def _run(argv: list[str] | None) -> None:
    try:
        code = cli.main(args=argv, prog_name="bwvtool", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("bwvtool: aborted", err=True)
        code = EXIT_FATAL
    except click.ClickException as exc:
        click.echo(f"bwvtool: error: {exc.format_message()}", err=True)
        code = EXIT_FATAL
    except WorkspaceBusy as exc:
        click.echo(_busy_line(exc), err=True)
        code = EXIT_FATAL
    except NotSaved as exc:  # a command does not try again: say so plainly, the driver's words in brackets
        click.echo(f"bwvtool: error: not saved: {exc}{_detail(exc)}", err=True)
        code = exc.exit_code
    except BwvError as exc:
        click.echo(f"bwvtool: error: {exc}", err=True)
        code = exc.exit_code
    except (sqlite3.Error, OSError, ValueError) as exc:
        if os.environ.get("BWVTOOL_DEBUG"):
            raise
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            click.echo(_busy_line(exc), err=True)
            sys.exit(EXIT_FATAL)
        # Not a refusal: the server went away (stopped, restarting, cut off).
        if isinstance(exc, ConnectionLost):
            click.echo(f"bwvtool: error: {exc}{_detail(exc)}", err=True)
            sys.exit(EXIT_FATAL)
        if getattr(exc, "sqlstate", None):  # a PostgreSQL server said no: its own one-line reason
            click.echo(f"bwvtool: error: the server refused: {exc}", err=True)
            sys.exit(EXIT_FATAL)
        click.echo(f"bwvtool: error: {type(exc).__name__}: {exc}", err=True)
        code = EXIT_FATAL
    sys.exit(code if isinstance(code, int) else 0)
