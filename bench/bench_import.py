"""Catalogue import speed against a bare ``executemany`` insert of the same rows, measured in the same run.

1. Generate a synthetic catalogue CSV of N rows (``bwvtool.catalogue.synthetic``), not timed.
2. Baseline: the rows the import will store, already parsed and normalised into tuples in memory, inserted by
   one ``executemany`` in one transaction into a fresh workspace's (identical, indexed) clips table over a
   bare connection (WAL, default pragmas, no foreign-key checks).
3. ``import_catalogue`` of the CSV file into another fresh workspace: reading, UTF-8 check and SHA-256 of the
   file, CSV parsing, validation, normalisation, row hashes, incidents, foreign keys, audit, commit.

Target (issue 2): import ≤ 3 × baseline at 1,000,000 rows.

Run:  python bench/bench_import.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import tempfile
import time
from pathlib import Path

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.readers import CsvReader
from bwvtool.catalogue.rows import Normaliser
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.store import open_workspace
from bwvtool.store.catalogue import INSERT_CLIP_SQL, bulk_load


def parsed_rows(csv_path: Path) -> list[tuple]:
    """The full clip tuples an import of ``csv_path`` inserts, built up front (not timed)."""
    normaliser = Normaliser(text=True)
    at = "2024-01-01T00:00:00.000Z"
    tail = (None, "unchecked", None, None, at, at)
    reader = CsvReader(csv_path)
    try:
        return [normaliser.normalise(values, extra) + tail for _, _, values, extra, _ in reader]
    finally:
        reader.close()


def fresh_workspace(path: Path) -> None:
    open_workspace(path, create=True).close()


def baseline(db: Path, rows: list[tuple], *, same_cache: bool) -> float:
    fresh_workspace(db)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    start = time.perf_counter()
    if same_cache:
        with bulk_load(conn):
            conn.execute("BEGIN")
            conn.executemany(INSERT_CLIP_SQL, rows)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
        return elapsed
    conn.execute("BEGIN")
    conn.executemany(INSERT_CLIP_SQL, rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def timed_import(db: Path, csv_path: Path) -> float:
    fresh_workspace(db)
    ws = open_workspace(db)
    try:
        start = time.perf_counter()
        report = import_catalogue(ws, csv_path, actor="bench")
        elapsed = time.perf_counter() - start
    finally:
        ws.close()
    if report.inserted != report.rows_read or report.rejected:
        raise SystemExit(f"import did not insert every row: {report.as_dict(3)}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate baseline and import; report the best"
    )
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep the files")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bwv-bench-import-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        csv_path = work / f"catalogue_{args.rows}.csv"
        start = time.perf_counter()
        write_csv(csv_path, synthetic_rows(args.rows, seed=args.seed))
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - start:.1f} s")

        rows = parsed_rows(csv_path)
        bare, tuned, imported = [], [], []
        for _ in range(args.repeat):
            # Alternate, so a busy moment on a shared machine does not land on one side only.
            for name, times, run in (
                ("baseline", bare, lambda db: baseline(db, rows, same_cache=False)),
                ("baseline2", tuned, lambda db: baseline(db, rows, same_cache=True)),
                ("import", imported, lambda db: timed_import(db, csv_path)),
            ):
                db = work / f"{name}.sqlite"
                for old in work.glob(f"{name}.sqlite*"):
                    old.unlink()
                gc.collect()
                times.append(run(db))
        n = args.rows
        b, t, i = min(bare), min(tuned), min(imported)
        print(f"baseline   bare executemany of the parsed rows:     {b:8.2f} s  ({n / b:>9,.0f} rows/s)")
        print(f"baseline2  the same with the import's cache pragmas: {t:8.2f} s  ({n / t:>9,.0f} rows/s)")
        print(f"import     bwvtool catalogue import of the CSV:      {i:8.2f} s  ({n / i:>9,.0f} rows/s)")
        verdict = "met" if i / b <= 3.0 else "NOT met"
        print(
            f"ratio      import / baseline = {i / b:.2f} (target <= 3.0: {verdict}); import / baseline2 = {i / t:.2f}"
        )


if __name__ == "__main__":
    main()
