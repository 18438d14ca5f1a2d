"""What the signed-in person may do on a page of the app, from the team server's own grants.

On a team server the database enforces each role (docs/team-server.md, "What each role may do"): a query a role
may not run is refused, an ERROR in the server's log and, unasked, a traceback in the app. So a page asks here
first and, when the role may not use it, says in one plain line who does that work and what this login is
("Debriefs are written by supervisors; ravi is a reviewer"), and sends nothing. On a file everyone may do
everything. Run it where the connection lives: ``ws.call(access.page, "debrief")``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bwvtool.store import dialect
from bwvtool.store.workspace import Workspace
from bwvtool.wording import a


@dataclass(frozen=True)
class Access:
    """``read``: the page may show its rows; ``write``: and save what is done there; ``why``: one plain line when
    either is refused (empty otherwise)."""

    read: bool = True
    write: bool = True
    why: str = ""


@dataclass(frozen=True)
class _Rule:
    reads: tuple[str, ...]  # the tables the page reads; without them it shows nothing
    writes: tuple[str, ...]  # the tables its work is saved to
    who: str  # who does this work, as the line says it
    read_only: str = (
        ""  # what the line adds for a role that may read but not write ("" : the page needs both)
    )


PAGES = {
    "debrief": _Rule(
        ("debrief_notes", "debrief_drafts"),
        ("debrief_notes", "debrief_drafts"),
        "Debriefs are written by supervisors",
        read_only=" and may only read them",
    ),
    "coding": _Rule(("events", "clip_reviews"), ("events", "clip_reviews"), "Clips are coded by reviewers"),
}


def page(ws: Workspace, name: str) -> Access:
    """What this login may do on page ``name`` (a key of :data:`PAGES`)."""
    rule = PAGES[name]
    read = all(dialect.may_read(ws.conn, table) for table in rule.reads)
    if read and all(dialect.may_write(ws.conn, table) for table in rule.writes):
        return Access()
    login = ws.login() or "you"
    role = ws.team_role()
    what = f"{login} is {a(role)}" if role else f"{login} is in no team role"
    if read and rule.read_only:
        return Access(read=True, write=False, why=f"{rule.who}; {what}{rule.read_only}")
    return Access(read=False, write=False, why=f"{rule.who}; {what}")
