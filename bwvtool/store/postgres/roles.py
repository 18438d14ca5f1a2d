"""Team members on the server: one PostgreSQL login per person, each a member of one bwvtool role.

The roles and what each may read and write are in the server migrations (0001 onwards: privileges and row-level
security); this module adds people to them and grants a researcher the identified catalogue fields. Every change
is one transaction with its audit row. Passwords are never stored by bwvtool: ``password`` is hashed on this
machine (SCRAM-SHA-256, by libpq) and only the verifier is sent to the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from bwvtool.errors import UsageError
from bwvtool.store.postgres.workspace import ServerWorkspace

ROLES = ("reviewer", "researcher", "supervisor", "admin")
# Catalogue fields that identify an officer or the footage itself; researchers read them only when granted.
IDENTIFIED_CLIP_COLUMNS = ("officer_ref", "camera_id", "media_path", "sha256", "media_probe", "notes", "extra",
                           "row_hash", "import_id", "media_checked_at")  # fmt: skip
GRANTS = {"identified": IDENTIFIED_CLIP_COLUMNS}
_LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")


@dataclass(frozen=True)
class Member:
    name: str
    role: str | None
    can_login: bool
    identified: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "can_login": self.can_login,
            "identified": self.identified,
        }


def group(role: str) -> str:
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return f"bwvtool_{role}"


def _check_login(name: str) -> None:
    if not _LOGIN.match(name):
        raise UsageError(
            f"login name {name!r} must be lower-case letters, digits, '_', '.' or '-' (starting with a letter)"
        )


def _ident(ws: ServerWorkspace, name: str) -> str:
    return sql.Identifier(name).as_string(ws.conn.raw)


def add_user(ws: ServerWorkspace, name: str, role: str, *, actor: str, password: str | None = None) -> None:
    """Create login ``name`` (or take the existing one) as a member of ``role`` only, able to connect here."""
    _check_login(name)
    wanted = group(role)
    login = _ident(ws, name)
    with ws.transaction(actor) as tx:
        exists = tx.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone()
        if not exists:
            tx.execute(f"CREATE ROLE {login} LOGIN")
        for other in ROLES:
            if group(other) != wanted:
                tx.execute(f"REVOKE {group(other)} FROM {login}")
        tx.execute(f"GRANT {wanted} TO {login}")
        database = tx.execute("SELECT current_database()").fetchone()[0]
        tx.execute(f"GRANT CONNECT ON DATABASE {_ident(ws, database)} TO {login}")
        if password is not None:
            verifier = ws.conn.raw.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
            literal = sql.Literal(verifier.decode()).as_string(ws.conn.raw)
            tx.execute(f"ALTER ROLE {login} PASSWORD {literal}")
        tx.execute(
            "INSERT INTO coders (name, role, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET role = excluded.role",
            (name, role, tx.at),
        )
        tx.audit("server.user_add", "coder", name, {"role": role, "new_login": not exists})


def grant(ws: ServerWorkspace, name: str, what: str, *, actor: str, revoke: bool = False) -> None:
    """Give (or take back) person ``name`` the fields of grant ``what`` (``identified``), audited."""
    if what not in GRANTS:
        raise UsageError(f"unknown grant {what!r}; choose one of {', '.join(GRANTS)}")
    _check_login(name)
    columns = ", ".join(GRANTS[what])
    login = _ident(ws, name)
    with ws.transaction(actor) as tx:
        if not tx.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)).fetchone():
            raise UsageError(f"no login {name!r} on this server (add it with 'bwvtool server user add')")
        if revoke:
            tx.execute(f"REVOKE SELECT ({columns}) ON clips FROM {login}")
        else:
            tx.execute(f"GRANT SELECT ({columns}) ON clips TO {login}")
        action = "server.revoke" if revoke else "server.grant"
        tx.audit(action, "coder", name, {"grant": what, "columns": list(GRANTS[what])})


def members(ws: ServerWorkspace) -> list[Member]:
    """Everyone in a bwvtool role on this server, with their role and whether they hold identified fields."""
    rows = ws.conn.execute(
        "SELECT m.rolname, g.rolname, m.rolcanlogin,"
        " has_column_privilege(m.oid, 'clips', 'officer_ref', 'SELECT')"
        " FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member"
        " WHERE g.rolname IN ('bwvtool_reviewer', 'bwvtool_researcher', 'bwvtool_supervisor', 'bwvtool_admin')"
        " ORDER BY m.rolname"
    ).fetchall()
    return [Member(name, group_name.removeprefix("bwvtool_"), bool(login), bool(ident))
            for name, group_name, login, ident in rows]  # fmt: skip
