"""`bwvtool demo` and `bwvtool gui`: start the desktop app (imported lazily: the core never imports Qt)."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import click

from bwvtool import identity
from bwvtool.cli.common import Settings, emit, json_option, pass_settings
from bwvtool.store import Workspace
from bwvtool.store.postgres import is_server_location
from bwvtool.store.workspace import use_worker_process

DEFAULT_DEMO_DIR = Path("bwvtool-demo")


def _app_user(settings: Settings, workspace: Workspace, suggestion: str) -> tuple[str, bool]:
    """Who the app runs as, and whether to ask at start. A team server's login is who you are: never asked, and a
    different --user or $BWVTOOL_USER is refused in one line. A file: the name given, else asked (``suggestion``
    offered first)."""
    login = identity.signed_in(workspace, settings.named, settings.named_by)
    if login is not None:
        return login, False
    return suggestion, settings.named is None


def _run_app(workspace: Workspace, user: str, **options: object) -> int:
    """Hand the open workspace to the desktop app. Qt is imported here and only here."""
    app = importlib.import_module("bwvtool.ui.app")
    return int(app.run(workspace, user, **options))


@click.command()
@click.option("--screenshot", type=click.Path(dir_okay=False, path_type=Path), hidden=True)
@click.option("--exit-when-ready", is_flag=True, hidden=True)
@click.option("--select-row", type=int, default=None, hidden=True)
@click.option(
    "--say-ready",
    is_flag=True,
    help="Print 'bwvtool-ready <unix time>' once the window is usable (for scripts that drive the app).",
)
@pass_settings
def gui(
    settings: Settings,
    screenshot: Path | None,
    exit_when_ready: bool,
    select_row: int | None,
    say_ready: bool,
) -> None:
    """Open the desktop app on the workspace (--db); asks who is coding unless --user or $BWVTOOL_USER says.

    On a team server (PostgreSQL) you are the login you connected as: nothing is asked, and a different --user or
    $BWVTOOL_USER is refused.

    SIGTERM (a logout, a shutdown) closes it as Quit does, without questions: typed text is saved, waiting edits
    get a last chance, running jobs are cancelled and roll back.
    """
    use_worker_process()  # the app's process never holds a SQLite handle (see bwvtool.store.worker)
    workspace = settings.workspace()  # a missing or bad file is a one-line error before Qt starts
    user, ask = _app_user(settings, workspace, settings.user)
    sys.exit(
        _run_app(
            workspace,
            user,
            screenshot=screenshot,
            exit_when_ready=exit_when_ready,
            select_row=select_row,
            say_ready=say_ready,
            choose_user=ask and screenshot is None and not exit_when_ready,
        )
    )


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DEMO_DIR,
    show_default=True,
    help="Folder for the demo: workspace file, catalogue and generated clips.",
)
@click.option(
    "--clips",
    type=click.IntRange(1, 2_000_000),
    default=5_000,
    show_default=True,
    help="How many clips the synthetic catalogue holds.",
)
@click.option("--headless", is_flag=True, help="Only build the workspace; do not open the app.")
@json_option
@pass_settings
@click.pass_context
def demo(
    ctx: click.Context, settings: Settings, directory: Path, clips: int, headless: bool, as_json: bool
) -> None:
    """Build a demo workspace (synthetic catalogue with the published 2021 mix, a few generated clips), then
    open the app on it.

    The workspace file is DIR/bwvtool.sqlite unless --db is given explicitly; a server (--db or $BWVTOOL_DB
    postgresql://… or a service) gets the demo in its database, created if missing. Running it again is safe: nothing is
    duplicated.
    """
    from bwvtool.demo import build_demo

    explicit_db = ctx.find_root().params.get("db")
    if explicit_db is None and is_server_location(os.environ.get("BWVTOOL_DB", "")):
        explicit_db = os.environ["BWVTOOL_DB"]  # a team server named by the environment: no file for the demo
    report = build_demo(directory, clips=clips, db=explicit_db, actor=settings.user)
    emit(as_json, report.as_dict(), report.summary)
    if not headless:
        from bwvtool.store import open_workspace, queue

        use_worker_process()
        workspace = open_workspace(report.db)
        # In the demo, suggest one of its reviewers so the coding queue is full when the app opens.
        reviewers = [name for name, _n, _done in queue.coders_with_work(workspace.conn)]
        suggestion = reviewers[0] if settings.named is None and reviewers else settings.user
        user, ask = _app_user(settings, workspace, suggestion)
        sys.exit(_run_app(workspace, user, choose_user=ask))
