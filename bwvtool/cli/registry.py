"""The command groups beyond the workspace basics. Add a new group's import here."""

from __future__ import annotations

import importlib

import click

# module path, attribute: each module keeps its commands next to the core code they call.
_GROUPS: list[tuple[str, str]] = [
    ("bwvtool.cli.catalogue_cmds", "group"),
    ("bwvtool.cli.media_cmds", "group"),
    ("bwvtool.cli.sample_cmds", "group"),
    ("bwvtool.cli.codebook_cmds", "group"),
    ("bwvtool.cli.coder_cmds", "coder_group"),
    ("bwvtool.cli.coding_cmds", "queue"),
    ("bwvtool.cli.coding_cmds", "events_group"),
    ("bwvtool.cli.coding_cmds", "review_group"),
    ("bwvtool.cli.app_cmds", "demo"),
    ("bwvtool.cli.app_cmds", "gui"),
    ("bwvtool.cli.debrief_cmds", "debrief"),
    ("bwvtool.cli.debrief_cmds", "excerpt"),
    ("bwvtool.cli.debrief_cmds", "report"),
    ("bwvtool.cli.export_cmds", "export_group"),
    ("bwvtool.cli.export_cmds", "import_group"),
    ("bwvtool.cli.export_cmds", "reliability"),
    ("bwvtool.cli.export_cmds", "sequences"),
    ("bwvtool.cli.server_cmds", "server_group"),
    ("bwvtool.cli.server_cmds", "workspace_group"),
    ("bwvtool.cli.transcript_cmds", "transcript_group"),
    ("bwvtool.cli.transcript_cmds", "suggestion_group"),
    ("bwvtool.cli.incident_cmds", "incident_group"),
]


def commands() -> list[click.Command]:
    return [getattr(importlib.import_module(module), attr) for module, attr in _GROUPS]
