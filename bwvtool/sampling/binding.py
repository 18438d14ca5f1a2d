"""What a sample is bound to besides its units: the codebook it is coded with and the coders who get its units.

Both are chosen at the draw: the plan may name them, the draw's options (or the app's dialog) override them. A draw
never invents a coder: every name must be a coder of the workspace. The codebook must be stored in the workspace,
except one shipped with bwvtool, which is imported on first use. See docs/sampling.md ("Codebook and coders").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bwvtool.codebook.load import default_codebook_files, load_default_codebook
from bwvtool.errors import UsageError
from bwvtool.sampling.plan import Plan
from bwvtool.store import codebooks as codebook_rows
from bwvtool.store import coders as coder_rows

if TYPE_CHECKING:
    from bwvtool.store import Workspace


def with_coders(ws: Workspace, plan: Plan, coders: Sequence[str] | None) -> Plan:
    """``plan`` handing its units to ``coders`` (None: the plan's own), each checked to exist in the workspace.

    :raises UsageError: a name is not a coder here, double coding has fewer than two coders, or the plan assigns
        units but names no coders and none were given.
    """
    if coders is not None:
        names = [name.strip() for name in coders if name.strip()]
        if len(set(names)) != len(names):
            raise UsageError(f"a coder is named twice in {', '.join(names)}")
        plan = plan.with_coders(names)
    assignment = plan.assignment
    if not assignment:
        return plan
    names = assignment.get("coders") or []
    known = set(coder_names(ws))
    hint = f"coders here: {', '.join(sorted(known))}" if known else "this workspace has no coders yet"
    if not names:
        raise UsageError(
            f"plan {plan.name!r} hands its units to coders: name them with --coders NAME,NAME ({hint};"
            " add one with 'bwvtool coder add NAME')"
        )
    for name in names:
        if name in known:
            continue
        if coder_rows.is_active(ws.conn, name) is False:
            raise UsageError(
                f"coder {name!r} is deactivated and gets no new assignments ({hint};"
                f" 'bwvtool coder reactivate {name}' to bring them back)"
            )
        raise UsageError(f"unknown coder {name!r} ({hint}; add one with 'bwvtool coder add NAME')")
    if assignment.get("double_code", 0) > 0 and len(names) < 2:
        raise UsageError("double coding needs at least two coders")
    return plan


def codebook_choices(ws: Workspace) -> list[str]:
    """Keys a sample can be bound to: the codebooks stored in the workspace and those shipped with bwvtool."""
    return sorted(set(codebook_rows.stored_keys(ws.conn)) | _shipped_keys())


def coder_names(ws: Workspace) -> list[str]:
    """The workspace's active coders, by name: the only people a draw hands units to (a deactivated coder keeps
    their coding but gets no new assignments)."""
    return [str(row["name"]) for row in coder_rows.listed(ws.conn, active_only=True)]


def _shipped_keys() -> set[str]:
    return {load_default_codebook(name).key for name in default_codebook_files()}


def codebook_key(
    ws: Workspace, plan: Plan, chosen: str | None, *, actor: str | None = None, import_shipped: bool = True
) -> str | None:
    """The codebook the sample is coded with: ``chosen``, else the plan's, else the workspace's only codebook;
    None when none is named and the workspace holds several or none (coders then choose per clip).

    A codebook shipped with bwvtool that the workspace does not hold yet is imported (audited), unless
    ``import_shipped`` is False (a draw previewed before it is confirmed stores nothing).

    :raises UsageError: the named codebook is neither stored nor shipped.
    """
    key = chosen or plan.codebook
    stored = set(codebook_rows.stored_keys(ws.conn))
    if key is None:
        return next(iter(stored)) if len(stored) == 1 else None
    if key not in stored:
        shipped = _shipped_keys()
        if key not in shipped:
            listed = ", ".join(sorted(stored | shipped))
            raise UsageError(
                f"no codebook {key!r} in this workspace or shipped with bwvtool (known: {listed})"
            )
        if import_shipped:
            codebook_rows.ensure_default_codebooks(ws, actor=actor)
    return key
