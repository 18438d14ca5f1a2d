"""Files shipped inside the wheel under :mod:`bwvtool.schemas` (schemas, migrations, plans, codebooks)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any


def schema_dir() -> Traversable:
    return resources.files("bwvtool.schemas")


def read_text(relative: str) -> str:
    """Text of a shipped file, e.g. ``read_text("migrations/0001_initial.sql")``."""
    node = schema_dir()
    for part in relative.split("/"):
        node = node / part
    return node.read_text(encoding="utf-8")


@cache
def load_json(relative: str) -> Any:
    """A shipped JSON file, parsed once per process (treat the result as read-only)."""
    return json.loads(read_text(relative))


def list_dir(relative: str) -> list[str]:
    """Names of the files in a shipped folder, sorted."""
    node = schema_dir()
    for part in relative.split("/"):
        node = node / part
    return sorted(child.name for child in node.iterdir() if child.is_file())
