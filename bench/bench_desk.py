"""The coding desk as a reviewer meets it: key presses on the real desk at 100 / 1,000 / 10,000 / 50,000 events.

One real :class:`CodingDesk` per size, each on its own workspace holding the frame-coded sample clip and that many
S&S events, all open at once in this process (offscreen Qt). Each round visits the sizes in a new random order and
puts a baseline between the measured operations, so every figure and its baseline share the machine's moments.
Before each timed key the player is put on a random frame and the event queue is drained.

The desks open their workspaces as the app does (through the workspace worker process; ``--in-process`` opens
them here instead).

* **key → committed**: ``QTest.keyClick`` of a code key on the desk until another process, polling the same file
  with its own connection, reads the new event row (clock: CLOCK_MONOTONIC in both processes). Baseline: a bare one-row INSERT + COMMIT (WAL, synchronous=FULL) read back by a
  second connection the same way, after the same seek and settling as each press (right after a press it would
  find the disk and caches warm).
* **key → repainted**: ``QTest.keyClick`` until the event loop has painted the timeline (the window's other dirty
  widgets paint in the same pass). Baseline: the same at the smallest size.
* **key → row shown in the table**: the same key press until the event table is painted with the new event's row
  selected. The table follows the timeline's selection in a zero timer, after the key's own paint (as Qt lays out
  and repaints a table after inserted rows), so this is the timeline's figure plus the table's own layout and
  paint. Baseline: the same at the smallest size.
* **open**: ``open_clip`` until the player shows the first picture and the timeline has painted (the table shows its
  first page). Baselines: ffmpeg's own first frame of the same file (a separate process, interleaved), and the
  same open at the smallest size.

    python bench/bench_desk.py [--sizes 100,1000,10000,50000] [--presses 60] [--opens 7]
"""

from __future__ import annotations

import argparse
import os
import random
import select
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_player import ffmpeg_first_frame
from figures import Figure, emit
from workloads import CODES, coded_event

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")

SAMPLE = Path(__file__).resolve().parent.parent / "sample_media" / "framecode_720p25.mp4"
CLIP_S = 24  # the sample's length
KEYS = (
    "creva"  # S&S point codes with no modifiers: reason, command, explains, invites voice, active listening
)
TIMEOUT_S = 30.0


