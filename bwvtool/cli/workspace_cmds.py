"""Workspace commands: init, status, backup, audit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bwvtool.cli.common import (
    EXIT_FATAL,
    Settings,
    emit,
    json_option,
    pass_settings,
    table,
    warn,
    workspace_exists,
)
from bwvtool.store import audit


@click.command()
@json_option
@pass_settings
def init(settings: Settings, as_json: bool) -> None:
    """Create a workspace file (or bring an existing one's schema up to date)."""
    existed = workspace_exists(settings.db)
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
    """Copy the workspace to DEST with SQLite's online backup (safe while others are coding).

    The audit chain's head is recorded in the anchor log outside the workspace (see `bwvtool audit verify`)."""
    from bwvtool.anchors import backup_workspace

    with settings.workspace() as ws:
        anchor, problem = backup_workspace(ws, dest, actor=settings.user)
    if problem:
        warn(problem)
    data = {"db": str(settings.db), "backup": str(dest), "anchor": anchor.as_dict() if anchor else None}
    emit(as_json, data, f"Backed up {settings.db} to {dest}")


@click.group(name="audit")
def audit_group() -> None:
    """The append-only, hash-chained audit log."""


@audit_group.command("verify")
@json_option
@pass_settings
def audit_verify(settings: Settings, as_json: bool) -> None:
    """Check every link of the audit chain, then compare its end with the newest anchor recorded outside the
    workspace (by backups, exports, reports and the app closing): rows missing after an anchor mean an old copy
    was put back or the log lost its tail. Exit 2 on any problem, naming the first broken row or the anchor."""
    from bwvtool.anchors import check_tail

    with settings.workspace() as ws:
        report = ws.verify_audit()
        tail = check_tail(ws)
    data = {**report.as_dict(), "tail": tail.as_dict()}
    if not report.ok:
        emit(as_json, data, f"Audit chain BROKEN at row {report.first_broken_id}: {report.reason}")
        sys.exit(EXIT_FATAL)
    if not tail.ok:
        emit(as_json, data, f"Audit log INCOMPLETE: {tail.problem}")
        sys.exit(EXIT_FATAL)
    checked = f"; its end matches {tail.checked.describe()}" if tail.checked else "; no anchor recorded yet"
    emit(as_json, data, f"Audit chain intact: {report.rows:,} rows{checked}")


@audit_group.command("anchor")
@json_option
@pass_settings
def audit_anchor(settings: Settings, as_json: bool) -> None:
    """Record the audit chain's head in the anchor log outside the workspace now (backups, exports, reports and
    the app's close do this by themselves)."""
    from bwvtool.anchors import anchor_file, record_anchor

    with settings.workspace() as ws:
        anchor = record_anchor(ws, "manual", actor=settings.user)
    emit(
        as_json,
        anchor.as_dict(),
        f"Anchored audit row {anchor.row_id} of {settings.db} in {anchor_file(anchor.workspace_id)}",
    )


@audit_group.command("accept-loss")
@click.option("--reason", required=True, help="Why the missing rows are accepted (kept in the audit log).")
@json_option
@pass_settings
def audit_accept_loss(settings: Settings, reason: str, as_json: bool) -> None:
    """Accept the rows `audit verify` reports missing, after restoring a backup on purpose (audited)."""
    from bwvtool.anchors import acknowledge_loss

    with settings.workspace() as ws:
        accepted = acknowledge_loss(ws, reason, actor=settings.user)
    rows = [a.as_dict() for a in accepted]
    text = (
        f"Accepted the loss seen by {len(accepted)} anchor{'s' if len(accepted) != 1 else ''}; recorded why"
        if accepted
        else "Nothing to accept: the audit log's end matches every anchor"
    )
    emit(as_json, rows, text)


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
