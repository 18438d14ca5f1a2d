"""The week's long work from the app: jobs with progress, Cancel and a result page, while the reviewer codes."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from tests.reliability.cancelling import catalogue_with_rejects, clips_and_import, frozen, wait_until_finished
from tests.reliability.workspaces import coding_workspace

BAD_ROWS = (
    "clip_id,incident_id,recorded_at,duration_s,officer_ref,borough\n"
    "J001,I1,2026-11-02T10:00:00Z,120,PC1,Lambeth\n"
    "J002,I1,not a time,95,PC2,Lambeth\n"
    "J003,I2,2026-11-03T10:00:00Z,-4,PC3,Croydon\n"
    "J004,I3,2026-11-04T10:00:00Z,60,PC4,Croydon\n"
)


@pytest.fixture
def window(qtbot, tmp_path, workspace_location):
    from bwvtool.ui.main_window import MainWindow

    path = coding_workspace(tmp_path, location=workspace_location)
    win = MainWindow(open_workspace(path), "alice")
    qtbot.addWidget(win)
    win.resize(1500, 900)
    win.show()
    return win


def finish(qtbot, job, timeout=120_000):
    qtbot.waitUntil(lambda: job.result is not None, timeout=timeout)
    return job.result


def test_an_import_from_the_app_lists_rejects_with_line_column_and_reason(
    workspace_location, qtbot, window, tmp_path
):
    source = tmp_path / "week.csv"
    source.write_text(BAD_ROWS)
    job = window.run_job("Import catalogue", ["catalogue", "import", str(source)])
    result = finish(qtbot, job)
    assert result.partial and result.data["inserted"] == 2 and result.data["rejected"] == 2
    window.jobs.list.setCurrentRow(0)
    table = window.jobs.rejects
    rows = [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]
    assert [row[0] for row in rows] == ["3", "4"]
    assert rows[0][1] == "J002" and rows[0][2] == "recorded_at" and rows[0][3]
    assert rows[1][2] == "duration_s"
    assert "2 new clips" in window.jobs.detail.text() and "2 rejected" in window.jobs.detail.text()
    assert window.jobs.save_rejects_button.isVisibleTo(window.jobs)
    window.jobs.save_rejects_to(job, tmp_path / "to-fix.csv")
    fixed = list(csv.reader((tmp_path / "to-fix.csv").open()))
    assert [row[0] for row in fixed[1:]] == ["J002", "J003"]  # verbatim, ready to correct and import again
    assert (tmp_path / "to-fix.reasons.csv").exists()
    assert clips_and_import(workspace_location) == (3, "done")


def test_cancelling_an_import_keeps_nothing_and_coding_goes_on_meanwhile(
    workspace_location, qtbot, window, tmp_path
):
    rows = 150_000
    source = tmp_path / "big.csv"
    write_csv(source, synthetic_rows(rows, seed=3))
    desk = window.coding_desk()
    desk.codebook_choice.setCurrentIndex(desk.codebook_choice.findText("S&S", Qt.MatchFlag.MatchContains))
    window.code_clip("K1")
    qtbot.waitUntil(lambda: desk.player.current_frame()[0] >= 0, timeout=30_000)
    job = window.run_job("Import catalogue", ["catalogue", "import", str(source)])
    qtbot.waitUntil(lambda: job.done > 0, timeout=120_000)  # rows are being read and applied
    assert job.total > 0  # the bar knows how far it has to go
    window.pages.setCurrentWidget(window._desk_holder)
    desk.setFocus()
    QTest.keyClick(desk, Qt.Key.Key_C)  # the reviewer codes while the import runs
    qtbot.waitUntil(lambda: len(desk.edits) == 0 and len(desk.session) == 1, timeout=30_000)
    # The import stands still while the test looks: with rows of the file still to come, it has steps left, and the
    # cancel is taken before the next — however slow the machine, it cannot have finished meanwhile.
    with frozen(job.process.processId()):
        clips, state = clips_and_import(workspace_location)
        assert clips < 1 + rows and state == "applying"
        window.jobs.list.setCurrentRow(0)
        window.jobs.cancel_button.click()
    result = finish(qtbot, job)
    assert result.cancelled and result.exit_code == 2 and job.text == "cancelled — nothing of it was kept"
    assert result.data["cancelled"] and result.data["rolled_back"]["restored"] == 0
    assert result.message.startswith("cancelled: nothing of the import was kept (import #2 rolled back: ")
    assert window.jobs.detail.text().startswith("Cancelled — nothing of it was kept.")
    assert clips_and_import(workspace_location) == (1, "rolled_back")
    ws = open_workspace(workspace_location)
    try:
        assert ws.integrity_check() == [] and ws.verify_audit().ok
        assert [e.code for e in event_rows.for_clip(ws.conn, "K1")] == ["command"]
    finally:
        ws.close()


def test_a_cancel_that_comes_after_the_import_finished_says_it_was_kept(
    workspace_location, qtbot, window, tmp_path
):
    source = tmp_path / "late.csv"
    catalogue_with_rejects(source, rows=20_000, bad=1_500)
    job = window.run_job("Import catalogue", ["catalogue", "import", str(source)])
    # The app's event loop does not run here, so the job's report (larger than a pipe holds) waits unread: the job
    # cannot end before the cancel reaches it, however fast it imports.
    assert wait_until_finished(workspace_location, imports_before=1) == 20_001
    job.cancel()
    result = finish(qtbot, job)
    assert result.cancelled and result.exit_code == 1  # done, with rejects
    assert job.text == "cancelled too late — it had finished and was kept"
    assert result.data["inserted"] == 20_000 and result.data["rejected"] == 1_500
    assert (
        result.message
        == "cancelled too late: import #2 had finished and is kept (20,000 new clips, 0 updated)"
    )
    window.jobs.list.setCurrentRow(0)
    detail = window.jobs.detail.text()
    assert (
        detail.startswith("Cancelled too late — it had finished and was kept.")
        and "20,000 new clips" in detail
    )
    assert clips_and_import(workspace_location) == (20_001, "done")


def test_an_import_that_could_not_undo_itself_is_undone_by_the_app(
    workspace_location, qtbot, window, tmp_path
):
    source = tmp_path / "big.csv"
    write_csv(source, synthetic_rows(150_000, seed=3))
    job = window.run_job("Import catalogue", ["catalogue", "import", str(source)])
    qtbot.waitUntil(lambda: clips_and_import(workspace_location)[0] > 1, timeout=120_000)
    with frozen(job.process.processId()):  # cancelled, then killed before it could roll itself back
        job.cancel()
        job.process.kill()
    result = finish(qtbot, job)
    assert (
        result.cancelled and result.data is None and job.text == "cancelled"
    )  # it could not say what it kept
    qtbot.waitUntil(lambda: len(window.jobs.jobs) == 2, timeout=30_000)
    recover = window.jobs.jobs[1]
    assert recover.title == "Roll back an interrupted catalogue import"
    assert finish(qtbot, recover).ok
    assert clips_and_import(workspace_location) == (1, "rolled_back")


@pytest.mark.parametrize(
    ("exit_code", "data", "said"),
    [
        (
            2,
            {"cancelled": True, "import_id": 2, "rolled_back": {"deleted": 5}},
            "cancelled — nothing of it was kept",
        ),
        (2, {"cancelled": True, "import_id": None, "rolled_back": {}}, "cancelled — nothing of it was kept"),
        (
            2,
            {"cancelled": True, "import_id": 2, "rolled_back": None},
            "cancelled — undoing it did not finish",
        ),
        (0, {"inserted": 5}, "cancelled too late — it had finished and was kept"),
        (2, None, "cancelled"),
    ],
)
def test_a_cancelled_job_says_only_what_its_command_reported(exit_code, data, said):
    from bwvtool.ui.jobs.command import JobResult, cancelled_text

    assert cancelled_text(JobResult(exit_code, data, cancelled=True)) == said


def test_media_check_runs_as_a_job_and_says_what_it_found(qtbot, window, tmp_path):
    (tmp_path / "clip.mp4").unlink()
    job = window.run_job("Check media", ["media", "check", "--all"])
    result = finish(qtbot, job)
    assert result.partial and result.data["missing"] == 1
    window.jobs.list.setCurrentRow(0)
    assert "Missing: 1" in window.jobs.detail.text()


def test_a_codebook_import_shows_its_problems_at_their_line_or_its_versions(qtbot, window, tmp_path):
    from bwvtool.resources import read_text

    text = read_text("codebooks/ss_language_behaviour.yaml").replace(
        "key: ss_language_behaviour\n", "key: ss_local_study\n"
    )
    broken = tmp_path / "ss_local_study.yaml"
    broken.write_text(text.replace('    colour: "#1f77b4"', '    colour: "blue-ish"', 1))
    job = window.run_job("Import codebook", ["codebook", "import", str(broken)])
    result = finish(qtbot, job)
    assert result.exit_code == 2
    window.jobs.list.setCurrentRow(0)
    table = window.jobs.rejects
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Line", "Column", "Where", "Problem"] and table.rowCount() == 1
    line = next(n for n, row in enumerate(broken.read_text().splitlines(), 1) if "blue-ish" in row)
    assert table.item(0, 0).text() == str(line) and "blue-ish" in table.item(0, 3).text()
    assert "1 problem in" in window.jobs.detail.text() and "nothing was imported" in window.jobs.detail.text()
    assert not window.jobs.save_rejects_button.isVisibleTo(window.jobs)

    good = tmp_path / "ss_local_study_fixed.yaml"
    good.write_text(text)
    job = window.run_job("Import codebook", ["codebook", "import", str(good)])
    assert finish(qtbot, job).ok
    window.jobs.list.setCurrentRow(0)
    assert "Imported ss_local_study version 1" in window.jobs.detail.text()
    assert [table.item(0, c).text() for c in (0, 1, 4)] == ["ss_local_study", "1", "not yet"]
