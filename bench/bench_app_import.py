"""A big catalogue import started from the app's Jobs page while a reviewer codes on the desk of the same app.

Drives the real app offscreen: the main window on the workspace through its worker process, the coding desk on a
real clip (S&S codebook), and Catalogue ▸ Import catalogue… as a job (the ``bwvtool`` child process with progress).
While the job runs, a key is pressed on the desk (QTest) every ``--gap`` seconds and timed from the press until the
desk holds it as saved (committed; a press that meets the import's write lock waits up to a second, then is kept
pending and saved as soon as the workspace is free). Baselines from the same run: the same file imported by
``bwvtool catalogue import`` with nobody coding, and the same key presses on the idle workspace.

    python bench/bench_app_import.py --rows 1000000    # the issue's figure (several minutes on 2 shared cores)
    python bench/bench_app_import.py --rows 50000      # quick
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from figures import Figure, emit, percentile  # noqa: E402
from workloads import coding_workspace_and_year, import_bench_arguments  # noqa: E402

KEYS = (
    "C",
    "R",
    "E",
)  # S&S point codes that record without a modifier prompt: command, reason given, explains


def cli_import(path: Path, source: Path) -> float:
    """Seconds for ``bwvtool catalogue import SOURCE`` on ``path``, nobody else at work."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(path), "--user", "ana", "catalogue", "import", str(source)],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


class Reviewer:
    """Key presses on the desk, each timed until the desk holds it as saved."""

    def __init__(self, desk) -> None:
        from PySide6.QtCore import Qt

        self.desk = desk
        self.keys = [getattr(Qt.Key, f"Key_{k}") for k in KEYS]
        self.pressed = 0
        self.kept_pending = 0
        self.blocked: list[float] = []  # seconds the window was busy with each press (the desk waits ≤ 1 s)

    def press(self) -> float:
        from PySide6.QtTest import QTest

        desk = self.desk
        expected = len(desk.session) + 1
        started = time.perf_counter()
        QTest.keyClick(desk, self.keys[self.pressed % len(self.keys)])
        self.blocked.append(time.perf_counter() - started)
        self.pressed += 1
        if len(desk.edits):
            self.kept_pending += 1
        while len(desk.edits) or len(desk.session) < expected:  # pending edits retry on the desk's timer
            QTest.qWait(5)
        return time.perf_counter() - started


def main() -> int:
    parser = import_bench_arguments(__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=100, help="key presses on the idle workspace (baseline)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bwv-bench-app-import-") as tmp:
        folder = Path(tmp)
        path, source = coding_workspace_and_year(folder, args.rows)
        shutil.copyfile(path, folder / "cli.sqlite")
        load_before = os.getloadavg()
        cli_s = cli_import(folder / "cli.sqlite", source)
        result = run_app(path, source, args)
    app_s, idle, during, reviewer, job, stored = result
    load_after = os.getloadavg()
    ms = sorted(s * 1000 for s in during)
    print(
        f"load average before {load_before[0]:.1f} / after {load_after[0]:.1f} (1 min), {os.cpu_count()} cores"
    )
    print(f"import of {args.rows:,} rows from the app's Jobs page while coding: {app_s:.1f} s"
          f" (job {job.text!r}, exit {job.result.exit_code}); the CLI, same file, nobody coding: {cli_s:.1f} s;"
          f" ratio {app_s / cli_s:.2f}x")  # fmt: skip
    print(f"{len(during):,} key presses on the desk during the import: key → saved median {statistics.median(ms):.0f} ms,"
          f" p95 {percentile(ms, 95):.0f} ms, max {ms[-1]:.0f} ms; {reviewer.kept_pending} kept pending first;"
          f" {stored:,} events stored of {reviewer.pressed:,} keys pressed")  # fmt: skip
    blocked = sorted(s * 1000 for s in reviewer.blocked[args.idle :])
    data = job.result.data if isinstance(job.result.data, dict) else {}
    print(f"the window was busy with a press (key → the desk takes the next key): median {statistics.median(blocked):.0f}"
          f" ms, p95 {percentile(blocked, 95):.0f} ms, max {blocked[-1]:.0f} ms; the import applied its rows in"
          f" {data.get('steps', '?')} steps, the longest holding the workspace {data.get('longest_step_s', '?')} s")  # fmt: skip
    emit(Figure("app_import", f"desk key → saved during a {args.rows:,}-row import from the Jobs page", "ms",
                [s * 1000 for s in during], "the same key presses, workspace idle", [s * 1000 for s in idle],
                "every key stored; max ≤ the desk's 1 s wait, else kept pending and saved"))  # fmt: skip
    ok = job.result.ok and stored == reviewer.pressed
    print("every key press was stored" if stored == reviewer.pressed else "KEY PRESSES LOST")
    return 0 if ok else 1


def run_app(path: Path, source: Path, args: argparse.Namespace):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from bwvtool.store import open_workspace
    from bwvtool.store.remote import stop_workers
    from bwvtool.store.workspace import use_worker_process
    from bwvtool.ui.app import application
    from bwvtool.ui.jobs import forms
    from bwvtool.ui.main_window import MainWindow

    use_worker_process()  # as the app does: no SQLite in this process
    app = application()
    window = MainWindow(open_workspace(path), "alice")
    window.resize(1600, 940)
    window.show()
    desk = window.coding_desk()
    desk.codebook_choice.setCurrentIndex(desk.codebook_choice.findText("S&S", Qt.MatchFlag.MatchContains))
    window.code_clip("K1")
    while desk.player.current_frame()[0] < 0:
        QTest.qWait(20)
    desk.setFocus()
    reviewer = Reviewer(desk)
    idle = []
    for _ in range(args.idle):
        idle.append(reviewer.press())
        QTest.qWait(int(args.gap * 1000))

    form = forms.ImportCatalogueForm(source.parent, window)  # Catalogue ▸ Import catalogue…, filled in
    form.file.edit.setText(str(source))
    started = time.perf_counter()
    job = window.run_job(form.windowTitle(), form.arguments())
    window.pages.setCurrentWidget(window._desk_holder)  # the reviewer stays on the desk
    desk.setFocus()
    during = []
    while job.running:
        during.append(reviewer.press())
        QTest.qWait(int(args.gap * 1000))
    app_s = time.perf_counter() - started
    while len(desk.edits):
        QTest.qWait(50)
    stored = desk.ws.conn.execute("SELECT count(*) FROM events WHERE clip_id = 'K1'").fetchone()[0]
    window.close()
    app.processEvents()
    stop_workers()
    return app_s, idle, during, reviewer, job, stored


if __name__ == "__main__":
    sys.exit(main())