def build(folder: Path, n_events: int) -> Path:
    """A workspace with the sample clip and ``n_events`` events by coder 'bench' spread over it."""
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.store import events as event_rows
    from bwvtool.store import open_workspace
    from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook, lock_if_unlocked

    folder.mkdir(parents=True)
    shutil.copy(SAMPLE, folder / "clip.mp4")
    (folder / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path,sources\n"
        f"S1,2026-11-02T10:00:00Z,{CLIP_S},PC7,Lambeth,clip.mp4,stop_search\n"
    )
    path = folder / "ws.sqlite"
    ws = open_workspace(path, create=True)
    try:
        import_catalogue(ws, folder / "cat.csv", actor="bench")
        ensure_default_codebooks(ws, actor="bench")
        codebook_id = get_codebook(ws.conn, "ss_language_behaviour").id
        span = CLIP_S * 1000 - 1000
        with ws.transaction("bench") as tx:
            coder_id = ws.coder_id(tx, "bench")
            lock_if_unlocked(tx, codebook_id)
            for i in range(n_events):
                onset = (i * span // max(1, n_events)) // 40 * 40
                event_rows.insert(
                    tx,
                    coded_event(i, clip_id="S1", coder_id=coder_id, codebook_id=codebook_id, onset_ms=onset),
                )
    finally:
        ws.close()
    return path


class Watch:
    """Counts paint events of one widget (an event filter sees each one just before it is painted)."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint

        class Filter(QObject):
            def eventFilter(inner, _obj, event) -> bool:  # noqa: N802, N805 (Qt)
                if event.type() == paint:
                    self.paints += 1
                return False

        self.paints = 0
        self._filter = Filter()
        widget.installEventFilter(self._filter)


class RowWatch:
    """Notes when the desk's event table paints with a row selected whose event is newer than ``after`` (the
    event filter sees the paint just before it is painted, as :class:`Watch` does)."""

    def __init__(self, desk) -> None:
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint

        class Filter(QObject):
            def eventFilter(inner, _obj, event) -> bool:  # noqa: N802, N805 (Qt)
                if event.type() == paint and not self.painted and self.after is not None:
                    current = desk.table.currentIndex()
                    self.painted = current.isValid() and desk.model.id_at(current.row()) > self.after
                return False

        self.after: int | None = None
        self.painted = False
        self._filter = Filter()
        desk.table.viewport().installEventFilter(self._filter)

    def expect_newer_than(self, event_id: int) -> None:
        self.after, self.painted = event_id, False


def wait_until(app, condition, what: str) -> None:
    """Spin the event loop until ``condition()`` (no sleeping: the moment it returns is the moment it held)."""
    deadline = time.perf_counter() + TIMEOUT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the desk did not get to '{what}' in {TIMEOUT_S:.0f} s")
        app.processEvents()


def drain(app) -> None:
    for _ in range(3):
        app.processEvents()


class Desk:
    """One size: the workspace, a desk open on its clip, and a reader connection of its own."""

    def __init__(self, app, path: Path, n_events: int) -> None:
        from PySide6.QtCore import Qt

        from bwvtool.store import open_workspace
        from bwvtool.ui.desk.desk import CodingDesk

        self.app, self.n, self.path = app, n_events, path
        self.ws = open_workspace(self.path)
        self.desk = CodingDesk(self.ws, "bench")
        self.desk.resize(1500, 950)
        self.desk.codebook_choice.setCurrentIndex(
            self.desk.codebook_choice.findText("S&S", Qt.MatchFlag.MatchContains)
        )
        self.desk.show()
        self.watch = Watch(self.desk.timeline)
        self.row_watch = RowWatch(self.desk)
        self.row_shown_ms = 0.0  # the last press's key → row shown in the table
        self.reader = sqlite3.connect(self.path, isolation_level=None)
        self.newest = self.reader.execute("SELECT max(id) FROM events").fetchone()[0] or 0
        self.watcher = Watcher(self.path)
        self.frames = 0

    def open(self) -> float:
        """ms from ``open_clip`` to the first picture on screen and the timeline painted."""
        self.desk.player.close_clip()
        drain(self.app)
        painted = self.watch.paints
        start = time.perf_counter()
        self.desk.open_clip("S1")
        wait_until(
            self.app,
            lambda: self.desk.player.displayed_frame() is not None and self.watch.paints > painted,
            "first frame and timeline",
        )
        took = (time.perf_counter() - start) * 1000
        wait_until(self.app, lambda: self.desk.player.current_frame()[0] >= 0, "frame index")
        self.frames = len(self.desk.player.engine.times)
        assert len(self.desk.session) >= self.n, "the desk did not load every event"
        return took

    def ready(self, rng: random.Random) -> None:
        """Put the player on a random frame and let everything settle (not timed)."""
        target = rng.randrange(self.frames)
        self.desk.player.seek_frame(target)
        wait_until(self.app, lambda: self.desk.player.current_frame()[0] == target, "the seek")
        drain(self.app)
        self.desk.setFocus()

    def _press(self, key: str) -> None:
        from PySide6.QtTest import QTest

        QTest.keyClicks(self.desk, key)

    def committed(self, key: str) -> float:
        """ms from the key press until another process's connection reads the new event.

        The watcher is a separate process (its own connection, its own CPU), so the moment it sees the row is the
        moment the commit became visible, not the moment this process got round to looking after the desk had also
        updated its screen.
        """
        self.watcher.arm(self.newest)
        start = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        self._press(key)
        self.newest, seen_ns = self.watcher.seen()
        return (seen_ns - start) / 1e6

    def repainted(self, key: str) -> float:
        """ms from the key press until the timeline has painted the new event (and, in ``row_shown_ms``, until
        the event table has painted the new event's row selected)."""
        painted = self.watch.paints
        self.row_watch.expect_newer_than(self.newest)
        start = time.perf_counter()
        self._press(key)
        wait_until(self.app, lambda: self.watch.paints > painted, "the repaint")
        took = (time.perf_counter() - start) * 1000
        wait_until(self.app, lambda: self.row_watch.painted, "the table's row")
        self.row_shown_ms = (time.perf_counter() - start) * 1000
        self.newest = self.reader.execute("SELECT max(id) FROM events").fetchone()[0]
        return took

    def close(self) -> None:
        self.desk.player.close_clip()
        self.desk.close()
        self.ws.close()
        self.reader.close()
        self.watcher.close()


WATCH = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
for line in sys.stdin:  # "newest id": look until a later one is stored, say when (CLOCK_MONOTONIC, ns)
    newest = int(line)
    while True:
        row = conn.execute("SELECT id FROM events WHERE id > ? ORDER BY id LIMIT 1", (newest,)).fetchone()
        if row is not None:
            print(row[0], time.clock_gettime_ns(time.CLOCK_MONOTONIC), flush=True)
            break
        time.sleep(0.00005)  # a spinning watcher would take a core from the desk and its worker on 2 cores
"""


class Watcher:
    """Another process that, once armed, polls the workspace until a new event row is readable."""

    def __init__(self, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WATCH, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def arm(self, newest: int) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{newest}\n")
        self.process.stdin.flush()

    def seen(self) -> tuple[int, int]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT_S)
        if not ready:
            raise SystemExit(f"the event was not read back within {TIMEOUT_S:.0f} s")
        event_id, at_ns = self.process.stdout.readline().split()
        return int(event_id), int(at_ns)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


class BareCommit:
    """The floor of "committed": one row INSERT + COMMIT, read back by a second connection."""

    def __init__(self, path: Path) -> None:
        self.writer = sqlite3.connect(path, isolation_level=None)
        self.writer.execute("PRAGMA journal_mode=WAL")
        self.writer.execute("PRAGMA synchronous=FULL")
        self.writer.execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, clip TEXT, code TEXT, onset INT, frame INT)"
        )
        self.reader = sqlite3.connect(path, isolation_level=None)
        self.i = 0

    def once(self) -> float:
        self.i += 1
        start = time.perf_counter()
        self.writer.execute("BEGIN IMMEDIATE")
        self.writer.execute(
            "INSERT INTO t (clip, code, onset, frame) VALUES ('S1', 'command', ?, ?)", (self.i, self.i)
        )
        self.writer.execute("COMMIT")
        while self.reader.execute("SELECT id FROM t WHERE id = ?", (self.i,)).fetchone() is None:
            pass
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000,50000", help="event counts, comma-separated")
    parser.add_argument("--presses", type=int, default=60, help="timed key presses per size and measure")
    parser.add_argument("--opens", type=int, default=7, help="timed clip opens per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--in-process", action="store_true", help="open the workspaces here, not in a worker")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bwv-bench-desk-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        paths = [build(folder / f"n{size}", size) for size in sizes]
        if not args.in_process:  # as the app does: the workspace's connections live in a worker process
            from bwvtool.store.workspace import use_worker_process

            use_worker_process()
        desks = [Desk(app, path, size) for path, size in zip(paths, sizes, strict=True)]
        bare = BareCommit(folder / "bare.sqlite")
        print(f"built {len(sizes)} workspaces ({', '.join(f'{s:,}' for s in sizes)} events) "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        try:
            opens: dict[int, list[float]] = {size: [] for size in sizes}
            ffmpeg: list[float] = []
            for _ in range(args.opens):
                for desk in rng.sample(desks, len(desks)):
                    opens[desk.n].append(desk.open())
                    ffmpeg += ffmpeg_first_frame(SAMPLE, 1)
            committed: dict[int, list[float]] = {size: [] for size in sizes}
            repainted: dict[int, list[float]] = {size: [] for size in sizes}
            row_shown: dict[int, list[float]] = {size: [] for size in sizes}
            floor: list[float] = []
            for i in range(args.presses):
                for desk in rng.sample(desks, len(desks)):
                    desk.ready(rng)
                    committed[desk.n].append(desk.committed(KEYS[i % len(KEYS)]))
                    desk.ready(rng)  # the bare commit after the same seek and pause as a key press
                    floor.append(bare.once())
                    desk.ready(rng)
                    repainted[desk.n].append(desk.repainted(KEYS[(i + 2) % len(KEYS)]))
                    row_shown[desk.n].append(desk.row_shown_ms)
        finally:
            bare.close()
            for desk in desks:
                desk.close()
            app.processEvents()
            from bwvtool.store.remote import stop_workers

            stop_workers()  # before the folder holding their workspaces goes

    small = sizes[0]
    print(
        f"\nCoding desk, {args.presses} presses and {args.opens} opens per size (S&S codes, {len(CODES)} kinds)"
    )
    for size in sizes:
        label = f"at {size:,} events"
        emit(Figure("desk", f"key → committed {label}", "ms", committed[size], "bare INSERT+COMMIT, read back", floor,
                    "≤ 2 ms p99; flat with size"))  # fmt: skip
    for size in sizes:
        label = f"at {size:,} events"
        emit(Figure("desk", f"key → committed {label}", "ms", committed[size], f"the same at {small:,} events",
                    committed[small], "≤ 1.2×"))  # fmt: skip
        emit(Figure("desk", f"key → repainted {label}", "ms", repainted[size], f"the same at {small:,} events",
                    repainted[small], "≤ 1.2×"))  # fmt: skip
        emit(Figure("desk", f"key → row shown in the table {label}", "ms", row_shown[size],
                    f"the same at {small:,} events", row_shown[small], "≤ 1.2×"))  # fmt: skip
    for size in sizes:
        emit(Figure("desk", f"open clip → first frame + timeline, {size:,} events", "ms", opens[size],
                    "ffmpeg's first frame (own process)", ffmpeg, "≤ 300 ms"))  # fmt: skip
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
