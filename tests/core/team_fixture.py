"""A workspace for several people at once: clips, a sample whose clips the unit's pool holds, reviewer logins.

Built through SQL on either engine (the same statements run on SQLite and PostgreSQL); on a server each person
is a real login in their team role, so the claims and edits in the tests go through the server's row security.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from bwvtool.store import open_workspace
from bwvtool.store.postgres import is_server_location

NOW = "2026-11-02T10:00:00.000Z"
REPO = Path(__file__).resolve().parents[2]


def people(location, names: list[str], role: str = "reviewer") -> dict[str, str]:
    """Each name -> its login (unique per test on a server, where logins are cluster-wide), added in ``role``."""
    if not is_server_location(location):
        return {name: name for name in names}
    from bwvtool.store.postgres import roles

    tag = uuid.uuid4().hex[:6]
    logins = {name: f"{name}_{tag}" for name in names}
    with open_workspace(str(location)) as ws:
        for login in logins.values():
            roles.add_user(ws, login, role, actor="postgres")
    return logins


def as_login(location, login: str):
    """The location as ``login`` connects to it (a server URL with that user; a file is the same file)."""
    if not is_server_location(location):
        return location
    import psycopg

    return psycopg.conninfo.make_conninfo(str(location), user=login)


def pooled_sample(ws, clips: int, *, codebook: str | None = None) -> int:
    """``clips`` catalogue clips (P0000…), one sample holding them all with no coder assigned; its id."""
    conn = ws.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO incidents (incident_id, created_at) VALUES ('I1', ?)", (NOW,))
    conn.executemany(
        "INSERT INTO clips (clip_id, incident_id, recorded_at, recorded_ts, duration_s, officer_ref, borough,"
        " row_hash, created_at, updated_at) VALUES (?, 'I1', ?, 1793613600, 60, 'PC101', 'Lambeth', 'h', ?, ?)",
        [(f"P{n:04d}", NOW, NOW, NOW) for n in range(clips)],
    )
    sample = conn.execute(
        "INSERT INTO samples (name, plan_text, plan_sha256, seed, unit, drawn_at, drawn_by, frame_sha256,"
        " frame_size, manifest_sha256, report, codebook) VALUES ('week 45', '', '', 1, 'clip', ?, 'ada', '', ?, '',"
        " '{}', ?)",
        (NOW, clips, codebook),
    ).lastrowid
    conn.executemany(
        "INSERT INTO sample_items (sample_id, clip_id, unit_id, stratum, selection, inclusion_prob, design_weight,"
        " draw_order) VALUES (?, ?, ?, NULL, 'sample', 1, 1, ?)",
        [(sample, f"P{n:04d}", f"P{n:04d}", n) for n in range(clips)],
    )
    conn.execute("COMMIT")
    return int(sample)


def run_bwvtool(location, user: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``bwvtool --db LOCATION --user USER ARGS`` in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(location), "--user", user, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def json_of(result: subprocess.CompletedProcess):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
