"""`bwvtool coder`: the people who code in this workspace (a draw hands units only to active coders listed here)."""

from __future__ import annotations

import click

from bwvtool.cli.common import Settings, emit, json_option, pass_settings, table
from bwvtool.cli.plain_errors import plain_errors
from bwvtool.store.coders import ROLES


@click.group("coder")
@plain_errors
def coder_group() -> None:
    """Coders: add them (before a draw hands them units), list, rename, deactivate and reactivate them."""


@coder_group.command("add")
@click.argument("names", nargs=-1, required=True)
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True)
@json_option
@pass_settings
@plain_errors
def add_cmd(settings: Settings, names: tuple[str, ...], role: str, as_json: bool) -> None:
    """Add coders NAMES (audited); an existing coder is given ROLE."""
    from bwvtool.coding import roster

    with settings.workspace() as ws:
        added = roster.add(ws, list(names), role, settings.user)
    emit(as_json, {"added": added, "role": role}, f"Coders {', '.join(added)}: {role}")


@coder_group.command("list")
@json_option
@pass_settings
@plain_errors
def list_cmd(settings: Settings, as_json: bool) -> None:
    """Every coder of the workspace with their role and whether they are active."""
    from bwvtool.coding import roster

    with settings.workspace() as ws:
        rows = roster.roster(ws)
    shown = [{**row, "active": "yes" if row["active"] else "no"} for row in rows]
    emit(as_json, rows, lambda: table(shown, ["name", "role", "active", "since"]))


@coder_group.command("rename")
@click.argument("old")
@click.argument("new")
@json_option
@pass_settings
@plain_errors
def rename_cmd(settings: Settings, old: str, new: str, as_json: bool) -> None:
    """Rename coder OLD to NEW (audited): their events, reviews and assignments go with them.

    From now on they act as NEW (`--user NEW`); the audit log keeps the name each earlier action was taken under.
    """
    from bwvtool.coding import roster

    with settings.workspace() as ws:
        roster.rename(ws, old, new, settings.user)
    emit(as_json, {"from": old, "to": new.strip()}, f"Coder {old} is now {new.strip()}")


@coder_group.command("deactivate")
@click.argument("name")
@json_option
@pass_settings
@plain_errors
def deactivate_cmd(settings: Settings, name: str, as_json: bool) -> None:
    """Deactivate coder NAME (audited): no new assignments; their coding and open assignments stay as they are."""
    _set_active(settings, name, False, as_json, "deactivated: no new assignments", "was deactivated already")


@coder_group.command("reactivate")
@click.argument("name")
@json_option
@pass_settings
@plain_errors
def reactivate_cmd(settings: Settings, name: str, as_json: bool) -> None:
    """Reactivate coder NAME (audited): draws may hand them units again."""
    _set_active(settings, name, True, as_json, "reactivated", "was active already")


def _set_active(settings: Settings, name: str, active: bool, as_json: bool, done: str, already: str) -> None:
    from bwvtool.coding import roster

    with settings.workspace() as ws:
        changed = roster.set_active(ws, name, active, settings.user)
    emit(
        as_json,
        {"name": name, "active": active, "changed": changed},
        f"Coder {name} {done if changed else already}",
    )
