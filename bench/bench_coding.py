"""Key press to committed event, and timeline repaint, at 100 and 10,000 events.

Each figure is printed beside a baseline measured in the same run: a bare one-row INSERT + COMMIT into SQLite
with the same pragmas (WAL, synchronous=FULL), which is the floor for "committed before the screen says saved".

    QT_QPA_PLATFORM=offscreen python bench/bench_coding.py [--events 10000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def baseline_insert(path: Path, n: int) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, clip TEXT, code TEXT, onset INTEGER, frame INTEGER)"
    )
    times = []
    for i in range(n):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (clip, code, onset, frame) VALUES (?, ?, ?, ?)", ("C1", "command", i, i))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300, help="key presses timed at each size")
    args = parser.parse_args()

    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.coding.session import CodeSpec, CodingSession
    from bwvtool.store import open_workspace

    class Codes:
        specs = {
            "command": CodeSpec("command", "officer_language", False, False),
            "calm": CodeSpec("calm", "subject_behaviour", True, True),
            "resist": CodeSpec("resist", "subject_behaviour", True, True),
        }

        def spec(self, code_id: str) -> CodeSpec:
            return self.specs[code_id]

    tmp = Path(tempfile.mkdtemp(prefix="bwv-bench-coding-"))
    (tmp / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough\nC1,2026-11-02T10:00:00Z,3600,PC1,Lambeth\n"
    )
    ws = open_workspace(tmp / "ws.sqlite", create=True)
    import_catalogue(ws, tmp / "cat.csv", actor="bench")
    with ws.transaction("bench") as tx:
        tx.execute(
            "INSERT INTO codebooks (key, version, title, body, sha256, imported_at) VALUES ('b', 1, 'b', '{}', ?, ?)",
            ("0" * 64, tx.at),
        )
    session = CodingSession(ws, clip_id="C1", coder="bench", codebook_id=1, codes=Codes())

    def press(i: int) -> float:
        code = ("command", "calm", "resist")[i % 3]
        start = time.perf_counter()
        session.code_key(
            code, at_ms=i * 100, at_frame=i * 2, actor="officer_1" if code == "command" else "s1"
        )
        return (time.perf_counter() - start) * 1000

    floor = baseline_insert(tmp / "floor.sqlite", args.samples)
    small = [press(i) for i in range(100 + args.samples)][100:]
    i = len(session)
    while len(session) < args.events:
        press(i)
        i += 1
    large = [press(i + k) for k in range(args.samples)]

    print(f"key press -> committed event (ms), {args.samples} presses each; floor = bare INSERT+COMMIT")
    print(f"  {'':24} {'median':>8} {'p99':>8}   p99 / floor p99")
    fp99 = percentile(floor, 99)
    for label, values in (
        ("floor (raw sqlite)", floor),
        ("at ~100 events", small),
        (f"at {args.events:,} events", large),
    ):
        p99 = percentile(values, 99)
        print(f"  {label:24} {statistics.median(values):8.3f} {p99:8.3f}   {p99 / fp99:5.2f}x")

    from PySide6.QtWidgets import QApplication

    from bwvtool.ui.timeline.widget import Lane, TimelineWidget

    app = QApplication.instance() or QApplication([])
    widget = TimelineWidget()
    widget.resize(1600, 260)
    widget.set_session(
        session,
        [Lane("officer_language", "officer_1", "O1"), Lane("subject_behaviour", "s1", "S1")],
        duration_ms=max(60_000, i * 100 + 1000),
    )
    widget.show()
    app.processEvents()
    for label, zoom in (("whole clip", None), ("zoomed to 60 s", 60_000)):
        if zoom:
            widget.view.ms_per_px = zoom / widget.view.width_px
        times = []
        for _ in range(50):
            start = time.perf_counter()
            widget.repaint()
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"timeline repaint with {len(session):,} events, {label}: median {statistics.median(times):.2f} ms,"
            f" p95 {percentile(times, 95):.2f} ms"
        )
    ws.close()
    del app


if __name__ == "__main__":
    main()
