"""`bwvtool codebook` commands: validate, import, show, list, export.

The core is imported inside each command so that ``bwvtool --help`` does not pay for YAML and jsonschema.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bwvtool.cli.common import EXIT_FATAL, Settings, emit, json_option, pass_settings, table, warn

if TYPE_CHECKING:
    from bwvtool.codebook import Codebook, Issue


@click.group(name="codebook")
def group() -> None:
    """Codebooks: validate, import, show, list and export them."""


def _report_invalid(path: Path, issues: list[Issue], as_json: bool, *, to_stderr: bool) -> None:
    """Print every issue with its place (file:line:column: $.path: message) and exit 2."""
    data = {"file": str(path), "valid": False, "errors": [i.as_dict() for i in issues]}
    if as_json:
        emit(True, data)
    else:
        lines = [str(i) for i in issues] + [f"{len(issues)} problem(s) in {path}"]
        click.echo("\n".join(lines), err=to_stderr)
    sys.exit(EXIT_FATAL)


@group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def validate(file: Path, as_json: bool) -> None:
    """Check a codebook FILE (YAML or JSON) without a workspace; list every problem with its line (exit 2)."""
    from bwvtool.codebook import check_file

    codebook, issues = check_file(file)
    if codebook is None:
        _report_invalid(file, issues, as_json, to_stderr=False)
        return
    data = {
        "file": str(file),
        "valid": True,
        "key": codebook.key,
        "version": codebook.version,
        "sha256": codebook.sha256,
        "tracks": len(codebook.tracks),
        "codes": len(codebook.codes),
        "review_items": len(codebook.review_items),
        "errors": [],
    }
    emit(as_json, data, f"OK {file}: {codebook.summary()}")


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--new-version",
    is_flag=True,
    help="If KEY/VERSION is already stored with other content, store this as the next free version.",
)
@json_option
@pass_settings
def import_(settings: Settings, file: Path, new_version: bool, as_json: bool) -> None:
    """Validate a codebook FILE and store it in the workspace (identical re-import: no change).

    A version used by coded events is locked: a changed file is refused unless --new-version is given.
    """
    from bwvtool.codebook import CodebookInvalid
    from bwvtool.store.codebooks import import_codebook_file, list_codebooks

    with settings.workspace() as ws:
        try:
            result = import_codebook_file(ws, file, actor=settings.user, new_version=new_version)
        except CodebookInvalid as exc:
            _report_invalid(file, list(exc.issues), as_json, to_stderr=not as_json)
            return
        data = result.as_dict()
        data["versions"] = [  # every stored version of the key, so the user sees what a draw may bind
            {"version": c.version, "sha256": c.sha256, "imported_at": c.imported_at, "locked": c.locked}
            for c in list_codebooks(ws.conn)
            if c.key == data["key"]
        ]
    emit(as_json, data, result.describe())


def _flags(code: Any) -> str:
    flags = []
    if code.starrable:
        flags.append("star")
    if code.escalation:
        flags.append(f"escalation {code.escalation}")
    if code.links_cause:
        flags.append("links cause")
    if code.turning_point:
        flags.append("turning point")
    return ", ".join(flags)


def _modifiers(code: Any) -> str:
    parts = []
    for m in code.modifiers:
        if m.type == "number":
            detail = f"{m.minimum:g}..{m.maximum:g}{m.unit}"
        else:
            detail = ("one of " if m.type == "single" else "any of ") + "/".join(m.option_ids)
        parts.append(f"{m.id}{'*' if m.required else ''}: {detail}")
    return "; ".join(parts)


def _answers(item: Any) -> str:
    """What a review item accepts, in a few words."""
    if item.type != "multiple":
        return "/".join(map(str, item.choices))
    alone = f" ({', '.join(item.exclusive_options)} alone)" if item.exclusive_options else ""
    return "any of " + "/".join(item.choices) + alone


def _show_text(stored: Any) -> str:
    cb: Codebook = stored.codebook
    lock = f"locked {stored.locked_at}" if stored.locked_at else "not locked"
    head = [f"{cb.title} — {cb.key} v{cb.version} (id {stored.id}, {lock}, sha256 {stored.sha256[:12]})"]
    tracks = [
        {
            "track": t.id,
            "label": t.label,
            "kinds": "/".join(t.kinds),
            "exclusive": "yes" if t.exclusive else "no",
            "actors": ", ".join(t.actors),
            "colour": t.colour or "",
        }
        for t in cb.tracks
    ]
    codes = [
        {
            "key": c.shortcut or "",
            "code": c.id,
            "label": c.label,
            "type": c.type,
            "track": c.track,
            "actors": ", ".join(a + ("*" if a == c.default_actor else "") for a in c.actors),
            "modifiers": _modifiers(c),
            "flags": _flags(c),
        }
        for c in cb.codes
    ]
    items = [
        {
            "item": i.id,
            "label": i.label,
            "type": i.type,
            "required": "yes" if i.required else "",
            "answers": _answers(i),
        }
        for i in cb.review_items
    ]
    return "\n\n".join(
        [
            "\n".join(head),
            "Tracks\n" + table(tracks, list(tracks[0]) if tracks else []),
            "Codes (* default actor; * after a modifier: required)\n"
            + table(codes, ["key", "code", "label", "type", "track", "actors", "modifiers", "flags"]),
            "Review items\n" + table(items, ["item", "label", "type", "required", "answers"]),
        ]
    )


@group.command("show")
@click.argument("key")
@click.option("--version", "version", type=int, default=None, help="Version to show. Default: the latest.")
@json_option
@pass_settings
def show(settings: Settings, key: str, version: int | None, as_json: bool) -> None:
    """Show a stored codebook: its tracks, codes with their keys, and review items."""
    from bwvtool.store.codebooks import get_codebook

    with settings.workspace() as ws:
        stored = get_codebook(ws.conn, key, version)
    emit(as_json, stored.as_dict() | {"codebook": stored.codebook.data()}, lambda: _show_text(stored))


@group.command("list")
@json_option
@pass_settings
def list_(settings: Settings, as_json: bool) -> None:
    """List the codebook versions stored in the workspace."""
    from bwvtool.store.codebooks import list_codebooks

    with settings.workspace() as ws:
        rows = [s.as_dict() for s in list_codebooks(ws.conn)]
    for row in rows:
        row["locked"] = "yes" if row["locked_at"] else "no"
        row["sha256_12"] = row["sha256"][:12]
    columns = [
        "key",
        "version",
        "title",
        "tracks",
        "codes",
        "review_items",
        "locked",
        "imported_at",
        "sha256_12",
    ]
    emit(as_json, rows, lambda: table(rows, columns))


@group.command("export")
@click.argument("key")
@click.option("--version", "version", type=int, default=None, help="Version to export. Default: the latest.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: .json for JSON, anything else YAML. Refuses to overwrite.",
)
@json_option
@pass_settings
def export(settings: Settings, key: str, version: int | None, out: Path, as_json: bool) -> None:
    """Write an editable copy of a stored codebook (edit it, then import it as a new version)."""
    from bwvtool.codebook.render import to_json, to_yaml
    from bwvtool.errors import UsageError
    from bwvtool.store.codebooks import get_codebook, latest_version

    if out.exists():
        raise UsageError(f"{out} already exists; choose a new file name")
    with settings.workspace() as ws:
        stored = get_codebook(ws.conn, key, version)
        newest = latest_version(ws.conn, key) or stored.version
    cb = stored.codebook
    if out.suffix.lower() == ".json":
        text = to_json(cb)
    else:
        lock_note = (
            f"v{cb.version} is locked: import your edits with 'bwvtool codebook import FILE --new-version'"
            f" (or set version: {newest + 1})."
            if stored.locked
            else f"v{cb.version} is not locked yet: re-importing an edit replaces it."
        )
        text = to_yaml(cb, f"{cb.title}: exported from {settings.db}, sha256 {cb.sha256}\n{lock_note}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    data = {"key": cb.key, "version": cb.version, "out": str(out), "sha256": cb.sha256}
    emit(as_json, data, f"Wrote {cb.key} v{cb.version} to {out}")
    if stored.locked:
        warn(f"note: {cb.key} v{cb.version} is locked; import edits with --new-version")
