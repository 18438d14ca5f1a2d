"""Catalogue import: time beside a bare insert of the same rows with the same settings, and peak memory, per size.

For each size N (default 100,000 and 1,000,000):

1. Generate a synthetic catalogue CSV of N rows (``bwvtool.catalogue.synthetic``), not timed.
2. Baseline, in a fresh process: the rows the import will store, already parsed and normalised into tuples in
   memory (not timed), inserted by one ``executemany`` in one transaction into a fresh workspace's (identical,
   indexed) clips table, with the import's connection settings (``bulk_load``: the same page cache).
3. ``bwvtool catalogue import`` of the CSV into another fresh workspace, in a fresh process: reading, UTF-8 check
   and SHA-256 of the file, CSV parsing, validation, normalisation, row hashes, duplicate check, incidents,
   foreign keys, the steps that share the write lock (letting waiting writers in), the undo journal, audit, the
   sampling snapshot built and published. A large file is checked, and the snapshot built, by the import's
   checking process: its CPU time is counted with the import's, and its peak RSS (``ru_maxrss`` of the children)
   is added to the importing process's own ``VmHWM``.

Baseline and import alternate (``--repeat``); the best of each is shown, with the ratio of wall-clock times and
of CPU times (steadier on a shared machine). Targets (issue 13):
import <= 1.5 x baseline; peak RSS <= 300 MB at 1,000,000 rows and flat in N.

Run:  python bench/bench_import.py [--rows 100000,1000000] [--repeat 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from figures import Figure, emit

_BASELINE = textwrap.dedent(
    """
    import json, sqlite3, sys, time
    from bwvtool.catalogue.readers import CsvReader
    from bwvtool.catalogue.rows import Normaliser
    from bwvtool.store import open_workspace
    from bwvtool.store.catalogue import INSERT_CLIP_SQL, bulk_load

    db, csv_path = sys.argv[1], sys.argv[2]
    open_workspace(db, create=True).close()
    normaliser = Normaliser(text=True)
    at = "2024-01-01T00:00:00.000Z"
    tail = (None, "unchecked", None, None, at, at)
    reader = CsvReader(__import__("pathlib").Path(csv_path))
    rows = [normaliser.normalise(values, extra) + tail for _, _, values, extra, _ in reader]
    reader.close()
    incidents = sorted({r[1] for r in rows})
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    with bulk_load(conn):
        start, cpu = time.perf_counter(), time.process_time()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO incidents (incident_id, created_at) VALUES (?, ?)", ((i, at) for i in incidents))
        conn.executemany(INSERT_CLIP_SQL, rows)
        conn.execute("COMMIT")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"seconds": elapsed, "cpu_s": cpu}))
    """
)
_IMPORT = textwrap.dedent(
    """
    import json, os, resource, sys, time
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.store import open_workspace

    def peak_mb():  # this process's own high-water mark (ru_maxrss would count the forking parent's too)
        status = open("/proc/self/status").read()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024

    db, csv_path = sys.argv[1], sys.argv[2]
    open_workspace(db, create=True).close()
    ws = open_workspace(db)
    def cpu_s():  # this process's and its finished children's (the checking process): the whole import's
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system
    start, cpu = time.perf_counter(), cpu_s()
    report = import_catalogue(ws, csv_path, actor="bench")
    elapsed, cpu = time.perf_counter() - start, cpu_s() - cpu
    ws.close()
    assert report.inserted == report.rows_read and not report.rejected, report.as_dict(3)
    # The checking process's peak (it checks the file and builds the snapshot): the largest waited-for child's.
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "cpu_s": cpu,
                      "rss_mb": peak_mb(), "child_rss_mb": child_mb,
                      "steps": report.steps, "longest_step_s": report.longest_step_s}))
    """
)


_PRESSES = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from bwvtool.store import open_workspace

    db, stop, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    ws = open_workspace(db)
    waits, n = [], 0
    while not stop.exists():
        n += 1
        started = time.perf_counter()
        with ws.transaction("reviewer") as tx:  # a key press: BEGIN IMMEDIATE, a row and its audit row
            waited = time.perf_counter() - started
            applying = tx.execute("SELECT count(*) FROM catalogue_imports WHERE state = 'applying'").fetchone()[0]
            tx.execute("INSERT INTO coders (name, role, created_at) VALUES (?, 'reviewer', ?)", (f"p{n}", tx.at))
            tx.audit("coder.register", "coder", f"p{n}", {})
        waits.append((waited, bool(applying)))
        time.sleep(0.02)
    Path(out).write_text(json.dumps(waits))
    """
)


