"""A catalogue import never freezes a reviewer: real processes, a real import, a real key-press loop.

One process imports a synthetic catalogue through the command line while another commits small transactions in a
loop, as key presses do (an event-like row and its audit row, BEGIN IMMEDIATE … COMMIT), and records what each saw.
The import holds the write lock only in short steps (at most MAX_STEP_ROWS rows each) and the presses go in between
them: they see the import still applying, at many different stages. Nothing here is timed — how long a step or a
wait takes depends on the machine's load (one stall of the import's process inside a step made its "longest step"
a quarter of the whole), so the figures are printed, and bench/bench_import.py measures them. None of the presses
fails, and the audit chain holds everything. Then: a second import while one runs, and a writer that holds the lock,
give one "busy:" line, never SQLite's words.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from bwvtool.catalogue.importer import MAX_STEP_ROWS
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.store import open_workspace
from tests.reliability.cancelling import frozen, until

ROWS = 120_000
_PRESSES = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from bwvtool.store import open_workspace

    db, stop, out, pressing = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    ws = open_workspace(db)
    presses = []
    n = 0
    while not stop.exists():
        n += 1
        started = time.perf_counter()
        with ws.transaction("reviewer") as tx:  # BEGIN IMMEDIATE: waits for the lock like a key press
            got_lock = time.perf_counter()
            applying = tx.execute("SELECT count(*) FROM catalogue_imports WHERE state = 'applying'").fetchone()[0]
            clips = tx.execute("SELECT count(*) FROM clips").fetchone()[0]
            tx.execute("INSERT INTO coders (name, role, created_at) VALUES (?, 'reviewer', ?)", (f"press{n}", tx.at))
            tx.audit("coder.register", "coder", f"press{n}", {"press": n})
        presses.append({"wait_s": got_lock - started, "total_s": time.perf_counter() - started,
                        "during_import": bool(applying), "clips": clips})
        pressing.touch()
        time.sleep(0.02)
    ws.close()
    Path(out).write_text(json.dumps(presses))
    """
)


def _bwvtool(db, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(db), "--user", "ana", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        **kwargs,
    )


def test_key_presses_commit_between_the_steps_of_a_large_import(tmp_path):
    db, source = tmp_path / "ws.sqlite", tmp_path / "big.csv"
    write_csv(source, synthetic_rows(ROWS, seed=5))
    open_workspace(db, create=True).close()
    stop, out, pressing = tmp_path / "stop", tmp_path / "presses.json", tmp_path / "pressing"
    presser = subprocess.Popen([sys.executable, "-c", _PRESSES, str(db), str(stop), str(out), str(pressing)])
    try:
        until(pressing.exists, "the first press")  # the presses are under way before the import starts
        done = _bwvtool(db, "catalogue", "import", str(source), "--json", timeout=600)
    finally:
        stop.touch()
        presser.wait(timeout=60)
    assert done.returncode == 0, done.stderr
    assert presser.returncode == 0  # not one press failed ("database is locked" would end it)
    report = json.loads(done.stdout)
    presses = json.loads(out.read_text())
    during = [p for p in presses if p["during_import"]]

    assert report["inserted"] == ROWS
    # The import held the lock in many short steps (the old import held it for all of it) …
    assert report["steps"] > ROWS // MAX_STEP_ROWS
    # … and the presses went in between them: they saw it applying, at many different stages.
    stages = {p["clips"] for p in during}
    assert len(stages) >= 10, (sorted(stages), report)
    longest = max(p["wait_s"] for p in during)
    print(f"\n{len(during)} presses during a {ROWS:,}-row import in {report['steps']} steps ({report['elapsed_s']} s),"
          f" at {len(stages)} stages; longest wait {longest:.3f} s; import's longest step"
          f" {report['longest_step_s']:.3f} s")  # fmt: skip

    with open_workspace(db) as ws:
        assert ws.integrity_check() == []
        assert ws.verify_audit().ok
        names = {r[0] for r in ws.conn.execute("SELECT name FROM coders WHERE name LIKE 'press%'")}
        assert len(names) == len(presses)  # every press that was shown saved is there


def test_a_second_import_says_who_is_importing(tmp_path):
    db, source = tmp_path / "ws.sqlite", tmp_path / "big.csv"
    write_csv(source, synthetic_rows(60_000, seed=6))
    open_workspace(db, create=True).close()
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bwvtool",
            "--db",
            str(db),
            "--user",
            "ana",
            "catalogue",
            "import",
            str(source),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def holds_lease() -> bool:
        with open_workspace(db) as ws:
            return bool(ws.conn.execute("SELECT count(*) FROM workspace_leases").fetchone()[0])

    try:
        until(holds_lease, "the first import's lease")
        with frozen(first.pid):  # it stays where it is, lease held, however fast it would have finished
            assert holds_lease()
            second = _bwvtool(db, "--user", "ben", "catalogue", "import", str(source), timeout=60)
    finally:
        first.wait(timeout=600)
    assert second.returncode == 2
    line = second.stderr.strip()
    assert line.startswith("bwvtool: busy: catalogue import by ana since ") and line.endswith(
        "try again when it finishes"
    ), line
    assert "\n" not in line and "OperationalError" not in line and "locked" not in line
    assert first.returncode == 0, first.stderr


def test_a_command_that_cannot_get_the_lock_says_who_holds_it(tmp_path):
    """The lock held for longer than the command waits: one busy line naming the lease's job, exit 2."""
    db, source = tmp_path / "ws.sqlite", tmp_path / "small.csv"
    write_csv(source, synthetic_rows(10, seed=7))
    open_workspace(db, create=True).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db)], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        done = _bwvtool(db, "catalogue", "import", str(source), timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 2
    line = done.stderr.strip()
    assert line.startswith("bwvtool: busy: workspace backup by cara since "), line
    assert "OperationalError" not in line and "database is locked" not in line


_HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time
    from bwvtool.store import leases, open_workspace

    ws = open_workspace(sys.argv[1])
    leases.acquire(ws.conn, "workspace backup", "cara")
    ws.conn.execute("BEGIN IMMEDIATE")  # and keep the write lock
    print("holding", flush=True)
    time.sleep(600)
    """
)
