"""Workspace commands: init, status, backup, audit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bwvtool.cli.common import EXIT_FATAL, Settings, emit, json_option, pass_settings, table
from bwvtool.store import audit


@click.command()
@json_option
@pass_settings
def init(settings: Settings, as_json: bool) -> None:
    """Create a workspace file (or bring an existing one's schema up to date)."""
    existed = settings.db.exists()
    with settings.workspace(create=True) as ws:
        if not existed:
            with ws.transaction(settings.user) as tx:
                tx.audit(
                    "workspace.init", "workspace", str(settings.db), {"schema_version": ws.schema_version}
                )
        data = {"db": str(settings.db), "created": not existed, "schema_version": ws.schema_version}
    emit(
        as_json,
        data,
        f"{'Created' if not existed else 'Opened'} {settings.db} (schema {data['schema_version']})",
    )


@click.command()
@json_option
@pass_settings
def status(settings: Settings, as_json: bool) -> None:
    """Row counts, schema version and health of the workspace."""
    with settings.workspace() as ws:
        data = {
            "db": str(settings.db),
            "schema_version": ws.schema_version,
            "counts": ws.counts(),
            "integrity": ws.integrity_check() or ["ok"],
        }
    emit(
        as_json,
        data,
        lambda: "\n".join(
            [f"{settings.db} (schema {data['schema_version']})"]
            + [f"  {k:12} {v:>10,}" for k, v in data["counts"].items()]
            + [f"  integrity    {', '.join(data['integrity'])}"]
        ),
    )


@click.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@pass_settings
def backup(settings: Settings, dest: Path, as_json: bool) -> None:
    """Copy the workspace to DEST with SQLite's online backup (safe while others are coding)."""
    with settings.workspace() as ws:
        ws.backup(dest)
        with ws.transaction(settings.user) as tx:
            tx.audit("workspace.backup", "workspace", str(settings.db), {"dest": str(dest.resolve())})
    emit(as_json, {"db": str(settings.db), "backup": str(dest)}, f"Backed up {settings.db} to {dest}")


@click.group(name="audit")
def audit_group() -> None:
    """The append-only, hash-chained audit log."""


@audit_group.command("verify")
@json_option
@pass_settings
def audit_verify(settings: Settings, as_json: bool) -> None:
    """Check every link of the audit chain; report the first broken row (exit 2 if any)."""
    with settings.workspace() as ws:
        report = ws.verify_audit()
    if report.ok:
        emit(as_json, report.as_dict(), f"Audit chain intact: {report.rows:,} rows")
        return
    emit(as_json, report.as_dict(), f"Audit chain BROKEN at row {report.first_broken_id}: {report.reason}")
    sys.exit(EXIT_FATAL)


@audit_group.command("log")
@click.option("--limit", default=30, show_default=True, help="How many rows, newest first.")
@click.option("--entity", default=None, help="Only rows about this kind of thing (clip, sample, coder …).")
@json_option
@pass_settings
def audit_log(settings: Settings, limit: int, entity: str | None, as_json: bool) -> None:
    """Show the newest audit rows."""
    with settings.workspace() as ws:
        rows = audit.recent(ws.conn, limit, entity)
    emit(as_json, rows, lambda: table(rows, ["id", "at", "actor", "action", "entity", "entity_id"]))
