"""Stepping one frame with four cameras in step: key → all four pictures, beside one player stepping alone.

A generated 4-camera incident (bwvtool.media.synth_incident, 90 s, 320x180) is aligned, then opened in the
incident window (Qt offscreen, the app's worker-served workspace). Interleaved:

* grid: ``IncidentGrid.step(±1)`` until every camera's player shows the frame it must show at the main camera's
  new incident time (each picture decoded and on its surface), wall time;
* baseline: one PlayerWidget on the main camera's clip, ``step(±1)`` until its new frame is shown.

The issue asks for ≤ 100 ms to all four pictures.

    python bench/bench_incident_grid.py [--steps 40]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from figures import Figure, emit

INCIDENT = "INC-BENCH-GRID"


def wait_until(app, condition, timeout_s: float = 20.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out waiting for the players")
        app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.incidents import library
    from bwvtool.media.synth_incident import make_incident
    from bwvtool.store import open_workspace
    from bwvtool.store.remote import stop_workers
    from bwvtool.store.workspace import use_worker_process
    from bwvtool.ui.incident import IncidentWindow
    from bwvtool.ui.player import PlayerWidget

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="bwvtool-bench-grid-") as tmp:
        folder = Path(tmp)
        incident = make_incident(folder / "media", seconds=90, cameras=4, incident_id=INCIDENT)
        db = folder / "ws.sqlite"
        with open_workspace(db, create=True) as ws:
            import_catalogue(ws, incident.catalogue, actor="bench")
            library.align_incident(ws, INCIDENT, actor="bench")
        use_worker_process(True)
        ws = open_workspace(db)
        window = IncidentWindow(ws, "bench")
        window.resize(1400, 950)
        window.show()
        window.open_incident(INCIDENT)
        grid = window.grid
        wait_until(app, lambda: all(f >= 0 for f in grid.frames().values()))
        grid.seek(40_000.0)
        single = PlayerWidget()
        single.resize(640, 400)
        single.show()
        single.open_clip(grid.main_tile.camera.path)
        wait_until(app, lambda: single.current_frame()[0] >= 0 and single.engine.times is not None)
        single.seek_frame(grid.main_tile.player.current_frame()[0])

        def in_step() -> bool:
            at = grid.incident_ms()
            if at is None or any(t.player.engine.seeking for t in grid.tiles):
                return False
            for tile in grid.tiles:
                target = tile.camera.placement.frame_at(at, tile.player.engine.times)
                if target is not None and tile.player.current_frame()[0] != target:
                    return False
            return True

        wait_until(app, in_step)
        wait_until(app, lambda: not single.engine.seeking)
        stepped, alone = [], []
        for k in range(args.steps):
            frames = 1 if k % 4 != 3 else -1
            before = grid.incident_ms()
            started = time.perf_counter()
            grid.step(frames)
            wait_until(app, lambda b=before: grid.incident_ms() != b and in_step())
            stepped.append((time.perf_counter() - started) * 1000)
            target = single.current_frame()[0] + frames
            started = time.perf_counter()
            single.step(frames)
            wait_until(app, lambda t=target: single.current_frame()[0] == t and not single.engine.seeking)
            alone.append((time.perf_counter() - started) * 1000)
        print(f"load average {os.getloadavg()[0]:.1f} (2 cores)")
        emit(
            Figure(
                "incident grid",
                "one frame step, 4 cameras in step (key → all four pictures)",
                "ms",
                stepped,
                "one player stepping one frame alone",
                alone,
                "≤ 100 ms",
            )
        )
        single.close_clip()
        window.grid.close_all()
        ws.close()
        stop_workers()


if __name__ == "__main__":
    main()
