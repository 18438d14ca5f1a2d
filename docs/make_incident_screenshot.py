"""Make docs/incident-window.png and docs/debrief-incident.png from the demo's four-camera incident.

The incident is made as `bwvtool demo` makes it (bwvtool.demo.incident: generated, imported, aligned, coded on
incident time by rev.adams on cameras 1 and 2, camera 1 reviewed); the app's own main window opens it from the
Incidents menu code path, codes one more event with its key on camera 2, and shows camera 1's debrief.

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_incident_screenshot.py [--dir /tmp/bwvtool-incident-shot]
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def _wait(app, until, seconds: float = 30.0) -> None:
    deadline = time.perf_counter() + seconds
    while not until() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bwvtool-incident-shot"))
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bwvtool.demo.incident import CODER, INCIDENT, add_incident, clip_of
    from bwvtool.store import open_workspace
    from bwvtool.ui.incident import menu
    from bwvtool.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    db = args.dir / "ws.sqlite"
    with open_workspace(db, create=True) as ws:
        add_incident(ws, args.dir / "incidents", actor="docs")
    window = MainWindow(open_workspace(db), CODER)
    window.resize(1500, 1000)
    view = menu.open_incident(window, INCIDENT)
    view.resize(1500, 1000)
    grid = view.grid
    _wait(app, lambda: all(f >= 0 for f in grid.frames().values()) and view.coding.coding is not None)
    grid.set_main(next(i for i, t in enumerate(grid.tiles) if t.camera.clip_id == clip_of(2)))
    grid.seek(38_200.0)  # camera 2's reason given, while camera 1's verbal resistance runs
    _wait(app, lambda: False, 3)
    grid.step(12)
    _wait(app, lambda: False, 2)
    QTest.keyClick(grid, Qt.Key.Key_E)  # "explains process", keyed on camera 2 at the frame on screen
    _wait(app, lambda: False, 2)
    view.grab().save(str(DOCS / "incident-window.png"))
    print(DOCS / "incident-window.png")
    grid.close_all()
    view.close()

    window.show()
    window.pages.setCurrentWidget(window.debrief)
    page = window.debrief
    page.ensure_built()
    _wait(app, lambda: False, 1)
    page.select(clip_of(1), CODER)
    page.wait_for_stills()
    _wait(app, lambda: False, 1)
    document = page.preview.document()
    found = document.find("Key moments")
    if not found.isNull():  # show the key moments and their stills
        page.preview.verticalScrollBar().setValue(
            int(document.documentLayout().blockBoundingRect(found.block()).top())
        )
    _wait(app, lambda: False, 1)
    page.grab().save(str(DOCS / "debrief-incident.png"))
    print(DOCS / "debrief-incident.png")
    window.close()


if __name__ == "__main__":
    main()
