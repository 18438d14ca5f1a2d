"""Make docs/incident-window.png: a generated four-camera incident, aligned, open in the incident window.

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_incident_screenshot.py [--dir /tmp/bwvtool-incident-shot]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
INCIDENT = "INC-SYN-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bwvtool-incident-shot"))
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.incidents import library
    from bwvtool.media.synth_incident import make_incident
    from bwvtool.store import open_workspace
    from bwvtool.store.codebooks import import_codebook_file
    from bwvtool.ui.incident import IncidentWindow

    app = QApplication.instance() or QApplication([])
    incident = make_incident(
        args.dir / "media", seconds=90, cameras=5, incident_id=INCIDENT, width=640, height=360
    )
    db = args.dir / "ws.sqlite"
    db.unlink(missing_ok=True)
    with open_workspace(db, create=True) as ws:
        import_catalogue(ws, incident.catalogue, actor="docs")
        library.align_incident(ws, INCIDENT, actor="docs")
        import_codebook_file(
            ws, DOCS.parent / "schemas" / "codebooks" / "ss_language_behaviour.yaml", actor="docs"
        )
        window = IncidentWindow(ws, "docs")
        window.setWindowTitle(f"Incident {INCIDENT} — all cameras")
        window.resize(1400, 1150)
        window.show()
        window.open_incident(INCIDENT)
        window.grid.set_main(1)
        deadline = time.perf_counter() + 30
        while not all(f >= 0 for f in window.grid.frames().values()) and time.perf_counter() < deadline:
            app.processEvents()
        window.grid.seek(41_234.0)
        window.table.selectRow(1)
        end = time.perf_counter() + 3
        while time.perf_counter() < end:
            app.processEvents()
        window.coding.codebook.setCurrentText("ss_language_behaviour")
        window.coding.code.setCurrentIndex(window.coding.code.findData("command"))
        window.coding.code_here()
        out = DOCS / "incident-window.png"
        window.grab().save(str(out))
        print(out)
        window.grid.close_all()


if __name__ == "__main__":
    main()
