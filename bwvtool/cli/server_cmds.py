"""Team server commands: set up a PostgreSQL workspace, add people in roles, grant fields; copy workspaces.

Each command is thin: it checks that --db names a server, calls one function of bwvtool.store.postgres and
prints the result. What each role may do is enforced by the server itself (see docs/team-server.md).
"""

from __future__ import annotations

import sys

import click

from bwvtool import wording
from bwvtool.cli.common import Settings, emit, json_option, location, pass_settings, table
from bwvtool.errors import UsageError
from bwvtool.store import Workspace, open_workspace
from bwvtool.store.postgres import is_server_location


def _server(settings: Settings) -> str:
    if not is_server_location(settings.db):
        raise UsageError(
            f"--db {settings.db} is a SQLite file; team commands need a server (--db postgresql://… or service=NAME)"
        )
    return str(settings.db)


def _server_workspace(settings: Settings) -> Workspace:
    """The team server's workspace, refusing a --user other than the login as every command does."""
    _server(settings)
    return settings.workspace()


@click.group("server")
def server_group() -> None:
    """A team workspace on a PostgreSQL server: set it up, add people, grant fields."""


@server_group.command("init")
@json_option
@pass_settings
def server_init(settings: Settings, as_json: bool) -> None:
    """Create the server database if needed, the team roles and the schema (run as the server's administrator)."""
    from bwvtool.store.postgres.workspace import create_database, display

    where = _server(settings)
    created = create_database(where)
    with open_workspace(where, create=True) as ws:
        fresh = ws.counts()["audit_log"] == 0
        if fresh:
            with ws.transaction(settings.user) as tx:
                tx.audit("workspace.init", "workspace", display(where), {"schema_version": ws.schema_version})
        data = {"db": display(where), "database_created": created, "schema_version": ws.schema_version}
    emit(as_json, data, f"Server workspace {data['db']} ready (schema {data['schema_version']})")


@server_group.group("user")
def user_group() -> None:
    """People on the team: one server login each, in one role."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["reviewer", "researcher", "supervisor", "admin"]))
@click.option(
    "--password",
    "ask_password",
    is_flag=True,
    help="Set a password now: asked twice on a terminal, else read as one line from standard input (a script"
    " pipes it in). Only its SCRAM verifier goes to the server; bwvtool stores nothing.",
)
@json_option
@pass_settings
def user_add(settings: Settings, name: str, role: str, ask_password: bool, as_json: bool) -> None:
    """Add login NAME in ROLE (or move an existing login to ROLE). Without --password the person signs in the
    way the server allows (peer, certificate) or an administrator sets one with psql's \\password."""
    from bwvtool.store.postgres import roles

    password = _read_password() if ask_password else None
    with _server_workspace(settings) as ws:
        roles.add_user(ws, name, role, actor=settings.user, password=password)
    emit(as_json, {"name": name, "role": role}, f"{name} is {wording.a(role)} on this workspace")


def _read_password() -> str:
    """The new password: asked twice on a terminal; one line of standard input otherwise (scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise UsageError("--password: standard input holds no password (one line expected)")
    return password


@user_group.command("list")
@json_option
@pass_settings
def user_list(settings: Settings, as_json: bool) -> None:
    """Everyone in a team role, with whether they may read identified catalogue fields."""
    from bwvtool.store.postgres import roles

    with _server_workspace(settings) as ws:
        rows = [m.as_dict() for m in roles.members(ws)]
    emit(as_json, rows, lambda: table(rows, ["name", "role", "can_login", "identified"]))


@server_group.command("grant")
@click.argument("name")
@click.argument("what", type=click.Choice(["identified"]))
@click.option("--revoke", is_flag=True, help="Take the grant back.")
@json_option
@pass_settings
def server_grant(settings: Settings, name: str, what: str, revoke: bool, as_json: bool) -> None:
    """Give researcher NAME the identified catalogue fields (officer, camera, media, notes); audited."""
    from bwvtool.store.postgres import roles

    with _server_workspace(settings) as ws:
        roles.grant(ws, name, what, actor=settings.user, revoke=revoke)
    verb = "no longer reads" if revoke else "may now read"
    emit(as_json, {"name": name, "grant": what, "revoked": revoke}, f"{name} {verb} the {what} fields")


@click.group("workspace")
def workspace_group() -> None:
    """Whole workspaces: copy one between SQLite and a server."""


@workspace_group.command("copy")
@click.argument("source")
@click.argument("dest")
@json_option
def workspace_copy(source: str, dest: str, as_json: bool) -> None:
    """Copy workspace SOURCE into a new workspace DEST (a file or a server database), keeping every id, hash and
    timestamp; refuses a DEST that holds anything, and checks row counts and the audit chain on both sides."""
    from bwvtool.store.postgres.copy import copy_workspace

    with open_workspace(location(source)) as ws:
        report = copy_workspace(ws, location(dest))
    data = report.as_dict()
    emit(
        as_json,
        data,
        lambda: (
            f"Copied {sum(report.tables.values()):,} rows in {len(report.tables)} tables;"
            f" audit chain of {report.audit_rows:,} rows intact on both sides"
        ),
    )
