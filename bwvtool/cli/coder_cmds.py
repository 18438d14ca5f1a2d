"""`bwvtool coder`: the people who code in this workspace (a draw hands units only to coders listed here)."""

from __future__ import annotations

import click

from bwvtool.cli.common import Settings, emit, json_option, pass_settings, table
from bwvtool.cli.plain_errors import plain_errors
from bwvtool.store.coders import ROLES


@click.group("coder")
@plain_errors
def coder_group() -> None:
    """Coders: add them (before a draw hands them units) and list them."""


@coder_group.command("add")
@click.argument("names", nargs=-1, required=True)
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True)
@json_option
@pass_settings
@plain_errors
def add_cmd(settings: Settings, names: tuple[str, ...], role: str, as_json: bool) -> None:
    """Add coders NAMES (audited); an existing coder is given ROLE."""
    from bwvtool.store import coders

    with settings.workspace() as ws, ws.transaction(settings.user) as tx:
        for name in names:
            if not name.strip():
                raise click.BadParameter("a coder's name cannot be empty", param_hint="NAMES")
            ws.coder_id(tx, name.strip(), role)
            if coders.role_of(tx, name.strip()) != role:
                coders.set_role(tx, name.strip(), role)
                tx.audit("coder.role", "coder", name.strip(), {"role": role})
    emit(as_json, {"added": list(names), "role": role}, f"Coders {', '.join(names)}: {role}")


@coder_group.command("list")
@json_option
@pass_settings
@plain_errors
def list_cmd(settings: Settings, as_json: bool) -> None:
    """Every coder of the workspace with their role."""
    from bwvtool.store import coders

    with settings.workspace() as ws:
        rows = coders.listed(ws.conn)
    emit(as_json, rows, lambda: table(rows, ["name", "role", "since"]))
