"""App start-up and catalogue-table speed on a large demo workspace, each beside a baseline from the same run.

1. Start to usable window: ``bwvtool gui --exit-when-ready`` prints a timestamp once the main window is shown and
   the table has painted its first page; measured from process spawn, median of repeated runs. Baseline: a bare
   ``python -c`` that imports QtWidgets, shows an empty QMainWindow and prints the same marker.
2. The table at N clips (in process): open (count + first page), sort by each sortable column, each filter,
   and a page deep in the list. Baseline: the first page read by rowid with no order and no filter.

Run:  python bench/bench_startup.py [--clips 100000] [--runs 7] [--workspace PATH]
(without --workspace a demo workspace is built once in a temporary folder with ``bwvtool demo --headless``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from figures import Figure, emit

READY = "bwvtool-ready"
TARGET_S = 1.5

BASELINE_APP = f"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1480, 880)
window.show()
QTimer.singleShot(0, lambda: (print("{READY}", time.time(), flush=True), app.quit()))
app.exec()
"""


def time_to_ready(argv: list[str]) -> float:
    """Seconds from spawning ``argv`` to its ready line (the process then quits on its own)."""
    start = time.time()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith(READY):
            return float(line.split()[1]) - start
    raise RuntimeError(f"{argv[:4]} never became ready (exit {result.returncode}): {result.stderr[-600:]}")


def build_workspace(folder: Path, clips: int) -> Path:
    print(f"building a {clips:,}-clip demo workspace in {folder} …", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bwvtool", "demo", "--headless", "--dir", str(folder), "--clips", str(clips)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  built in {time.perf_counter() - started:.1f} s")
    return folder / "bwvtool.sqlite"


def bench_startup(db: Path, runs: int) -> None:
    app_argv = [sys.executable, "-m", "bwvtool", "--db", str(db), "gui", "--exit-when-ready"]
    base_argv = [sys.executable, "-c", BASELINE_APP]
    time_to_ready(app_argv), time_to_ready(base_argv)  # warm the file cache for both
    app_times, base_times = [], []
    for _ in range(runs):  # interleaved, so both see the same machine load
        base_times.append(time_to_ready(base_argv))
        app_times.append(time_to_ready(app_argv))
    print(f"\nstart to usable window ({runs} runs, platform {os.environ.get('QT_QPA_PLATFORM', 'default')})")
    emit(Figure("startup", "bwvtool gui → usable window", "s", app_times, "a bare QMainWindow", base_times,
                f"≤ {TARGET_S} s"))  # fmt: skip


def _timings_ms(func, repeat: int = 5) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_table(db: Path) -> None:
    """Figures for what the user does with the table: open, sort, filter, scroll deep."""
    from bwvtool.store import browse, open_workspace
    from bwvtool.ui.browser import ClipBrowser

    with open_workspace(db) as ws:
        conn = ws.conn
        total = browse.count_clips(conn)
        first_day, last_day = browse.recorded_range(conn)
        borough = browse.boroughs(conn)[0]
        baseline = _timings_ms(lambda: conn.execute("SELECT * FROM clips LIMIT 256").fetchall())

        def refresh_with(flt=None, sort=None):
            browser = ClipBrowser(conn)
            browser.filter = flt or browse.ClipFilter()
            browser.sort = sort or browse.ClipSort("recorded", True)
            return lambda: browser.refresh()

        def deep_page(sort):
            offset = max(0, total - 2 * browse.PAGE_SIZE)
            return lambda: browse.fetch_clips(conn, None, sort, offset=offset)

        month = (first_day + timedelta(days=31), first_day + timedelta(days=61))
        cases = [("open (count + first page, newest first)", refresh_with())]
        cases += [
            (f"sort by {key} {'desc' if desc else 'asc'}", refresh_with(sort=browse.ClipSort(key, desc)))
            for key in browse.SORT_KEYS
            for desc in (False, True)
        ]
        cases += [
            ("filter: text '1077' (a collar number, rare)", refresh_with(browse.ClipFilter(text="1077"))),
            ("filter: text 'ham' (part of borough names)", refresh_with(browse.ClipFilter(text="ham"))),
            (f"filter: borough = {borough}", refresh_with(browse.ClipFilter(borough=borough))),
            ("filter: source = stop_search", refresh_with(browse.ClipFilter(source="stop_search"))),
            ("filter: one month", refresh_with(browse.ClipFilter(date_from=month[0], date_to=month[1]))),
            (
                "filter: all four together",
                refresh_with(browse.ClipFilter("a", borough, "use_of_force", first_day, last_day)),
            ),
            ("page near the end, by recorded", deep_page(browse.ClipSort("recorded"))),
            ("page near the end, by borough", deep_page(browse.ClipSort("borough"))),
        ]
        print(
            f"\ncatalogue table on {total:,} clips (5 runs each; count + one page of {browse.PAGE_SIZE} rows)"
        )
        for label, func in cases:
            emit(Figure("startup", f"table of {total:,} clips: {label}", "ms", _timings_ms(func),
                        "first page, no order, no filter", baseline))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workspace", type=Path, help="an existing workspace to use instead of a new demo")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.workspace or build_workspace(Path(tmp) / "demo", args.clips)
        bench_startup(db, args.runs)
        bench_table(db)


if __name__ == "__main__":
    main()
