"""One plain sentence for the operating-system and value errors that export, sample and ELAN commands can meet.

The CLI's last resort prints an exception's class name; a user who gave an unwritable folder or an odd number
should read what went wrong and with which file or value instead. Commands in those groups are wrapped with
:func:`plain_errors`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bwvtool.errors import BwvError, UsageError


def plain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an ``OSError`` into a sentence naming the file and a ``ValueError`` into one naming the value."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BwvError:
            raise
        except OSError as exc:
            raise UsageError(describe_os_error(exc)) from None
        except ValueError as exc:
            raise UsageError(f"a value given is not usable here: {exc}") from None

    return run


def describe_os_error(exc: OSError) -> str:
    """``cannot use /path/file: permission denied`` — never the error's class or number."""
    what = (exc.strerror or "the operating system refused").lower()
    if not exc.filename:
        return f"cannot read or write a file: {what}"
    name = Path(str(exc.filename))
    # A hidden working file (a staging folder, a .part file) is named by the file the user asked for.
    shown = (
        name.with_name(name.name.lstrip(".").split(".partial-")[0].removesuffix(".part"))
        if name.name.startswith(".")
        else name
    )
    return f"cannot use {shown}: {what}"
