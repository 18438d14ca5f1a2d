"""Who is coding on a workspace file: chosen when the app starts (unless given with --user or $BWVTOOL_USER) and
stamped on every event, review and audit row from then on. A team server is never asked: its login is who you are
(:func:`bwvtool.identity.signed_in`)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QWidget

from bwvtool.store import Workspace
from bwvtool.store import coders as coder_rows
from bwvtool.store import queue as queue_rows


def choose_identity(workspace: Workspace, default: str, parent: QWidget | None = None) -> str | None:
    """Ask for the coder's name, offering the active coders who have work in this workspace; None if cancelled.

    A deactivated coder (Sampling ▸ Coders…) is not offered: they have left the team or are on leave."""
    active = {row["name"] for row in coder_rows.listed(workspace.conn, active_only=True)}
    coders = [entry for entry in queue_rows.coders_with_work(workspace.conn) if entry[0] in active]
    names = [name for name, _n, _done in coders]
    if default not in names:
        names.insert(0, default)
    summary = ", ".join(f"{name} ({done}/{n} done)" for name, n, done in coders) or "no assignments yet"
    name, ok = QInputDialog.getItem(
        parent,
        "Who is coding?",
        f"Your name is stamped on everything you code.\nCoders here: {summary}",
        names,
        0,
        True,
    )
    name = name.strip()
    return name if ok and name else None