def presses_during(work: Path, csv_path: Path | None, idle_s: float = 10.0) -> list[tuple[float, bool]]:
    """Key-press waits (seconds, whether an import was applying) while ``csv_path`` is imported by the command
    line in another process, or for ``idle_s`` with nothing else running (``csv_path`` None: the baseline)."""
    db, stop, out = work / "presses.sqlite", work / "stop", work / "presses.json"
    for old in [*work.glob("presses.sqlite*"), stop, out]:
        old.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(db), "init"], capture_output=True, check=True
    )
    presser = subprocess.Popen([sys.executable, "-c", _PRESSES, str(db), str(stop), str(out)])
    try:
        time.sleep(1.0)
        if csv_path is None:
            time.sleep(idle_s)
        else:
            subprocess.run([sys.executable, "-m", "bwvtool", "--db", str(db), "catalogue", "import", str(csv_path)],
                           capture_output=True, check=True)  # fmt: skip
    finally:
        stop.touch()
        presser.wait()
    return [tuple(w) for w in json.loads(out.read_text())]


def run(script: str, db: Path, csv_path: Path) -> dict:
    for old in db.parent.glob(f"{db.name}*"):
        old.unlink()
    done = subprocess.run(
        [sys.executable, "-c", script, str(db), str(csv_path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate baseline and import; report the best"
    )
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep the files")
    parser.add_argument("--presses", action="store_true",
                        help="also time key presses in another process during an import of the largest size")  # fmt: skip
    args = parser.parse_args()
    from bwvtool.catalogue.synthetic import synthetic_rows, write_csv

    results = []
    with tempfile.TemporaryDirectory(prefix="bwv-bench-import-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        for n in (int(x) for x in args.rows.split(",")):
            csv_path = work / f"catalogue_{n}.csv"
            started = time.perf_counter()
            write_csv(csv_path, synthetic_rows(n, seed=args.seed))
            print(f"generated {n:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
            bare, imported = [], []
            for _ in range(args.repeat):  # alternate, so a busy moment does not land on one side only
                bare.append(run(_BASELINE, work / "baseline.sqlite", csv_path))
                imported.append(run(_IMPORT, work / "import.sqlite", csv_path))
            b = min(bare, key=lambda r: r["seconds"])
            i = min(imported, key=lambda r: r["seconds"])
            if args.presses and n == max(int(x) for x in args.rows.split(",")):
                idle = [w for w, _ in presses_during(work, None)]
                during = [w for w, applying in presses_during(work, csv_path) if applying]
                print(f"key presses during the {n:,}-row import: {len(during)}, longest wait {max(during):.3f} s; "
                      f"with nothing else running: longest {max(idle):.3f} s", flush=True)  # fmt: skip
                emit(Figure("import", f"key press wait during a {n:,}-row import", "s", during,
                            "the same presses with nothing else running", idle, "no wait > 1 s"))  # fmt: skip
            results.append((n, b, i, max(r["rss_mb"] for r in imported), max(r["child_rss_mb"] for r in imported),
                            max(r["rss_mb"] + r["child_rss_mb"] for r in imported)))  # fmt: skip
            emit(Figure("import", f"catalogue import of {n:,} CSV rows", "s", [r["seconds"] for r in imported],
                        "bare executemany of the parsed rows, same settings", [r["seconds"] for r in bare],
                        "≤ 1.5× the baseline"))  # fmt: skip
            csv_path.unlink()
    print(f"\n{'rows':>10} {'baseline s':>11} {'import s':>9} {'ratio':>6} {'CPU ratio':>10} {'peak RSS':>9} "
          f"{'importer':>9} {'checker':>8} {'steps':>6} {'longest step':>13}")  # fmt: skip
    for n, b, i, rss, child_rss, total_rss in results:
        print(f"{n:>10,} {b['seconds']:>11.2f} {i['seconds']:>9.2f} {i['seconds'] / b['seconds']:>6.2f} "
              f"{i['cpu_s'] / b['cpu_s']:>10.2f} {total_rss:>6.0f} MB {rss:>6.0f} MB {child_rss:>5.0f} MB "
              f"{i['steps']:>6} {i['longest_step_s']:>11.2f} s")  # fmt: skip
    print(
        "CPU ratio: CPU seconds of the whole import (the importing process, all its threads, and its checking"
    )
    print(
        "process) over the baseline insert's; on a busy machine wall-clock times stretch with the load, CPU"
    )
    print(
        "times much less. Peak RSS: the importing process's VmHWM plus its checking process's (which checks the"
    )
    print("file and builds the sampling snapshot; 0 when the file is checked in process).")
    print("targets: ratio <= 1.5; peak RSS <= 300 MB at 1,000,000 rows, flat in the row count")
    if len(results) > 1:  # memory against the smallest size's: flat means a ratio near 1
        (n0, *_, rss0), (n1, *_, rss1) = results[0], results[-1]
        emit(Figure("import", f"peak RSS of an import of {n1:,} rows", "MB", [rss1],
                    f"peak RSS of an import of {n0:,} rows", [rss0], "≤ 300 MB and flat in the rows"))  # fmt: skip


if __name__ == "__main__":
    main()
