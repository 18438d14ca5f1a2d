"""The error a coding edit raises when it breaks a rule (its own module so the commands and the session share it)."""

from __future__ import annotations

from bwvtool.errors import BwvError


class CodingError(BwvError):
    """An edit that cannot be made (ending a state before it began, an unknown code, an overlap …)."""
