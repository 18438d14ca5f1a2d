"""An import is one transaction: killing it mid-way leaves the workspace exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.store import open_workspace

_CHILD = textwrap.dedent(
    """
    import sys
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.store import open_workspace

    def progress(read):
        print(read, flush=True)  # the parent kills us once the first chunks are written

    ws = open_workspace(sys.argv[1])
    import_catalogue(ws, sys.argv[2], progress=progress)
    print("finished", flush=True)
    """
)


def _state(db):
    with open_workspace(db) as ws:
        counts = ws.counts()
        imports = ws.conn.execute("SELECT count(*) FROM catalogue_imports").fetchone()[0]
        return counts, imports, ws.integrity_check(), ws.verify_audit().ok


def test_sigkill_mid_import_leaves_store_as_before(tmp_path):
    db = tmp_path / "ws.sqlite"
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    write_csv(small, synthetic_rows(500, seed=1))
    write_csv(big, ({**row, "clip_id": "K" + row["clip_id"]} for row in synthetic_rows(60_000, seed=2)))
    with open_workspace(db, create=True) as ws:
        import_catalogue(ws, small)
    before = _state(db)
    assert before[0]["clips"] == 500

    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db), str(big)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        # Past 40,000 records read, the first 20,000-row chunk has gone into the open transaction.
        while True:
            line = child.stdout.readline().strip()
            assert line.isdigit(), line  # still importing, not finished
            if int(line) >= 40_000:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    after = _state(db)
    assert after == before
    assert after[2] == [] and after[3] is True
    # The workspace still works: the same import now completes.
    with open_workspace(db) as ws:
        assert import_catalogue(ws, big).inserted == 60_000
