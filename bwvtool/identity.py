"""Who is acting: stamped on every audit row, event and review."""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

from bwvtool.errors import UsageError

if TYPE_CHECKING:
    from bwvtool.store.workspace import Workspace


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


def signed_in(workspace: Workspace, named: str | None, named_by: str = "--user") -> str | None:
    """Who acts on ``workspace`` without being asked: on a team server, its login (one per person), never a name
    typed in; None for a file, where the name given (``named``) or asked for is the user.

    A different name given for a server (``named_by``: where it came from, ``--user`` or ``$BWVTOOL_USER``) is
    refused in one line rather than either name being used quietly: the server records the login, and refuses a
    team member's audit rows in another name. Only the server's administrator (a superuser, or a login in no team
    role), whose rows the server accepts in any name, acts as the name given (it sets up and scripts studies)."""
    login = workspace.login()
    if login is None or not named or named == login:
        return login
    if workspace.acts_for_others():
        return named
    drop = f"unset {named_by.lstrip('$')}" if named_by.startswith("$") else f"leave {named_by} out"
    raise UsageError(
        f"{named_by} says {named!r}, but this server signed you in as {login!r} (it records everything you do here"
        f" as {login!r}): {drop}, or connect as {named!r} (postgresql://{named}@…)"
    )
