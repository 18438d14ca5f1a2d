"""A problem found in a codebook file, with its exact place: file, line, column and JSON path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bwvtool.errors import BwvError

PathPart = str | int


def json_path(parts: Iterable[PathPart]) -> str:
    """``["codes", 3, "shortcut"]`` → ``$.codes[3].shortcut`` (keys that are not plain names are quoted)."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.replace("_", "a").isalnum() and not part[:1].isdigit():
            text += f".{part}"
        else:
            text += "[" + repr(part) + "]"
    return text


@dataclass(frozen=True)
class Issue:
    """One problem. ``line`` and ``column`` are 1-based; None when the place has no position (empty file)."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f":{self.line}:{self.column}"
        return f"{place}: {self.path}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class CodebookInvalid(BwvError):
    """A codebook failed validation. ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        count = len(self.issues)
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"invalid codebook: {self.issues[0]}{more}" if self.issues else "invalid codebook")
