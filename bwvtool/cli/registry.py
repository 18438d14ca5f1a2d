"""The command groups beyond the workspace basics. Add a new group's import here."""

from __future__ import annotations

import importlib

import click

# module path, attribute: each module keeps its commands next to the core code they call.
_GROUPS: list[tuple[str, str]] = []


def commands() -> list[click.Command]:
    return [getattr(importlib.import_module(module), attr) for module, attr in _GROUPS]
