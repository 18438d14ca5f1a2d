"""Who is acting: stamped on every audit row, event and review."""

from __future__ import annotations

import getpass
import os


def current_user(explicit: str | None = None) -> str:
    """The acting user: an explicit name, else ``BWVTOOL_USER``, else the login name."""
    if explicit:
        return explicit
    env = os.environ.get("BWVTOOL_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
