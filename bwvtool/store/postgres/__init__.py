"""The team workspace on a PostgreSQL server: the same store, another engine.

A workspace location is a server when it is a libpq URL (``postgresql://…``, ``postgres://…``) or a libpq
keyword string naming a service or host (``service=bwv``, ``host=… dbname=…``). Passwords never pass through
bwvtool: libpq reads them from ``~/.pgpass`` or the service file, and TLS is asked for in the connection string
(``sslmode=verify-full``). Importing this package is cheap; the driver loads when a server workspace opens.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bwvtool.store.postgres.workspace import ServerWorkspace

_KEYWORDS = re.compile(r"(^|\s)(service|host|hostaddr|dbname)\s*=", re.IGNORECASE)
_PASSWORD = re.compile(r"(://[^:/@?]*):[^@/?]*@")


def display(location: str) -> str:
    """``location`` fit to print: a password written into a URL (discouraged) is blanked."""
    return _PASSWORD.sub(r"\1:***@", str(location))


def is_server_location(location: object) -> bool:
    """Does ``location`` (a --db value) name a PostgreSQL server rather than a SQLite file?"""
    text = str(location)
    return text.startswith(("postgresql://", "postgres://")) or bool(_KEYWORDS.search(text))


def login_of(location: object) -> str | None:
    """The login a server location names (``postgresql://ana@…``, ``user=ana``), or None (libpq's default, the
    login name, or a service file decides)."""
    import psycopg

    try:
        return psycopg.conninfo.conninfo_to_dict(str(location)).get("user") or None
    except psycopg.ProgrammingError:
        return None


def open_workspace(location: str, *, create: bool = False, migrate: bool = True) -> ServerWorkspace:
    """Open the server workspace at ``location`` (``create``: also when its schema is still empty)."""
    from bwvtool.store.postgres.workspace import open_server_workspace

    return open_server_workspace(location, create=create, migrate=migrate)
