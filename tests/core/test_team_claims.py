"""Claims from the unit's pool: every clip goes to exactly one person, even when many claim at once.

Real processes, each with its own connection (on the server, its own reviewer login), claim until the pool is
empty or they hold 40 clips (so no one process can take the whole pool while the others are still starting, on a
busy machine); the union of what they got is the pool, with no clip twice. The same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter

import pytest

from bwvtool.coding import claims
from bwvtool.errors import UsageError
from bwvtool.store import audit, open_workspace
from bwvtool.store import pool as pool_rows
from bwvtool.store import queue as queue_rows
from tests.core.team_fixture import REPO, as_login, json_of, people, pooled_sample, run_bwvtool

pytestmark = pytest.mark.both_engines

CLAIMER = """
import json, sys
from bwvtool.coding.claims import claim_next
from bwvtool.store import open_workspace
location, user = sys.argv[1], sys.argv[2]
got = []
with open_workspace(location) as ws:
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # everyone starts together
    while len(got) < 40 and (row := claim_next(ws, user)) is not None:
        got.append(row.clip_id)
print(json.dumps(got))
"""


def test_eight_processes_claim_two_hundred_clips_each_exactly_once(workspace, workspace_location):
    sample = pooled_sample(workspace, 200)
    assert claims.share_sample(workspace, sample, "ada") == 200
    logins = people(workspace_location, [f"rev{n}" for n in range(8)])
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, str(as_login(workspace_location, login)), login],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for login in logins.values()
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:  # release them all at once
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = {}
    for login, proc in zip(logins.values(), procs, strict=True):
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0
        results[login] = json.loads(out.strip().splitlines()[-1])
    claimed = Counter(clip for got in results.values() for clip in got)
    assert len(claimed) == 200 and set(claimed.values()) == {1}  # none lost, none twice
    assert sum(bool(got) for got in results.values()) >= 5  # 200 clips, at most 40 each: shared out
    rows = pool_rows.rows(workspace.conn, sample)
    assert all(row.claimed_by is not None and row.assignment_id is not None for row in rows)
    for login, got in results.items():  # each clip is in the claimer's queue, and only theirs
        assert sorted(item.clip_id for item in queue_rows.for_coder(workspace.conn, login)) == sorted(got)
    claims_audited = workspace.conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'pool.claim'"
    ).fetchone()
    assert claims_audited[0] == 200
    assert audit.verify(workspace.conn).ok


def test_claim_and_release_from_the_command_line(workspace, workspace_location):
    sample = pooled_sample(workspace, 3)
    logins = people(workspace_location, ["rosa", "ravi"])
    admin = people(workspace_location, ["ana"], role="admin")["ana"]
    shared = run_bwvtool(as_login(workspace_location, admin), admin, "queue", "share", str(sample), "--json")
    assert json_of(shared) == {"sample_id": sample, "added": 3}
    rosa, ravi = (as_login(workspace_location, logins[n]) for n in ("rosa", "ravi"))
    first = json_of(run_bwvtool(rosa, logins["rosa"], "queue", "claim", "--json"))
    second = json_of(run_bwvtool(ravi, logins["ravi"], "queue", "claim", "--json"))
    assert (first["clip_id"], second["clip_id"]) == ("P0000", "P0001")
    mine = json_of(run_bwvtool(rosa, logins["rosa"], "queue", "--json"))
    assert [row["clip_id"] for row in mine] == ["P0000"]
    # ravi cannot give back rosa's clip; rosa can give back hers while untouched, and ravi then takes it
    refused = run_bwvtool(ravi, logins["ravi"], "queue", "release", "P0000")
    assert refused.returncode != 0 and refused.stderr.strip().count("\n") == 0
    assert "not a clip you took from the pool" in refused.stderr
    released = run_bwvtool(rosa, logins["rosa"], "queue", "release", "P0000")
    assert released.returncode == 0, released.stderr
    assert json_of(run_bwvtool(ravi, logins["ravi"], "queue", "claim", "--json"))["clip_id"] == "P0000"
    assert json_of(run_bwvtool(rosa, logins["rosa"], "queue", "claim", "--json"))["clip_id"] == "P0002"
    empty = run_bwvtool(rosa, logins["rosa"], "queue", "claim")
    assert empty.returncode == 1 and "Nothing left to claim" in empty.stdout
    pool = json_of(run_bwvtool(rosa, logins["rosa"], "queue", "pool", "--json"))
    assert {row["clip_id"]: row["claimed_by"] for row in pool} == {
        "P0000": logins["ravi"], "P0001": logins["ravi"], "P0002": logins["rosa"]
    }  # fmt: skip
    actions = [
        r[0]
        for r in workspace.conn.execute("SELECT action FROM audit_log WHERE action LIKE 'pool.%' ORDER BY id")
    ]
    assert actions == ["pool.add", "pool.claim", "pool.claim", "pool.release", "pool.claim", "pool.claim"]


def test_a_started_clip_stays_with_its_claimer(workspace, workspace_location):
    sample = pooled_sample(workspace, 1)
    claims.share_sample(workspace, sample, "ada")
    login = people(workspace_location, ["rosa"])["rosa"]
    with open_workspace(as_login(workspace_location, login)) as ws:
        row = claims.claim_next(ws, login)
        with ws.transaction(login) as tx:
            queue_rows.mark_started(tx, clip_id=row.clip_id, coder_id=ws.find_coder(login))
        with pytest.raises(UsageError, match="already started"):
            claims.release(ws, login, row.clip_id)
    assert pool_rows.counts(workspace.conn) == (0, 1)


def test_a_claim_is_given_back_only_with_its_assignment(workspace, workspace_location):
    """Raw SQL that unclaims a pool row while its assignment exists (the clip would go to two people) is refused
    by the database, on both engines; on the server as the reviewer's own login."""
    sample = pooled_sample(workspace, 1)
    claims.share_sample(workspace, sample, "ada")
    login = people(workspace_location, ["rosa"])["rosa"]
    with open_workspace(as_login(workspace_location, login)) as ws:
        row = claims.claim_next(ws, login)
        with pytest.raises(sqlite3.IntegrityError, match="give it back with bwvtool queue release"):
            ws.conn.execute("UPDATE queue_pool SET claimed_by = NULL WHERE id = ?", (row.id,))
        claims.release(ws, login, row.clip_id)  # the way that deletes the assignment first
    assert pool_rows.counts(workspace.conn) == (1, 0)
    assert queue_rows.for_coder(workspace.conn, login) == []
