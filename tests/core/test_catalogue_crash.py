"""An import killed at any moment leaves all of it or none of it: real processes, real SIGKILLs.

While it applies, an import's clips appear step by step, but it is never taken for a finished one: it stays
``applying``, has no ``catalogue.import`` audit row, and draws refuse. The next import or ``bwvtool catalogue
recover`` rolls a killed one back from its journal: the workspace is then exactly as before (every clip's every
column), integrity_check is ok and the audit chain verifies.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date

import pytest

from bwvtool import sampling
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.errors import WorkspaceBusy
from bwvtool.store import open_workspace

_CHILD = textwrap.dedent(
    """
    import sys
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.store import open_workspace

    def progress(read):
        print(read, flush=True)

    ws = open_workspace(sys.argv[1])
    import_catalogue(ws, sys.argv[2], progress=progress)
    print("finished", flush=True)
    """
)
BIG = 60_000


def _fingerprint(db) -> tuple:
    """Everything a user could see of the catalogue: every column of every clip and incident, and the imports."""
    with open_workspace(db) as ws:
        digest = hashlib.sha256()
        for row in ws.conn.execute("SELECT * FROM clips ORDER BY clip_id"):
            digest.update(repr(row).encode())
        for row in ws.conn.execute("SELECT incident_id FROM incidents ORDER BY incident_id"):
            digest.update(repr(row).encode())
        finished = ws.conn.execute("SELECT count(*) FROM catalogue_imports WHERE state = 'done'").fetchone()[
            0
        ]
        return digest.hexdigest(), ws.counts()["clips"], finished


def _healthy(db) -> None:
    with open_workspace(db) as ws:
        assert ws.integrity_check() == []
        assert ws.verify_audit().ok


@pytest.fixture
def files(tmp_path):
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    write_csv(small, synthetic_rows(500, seed=1))
    rows = list(synthetic_rows(BIG, seed=2))
    # The big file inserts new clips and changes the 500 known ones (their borough), so a rollback must both
    # delete and restore.
    changed = [{**row, "clip_id": row["clip_id"], "borough": "Camden"} for row in synthetic_rows(500, seed=1)]
    write_csv(big, changed + [{**row, "clip_id": "K" + row["clip_id"]} for row in rows])
    return small, big


def _start(db, big):
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db), str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_a_random_moment_leaves_all_or_nothing(workspace_location, files, seed):
    small, big = files
    db = workspace_location
    with open_workspace(db, create=True) as ws:
        import_catalogue(ws, small)
    before = _fingerprint(db)

    child = _start(db, big)
    try:
        assert child.stdout.readline().strip().isdigit()  # it is importing (20,000 records read)
        time.sleep(random.Random(seed).uniform(0.0, 2.5))  # then a random moment: mid-step, between, or after
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()

    with open_workspace(db) as ws:
        unfinished = ws.conn.execute(
            "SELECT count(*) FROM catalogue_imports WHERE state = 'applying'"
        ).fetchone()[0]
        audited = ws.conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'catalogue.import'"
        ).fetchone()[0]
        assert audited == (1 if unfinished else 2)  # never taken for finished before its last step
        if unfinished:
            with pytest.raises(WorkspaceBusy, match="interrupted"):
                sampling.preview(
                    ws, "supervisor_dip", date(2021, 3, 1)
                )  # a half import is not a catalogue to draw from

    done = subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(db), "catalogue", "recover", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    after = _fingerprint(db)
    if unfinished:
        assert after == before  # none of it: every clip as it was, the new ones gone
    else:
        assert after[1] == 500 + BIG and after[2] == 2  # all of it
    _healthy(db)
    if seed == 1:  # and the workspace still works: the same import now completes (once: it takes a while)
        with open_workspace(db) as ws:
            report = import_catalogue(ws, big)
            assert report.rejected == 0 and report.rows_read == BIG + 500
        assert _fingerprint(db)[1] == 500 + BIG
        _healthy(db)


def test_the_next_import_rolls_back_a_killed_one_first(workspace_location, files):
    small, big = files
    db = workspace_location
    with open_workspace(db, create=True) as ws:
        import_catalogue(ws, small)
    before = _fingerprint(db)
    child = _start(db, big)
    try:
        while int(child.stdout.readline().strip() or 0) < 40_000:
            pass
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    with open_workspace(db) as ws:
        states = [r[0] for r in ws.conn.execute("SELECT state FROM catalogue_imports ORDER BY id")]
        assert states == ["done", "applying"]
        assert ws.counts()["clips"] > 500  # its first steps are in: applied, not finished
        report = import_catalogue(ws, small)  # the next import: the killed one is undone first
        assert report.unchanged == 500 and report.inserted == report.updated == 0
        states = [r[0] for r in ws.conn.execute("SELECT state FROM catalogue_imports ORDER BY id")]
        assert states == ["done", "rolled_back", "done"]
        actions = [r[0] for r in ws.conn.execute("SELECT action FROM audit_log ORDER BY id")]
        assert actions[-2:] == ["catalogue.import.rollback", "catalogue.import"]
        assert ws.conn.execute("SELECT count(*) FROM import_undo").fetchone()[0] == 0
    assert _fingerprint(db)[:2] == before[:2]
    _healthy(db)
