"""A draw computes outside the write lock: another program keeps committing while it runs, and the draw stores
only what it computed from an unchanged catalogue."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.store import open_workspace
from tests.conftest import REPO

WRITER = (
    "import sys, time\n"
    "from bwvtool.store import open_workspace\n"
    "ws = open_workspace(sys.argv[1])\n"
    "end = time.time() + float(sys.argv[2])\n"
    "while time.time() < end:\n"
    "    with ws.transaction('coder') as tx:\n"
    "        tx.audit('test.press', 'workspace')\n"
    "    print(time.time(), flush=True)\n"
    "    time.sleep(0.002)\n"
)


def test_other_programs_commit_while_a_draw_computes(tmp_path):
    source = tmp_path / "cat.csv"
    write_csv(source, synthetic_rows(120_000, seed=5))
    ws = open_workspace(tmp_path / "ws.sqlite", create=True)
    import_catalogue(ws, source, actor="test")
    with ws.transaction("lead") as tx:
        ws.coder_id(tx, "c1")
        ws.coder_id(tx, "c2")
    ws.close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path / "ws.sqlite"), "60"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)
        started = time.time()
        drawn = subprocess.run(
            [sys.executable, "-m", "bwvtool", "--db", str(tmp_path / "ws.sqlite"), "sample", "draw", "ss_research_study",
             "--seed", "3", "--as-of", "2021-03-31", "--coders", "c1,c2", "--json"],
            cwd=REPO, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        finished = time.time()
    finally:
        writer.kill()
        commits = [float(line) for line in writer.communicate()[0].split()]
    assert drawn.returncode == 0, drawn.stderr
    timings = json.loads(drawn.stdout).get("timings")
    during = [t for t in commits if started < t < finished]
    # The draw spent most of its run reading and computing; the writer committed all along.
    assert len(during) >= 5, (len(during), finished - started, timings)
