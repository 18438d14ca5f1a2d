"""Make the screenshots of the week's pages in docs/ by driving the real app on a fresh demo workspace: the Jobs
page after an import with rejected rows, after a codebook that fails validation and after a sample verify; the
research export form; the draw dialog's plan and confirmation pages; the Coders dialog.

    xvfb-run -a -s "-screen 0 1600x1000x24" python docs/make_week_screenshots.py [--dir /tmp/week-shots]

The window talks to its workspace through the worker process and every job is the ``bwvtool`` child process, as
in the app; each picture is grabbed from the widget once what it shows has finished.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
BAD_LINES = (
    '{"clip_id": "WK-BAD-1", "incident_id": "WKX1", "recorded_at": "last Tuesday", "duration_s": 30,'
    ' "officer_ref": "PC1", "borough": "Lambeth"}\n'
    '{"clip_id": "WK-BAD-2", "incident_id": "WKX2", "recorded_at": "2026-11-30T10:00:00Z", "duration_s": -5,'
    ' "officer_ref": "PC2", "borough": "Lambeth"}\n'
    '{"clip_id": "WK-BAD-3", "incident_id": "WKX3", "recorded_at": "2026-11-30T11:00:00Z", "duration_s": 40,'
    ' "officer_ref": "PC3", "borough": "Lambeth", "sources": ["stop_serch"]}\n'
)


def wait(condition, seconds: float = 300) -> None:
    from PySide6.QtTest import QTest

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        QTest.qWait(50)


def settle(ms: int = 400) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(ms)


def week_export(folder: Path) -> Path:
    """This week's evidence-system export: new clips, and three rows the import rejects."""
    from datetime import UTC, datetime, timedelta

    from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl

    end = datetime.now(UTC)
    rows = [
        {
            **row,
            "clip_id": f"WK{row['clip_id']}",
            "incident_id": f"WK{row['incident_id']}",
            "media_path": None,
        }
        for row in synthetic_rows(2500, seed=99, start=end - timedelta(days=7), end=end)
    ]
    path = folder / "evidence-export-week49.jsonl"
    write_jsonl(path, rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(BAD_LINES)
    return path


def broken_codebook(folder: Path) -> Path:
    from bwvtool.resources import read_text

    text = read_text("codebooks/ss_language_behaviour.yaml")
    text = text.replace("key: ss_language_behaviour\nversion: 1", "key: ss_language_behaviour_v2\nversion: 1")
    text = text.replace('    colour: "#1f77b4"', '    colour: "blue-ish"', 1)
    path = folder / "ss_language_behaviour_v2.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bwvtool-week-shots"))
    args = parser.parse_args()

    from PySide6.QtCore import Qt

    from bwvtool.demo.builder import build_demo
    from bwvtool.store import open_workspace
    from bwvtool.store.workspace import use_worker_process
    from bwvtool.ui.app import application
    from bwvtool.ui.jobs import forms
    from bwvtool.ui.main_window import MainWindow
    from bwvtool.ui.sampling.dialog import SamplingDialog

    report = build_demo(args.dir, clips=3000)
    use_worker_process()  # as the app: no SQLite in this process
    app = application()
    window = MainWindow(open_workspace(report.db), "mgr.patel")
    window.resize(1600, 940)
    window.show()
    settle(800)

    # Jobs: this week's import, with its rejected rows listed.
    form = forms.ImportCatalogueForm(args.dir, window)
    form.file.edit.setText(str(week_export(args.dir)))
    form.media_root.edit.setText(str(args.dir))
    window.pages.setCurrentWidget(window.jobs)
    job = window.run_job(form.windowTitle(), form.arguments())
    wait(lambda: job.result is not None)
    window.jobs.list.setCurrentRow(0)
    settle()
    window.grab().save(str(DOCS / "jobs-import-rejects.png"))

    # Jobs: a codebook that does not validate says where.
    form = forms.ImportCodebookForm(args.dir, window)
    form.file.edit.setText(str(broken_codebook(args.dir)))
    job = window.run_job(form.windowTitle(), form.arguments())
    wait(lambda: job.result is not None)
    window.jobs.list.setCurrentRow(0)
    settle()
    window.grab().save(str(DOCS / "jobs-codebook-error.png"))

    # Jobs: the study verified.
    study = next(s for s in window._samples() if "Stop and search" in s[1])
    form = forms.VerifySampleForm(window._samples(), window)
    form.sample.setCurrentIndex(form.sample.findData(study[0]))
    job = window.run_job(form.windowTitle(), form.arguments())
    wait(lambda: job.result is not None)
    window.jobs.list.setCurrentRow(0)
    settle()
    window.grab().save(str(DOCS / "jobs-verify.png"))

    # The research export form, filled in.
    export = forms.ResearchExportForm(window._samples(), args.dir, window)
    export.sample.setCurrentIndex(export.sample.findData(study[0]))
    export.out.edit.setText(str(args.dir / "exports" / "ss-study-week49"))
    export.key.edit.setText(str(args.dir / "keys" / "ss-study.key"))
    export.dates.setCurrentIndex(export.dates.findData("week"))
    export.show()
    settle()
    export.grab().save(str(DOCS / "research-export.png"))
    export.close()

    # The Coders dialog: one reviewer on leave.
    coders = window.coders_dialog()
    coders.add("rev.dixon", "reviewer")
    coders.table.selectRow(next(i for i, r in enumerate(coders.rows) if r["name"] == "rev.clarke"))
    coders.toggle_selected()
    coders.show()
    settle()
    coders.grab().save(str(DOCS / "coders.png"))
    coders.close()

    # Draw a sample: the plan, then the confirmation before anything is stored.
    dialog = SamplingDialog(window.workspace, "mgr.patel", window)
    index = dialog.choice.findText("Stop and search study")
    dialog.choice.setCurrentIndex(index)
    dialog._choose(index)
    for row in range(dialog.coders.count()):
        dialog.coders.item(row).setCheckState(Qt.CheckState.Checked)
    dialog.show()
    settle(800)
    dialog.grab().save(str(DOCS / "draw-plan.png"))
    dialog.draw_button.click()
    wait(lambda: dialog.steps.currentIndex() == 1)
    settle()
    dialog.grab().save(str(DOCS / "draw-confirmation.png"))
    dialog.close()
    window.close()
    app.processEvents()
    print(f"screenshots written to {DOCS}")


if __name__ == "__main__":
    main()
