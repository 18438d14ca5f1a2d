"""The README's "Team server" section, run as written: its commands cannot drift from what bwvtool does.

The first block (installing Debian's PostgreSQL, starting it, making you a login that may create databases and
people) is checked for what it runs; the second block is run verbatim by bash against a throwaway cluster set up
the way that first block leaves a Debian machine: the socket trusts its own user (peer authentication there),
``localhost`` asks every login for its password (SCRAM, as Debian's pg_hba does), and the user running the
commands is a login with CREATEDB and CREATEROLE. Only ``$HOME``, ``$PGHOST`` and ``$PGPORT`` point elsewhere.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from bwvtool.store import open_workspace
from bwvtool.store import pool as pool_rows
from tests import pg

REPO = Path(__file__).resolve().parents[2]


def _block(marker: str) -> str:
    """The whole bash block after ``**marker**`` in the README."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split(f"**{marker}**", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_setup_block_installs_and_starts_the_server_and_makes_you_its_owner():
    (line,) = [line for line in _block("Set up a team server").splitlines() if line.strip()]
    assert line.startswith("sh scripts/install-system-deps.sh --server ") and "sudo " not in line
    script = (REPO / "scripts" / "install-system-deps.sh").read_text(encoding="utf-8")
    for step in ("postgresql", "pg_ctlcluster", "createuser --createdb --createrole", "SUDO_USER"):
        assert step in script
    checked = subprocess.run(
        ["sh", "-n", str(REPO / "scripts" / "install-system-deps.sh")], capture_output=True
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.skipif(pg.bin_dir() is None or shutil.which("bash") is None, reason="no PostgreSQL or bash")
def test_the_team_block_runs_as_written(tmp_path):
    port = _free_port()
    with pg.throwaway("bwvtool-readme-pg-", tcp_port=port) as cluster:
        owner = getpass.getuser()
        superuser = f"postgresql://{pg.SUPERUSER}@/postgres?host={cluster.socket_dir}&port={port}"
        with psycopg.connect(superuser, autocommit=True) as conn:  # what install-system-deps.sh --server does
            conn.execute(f'CREATE ROLE "{owner}" LOGIN CREATEDB CREATEROLE')
        home = tmp_path / "home"
        home.mkdir()
        (home / ".venv").symlink_to(Path(sys.prefix))  # the README runs .venv/bin/bwvtool from the checkout
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BWVTOOL_", "PG"))}
        env |= {"HOME": str(home), "PGHOST": str(cluster.socket_dir), "PGPORT": str(port)}
        script = "set -euo pipefail\n" + _block(
            "Make the team's workspace, add three people and have them work at once"
        )
        ran = subprocess.run(
            ["bash", "-c", script],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            start_new_session=True,  # no terminal: --password reads the piped line, as in a script
        )
        assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
        assert "ravi is a reviewer on this workspace" in ran.stdout
        assert "Claimed " in ran.stdout and "clips in the unit's pool" in ran.stdout
        assert (home / ".pgpass").stat().st_mode & 0o077 == 0
        pgpass = (home / ".pgpass").read_text().splitlines()
        assert [line.split(":")[3] for line in pgpass] == ["ana", "ravi", "rosa"]
        assert not (home / "bwv-demo" / "bwvtool.sqlite").exists()  # the demo went into the server database
        # Each person signs in over TCP with the password from ~/.pgpass, in their own role.
        with open_workspace(f"postgresql://ravi@localhost:{port}/bwv?passfile={home / '.pgpass'}") as ws:
            rows = pool_rows.rows(ws.conn)
            assert len(rows) == 20
            (row,) = [r for r in rows if r.claimed_by is not None]
            assert row.claimed_by == "ravi"
            assert ws.conn.execute("SELECT current_user").fetchone()[0] == "ravi"
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(f"postgresql://ravi:wrong@localhost:{port}/bwv").close()
        with open_workspace(f"postgresql://{owner}@/bwv?host={cluster.socket_dir}&port={port}") as ws:
            roles = dict(
                ws.conn.execute(
                    "SELECT m.rolname, g.rolname FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member"
                    " JOIN pg_roles g ON g.oid = a.roleid WHERE m.rolname IN ('ana', 'ravi', 'rosa')"
                ).fetchall()
            )
            assert roles == {"ana": "bwvtool_admin", "ravi": "bwvtool_reviewer", "rosa": "bwvtool_researcher"}
            assert ws.verify_audit().ok
