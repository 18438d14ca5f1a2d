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
    ("bwvtool.cli.app_cmds", "demo"),
    ("bwvtool.cli.app_cmds", "gui"),
]


def commands() -> list[click.Command]:
    return [getattr(importlib.import_module(module), attr) for module, attr in _GROUPS]
