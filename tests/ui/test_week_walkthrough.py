"""The unit's week in the app, one role at a time, on real widgets offscreen, real data (the demo generator's
catalogue and sample_media/ videos) and real jobs (``bwvtool`` child processes):

- the manager imports a catalogue from the Jobs page (rejects listed), checks media, adds coders and draws a study
  with its confirmation page;
- a reviewer codes a study clip on the desk with the study's codebook (palette and review form are the study's);
- a researcher verifies the study, makes a pseudonymised research export and computes its reliability, on the
  study's codebook only;
- a supervisor exports a debrief PDF.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from PySide6.QtCore import Qt

from bwvtool import sampling
from bwvtool.store import audit, open_workspace
from bwvtool.store import events as event_rows
from bwvtool.store.codebooks import get_codebook, get_codebook_by_id

STUDY = "ss_language_behaviour"
BAD_LINES = (
    '{"clip_id": "BAD-1", "incident_id": "X1", "recorded_at": "the day before", "duration_s": 30,'
    ' "officer_ref": "PC1", "borough": "Lambeth"}\n'
    '{"clip_id": "BAD-2", "incident_id": "X2", "recorded_at": "2026-11-02T10:00:00Z", "duration_s": -5,'
    ' "officer_ref": "PC2", "borough": "Lambeth"}\n'
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo workspace (catalogue with linked sample_media/ videos, samples, coding, reviews), built once."""
    from bwvtool.demo.builder import build_demo

    return build_demo(tmp_path_factory.mktemp("week-demo"), clips=1200)


@pytest.fixture
def demo_copy(demo, tmp_path):
    path = tmp_path / "ws.sqlite"
    shutil.copyfile(demo.db, path)
    return path


def _window(qtbot, ws, user):
    from bwvtool.ui.main_window import MainWindow

    window = MainWindow(ws, user)
    qtbot.addWidget(window)
    window.resize(1600, 940)
    window.show()
    return window


def _finish(qtbot, job, timeout=180_000):
    qtbot.waitUntil(lambda: job.result is not None, timeout=timeout)
    return job.result


def _sample_index(combo, sample_id):
    index = combo.findData(sample_id)
    assert index >= 0
    combo.setCurrentIndex(index)


def test_manager_imports_checks_media_adds_coders_and_draws_with_confirmation(qtbot, demo, tmp_path):
    from bwvtool.ui.jobs import forms
    from bwvtool.ui.sampling.dialog import SamplingDialog

    ws = open_workspace(tmp_path / "ws.sqlite", create=True)
    window = _window(qtbot, ws, "manager")
    export = tmp_path / "evidence-export.jsonl"
    export.write_text(demo.catalogue.read_text() + BAD_LINES)

    # Catalogue ▸ Import catalogue…: the form's command runs as a job; rejects are listed with line and reason.
    form = forms.ImportCatalogueForm(tmp_path, window)
    form.file.edit.setText(str(export))
    form.media_root.edit.setText(str(demo.directory))
    job = window.run_job(form.windowTitle(), form.arguments())
    assert window.pages.currentWidget() is window.jobs or window.jobs.running()
    result = _finish(qtbot, job)
    assert result.partial and result.data["inserted"] == 1200 and result.data["rejected"] == 2
    window.jobs.list.setCurrentRow(0)
    table = window.jobs.rejects
    rejects = [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]
    assert [(r[0], r[1], r[2]) for r in rejects] == [
        ("1201", "BAD-1", "recorded_at"),
        ("1202", "BAD-2", "duration_s"),
    ]
    assert "1,200 new clips" in window.jobs.detail.text()
    assert window.model.rowCount() > 0 and "1,200 clips" in window.status_counts.text()

    # Catalogue ▸ Check media…: every linked file hashed and probed, as a job.
    check = forms.CheckMediaForm(window._samples(), window)
    result = _finish(qtbot, window.run_job(check.windowTitle(), check.arguments()))
    assert result.ok and result.data["ok"] == result.data["checked"] > 0 and result.data["missing"] == 0
    assert f"Ok: {result.data['ok']:,}" in window.jobs.detail.text()

    # Sampling ▸ Coders…: the study's reviewers.
    coders = window.coders_dialog()
    qtbot.addWidget(coders)
    for name in ("ann", "bob", "cy"):
        coders.add(name, "reviewer")
    coders.table.selectRow(2)
    coders.toggle_selected()  # cy is on leave: no new units
    assert [(r["name"], r["active"]) for r in coders.rows] == [("ann", True), ("bob", True), ("cy", False)]

    # Sampling ▸ Draw a sample…: the study, its codebook, its coders; confirmed before anything is stored.
    dialog = SamplingDialog(window.workspace, "manager", window)
    qtbot.addWidget(dialog)
    index = dialog.choice.findText("Stop and search study")
    dialog.choice.setCurrentIndex(index)
    dialog._choose(index)
    assert dialog.codebook.currentData() == STUDY
    assert [dialog.coders.item(i).text() for i in range(dialog.coders.count())] == ["ann", "bob"]
    for row in range(dialog.coders.count()):
        dialog.coders.item(row).setCheckState(Qt.CheckState.Checked)
    dialog.seed.setText("2026")
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    page = dialog.confirm
    assert dialog.steps.currentWidget() is page and sampling.list_samples(window.workspace) == []
    shown = dialog.staged.summary
    assert f"n = <b>{shown['units']:,} incidents</b>" in page.facts.text() and STUDY in page.facts.text()
    assert "Shortfalls:" in page.shortfalls.text()  # the demo's year holds fewer stops than the study asks
    per_coder = {
        page.coders.item(r, 0).text(): int(page.coders.item(r, 1).text())
        for r in range(page.coders.rowCount())
    }
    assert set(per_coder) == {"ann", "bob"} and sum(per_coder.values()) == shown["units"]
    with qtbot.waitSignal(dialog.drawn, timeout=60_000) as drawn:
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    sample = sampling.get_sample(window.workspace, drawn.args[0])
    assert sample["codebook"] == STUDY and sample["manifest_sha256"] == dialog.staged.manifest_sha256
    assert sample["drawn_by"] == "manager"
    window.samples.reload(select=sample["id"])
    assert window.samples.items.rowCount() == sample["report"]["manifest"]["units"]


def test_reviewer_codes_a_study_clip_with_the_studys_codebook(qtbot, demo_copy):
    ws = open_workspace(demo_copy)
    plan = (
        "name: Reviewer's study week\ncodebook: ss_language_behaviour\nunit: clip\nframe:\n  where:\n    all:\n"
        "      - {field: sources, op: contains_any, value: [stop_search]}\n      - {field: media, op: present}\n"
        "design:\n  sample: {method: simple, n: 1}\nassignment:\n  coders: [rev.adams]\n"
    )
    study = sampling.draw(ws, plan, seed=3, actor="manager")
    (item,) = sampling.sample_items(ws, study)
    window = _window(qtbot, ws, "rev.adams")
    desk = window.coding_desk()
    pioss = desk.codebook_choice.findText("PIOSS", Qt.MatchFlag.MatchContains)
    desk.codebook_choice.setCurrentIndex(pioss)  # whatever the box shows, the assignment's codebook wins
    study_name = sampling.get_sample(ws, study)["name"]
    listed = [desk.queue.item(r).text() for r in range(desk.queue.count())]
    assert any(item["clip_id"] in text and study_name in text for text in listed)  # with its sample

    with qtbot.waitSignal(desk.player.durationKnown, timeout=30_000):
        window.code_clip(item["clip_id"], study)
    qtbot.waitUntil(lambda: desk.player.current_frame()[0] >= 0, timeout=30_000)
    stored = get_codebook(ws.conn, STUDY)
    assert desk.codebook.key == STUDY and not desk.codebook_choice.isEnabled()
    assert set(desk.palette._buttons) == {code.id for code in stored.codebook.codes}
    assert desk.review.codebook.key == STUDY
    desk.player.step(12)
    qtbot.waitUntil(lambda: desk.player.current_frame()[0] > 0, timeout=30_000)
    frame = desk.player.current_frame()[0]
    desk.setFocus()
    qtbot.keyClick(desk, Qt.Key.Key_C)  # "command", a study code
    qtbot.waitUntil(lambda: len(desk.session) == 1 and len(desk.edits) == 0, timeout=30_000)
    (event,) = [e for e in event_rows.for_clip(ws.conn, item["clip_id"]) if e.coder_id == ws.find_coder("rev.adams")
                and e.assignment_id == desk.assignment_in(item["clip_id"], study)]  # fmt: skip
    assert event.code == "command" and get_codebook_by_id(ws.conn, event.codebook_id).key == STUDY
    assert event.onset_frame == frame  # on the frame shown


def _study(ws):
    return next(s for s in sampling.list_samples(ws) if s["codebook"] == STUDY)


def test_researcher_verifies_exports_and_computes_reliability_on_the_studys_codebook(
    qtbot, demo_copy, tmp_path
):
    from bwvtool.export.pseudonym import generate_key_file
    from bwvtool.ui.jobs import forms

    ws = open_workspace(demo_copy)
    window = _window(qtbot, ws, "res.lee")
    study = _study(ws)

    verify = forms.VerifySampleForm(window._samples(), window)
    _sample_index(verify.sample, study["id"])
    result = _finish(qtbot, window.run_job(verify.windowTitle(), verify.arguments()))
    assert result.ok and result.data["status"] == "identical", result.message

    key = tmp_path / "keys" / "study.key"
    key.parent.mkdir()
    generate_key_file(key)
    export = forms.ResearchExportForm(window._samples(), tmp_path, window)
    _sample_index(export.sample, study["id"])
    export.out.edit.setText(str(tmp_path / "export"))
    export.key.edit.setText(str(key))
    export.dates.setCurrentIndex(export.dates.findData("week"))
    result = _finish(qtbot, window.run_job(export.windowTitle(), export.arguments()))
    assert result.ok, result.message
    written = {p.name for p in (tmp_path / "export").iterdir()}
    assert {"events.csv", "clips.csv"} <= written, written
    events = (tmp_path / "export" / "events.csv").read_text()
    assert "rev.adams" not in events and "BWV0" not in events  # coders and clips pseudonymised
    assert key.read_bytes().strip() not in demo_copy.read_bytes()  # the key never enters the workspace

    window.show_page(window.analysis)
    page = window.analysis
    page.select_sample(study["id"])
    page.n_boot.setValue(50)
    page.compute()
    qtbot.waitUntil(lambda: page.reliability.report is not None, timeout=120_000)
    report = page.reliability.report
    tracks = {track.id for track in get_codebook(ws.conn, STUDY).codebook.tracks}
    assert {entry["track"] for entry in report["time_sliced"]} <= tracks
    assert report["sample"]["codebooks"] == [f"{STUDY} v1"] and report["sample"]["double_coded"] > 0


def test_supervisor_exports_a_debrief_pdf(qtbot, demo_copy, tmp_path):
    ws = open_workspace(demo_copy)
    window = _window(qtbot, ws, "sgt.morgan")
    page = window.debrief
    with qtbot.waitSignal(page.stills_loaded, timeout=60_000):
        window.show_page(page)
    with_video = next(row for row in page.model.rows if row.has_video)
    if page.note is None or page.note.facts.clip_id != with_video.clip_id:
        with qtbot.waitSignal(page.stills_loaded, timeout=60_000):
            assert page.select(with_video.clip_id, with_video.coder)
    page.wait_for_stills()
    page.editors["next_steps"].setPlainText("Watch the stop together next week.")
    result = page.export_to(tmp_path / "debrief.pdf")
    assert result is not None and (tmp_path / "debrief.pdf").is_file()
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "debrief.pdf")], capture_output=True, text=True, check=True
    )
    assert int(re.search(r"Pages:\s+(\d+)", info.stdout)[1]) >= 1
    text = subprocess.run(["pdftotext", str(tmp_path / "debrief.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "Watch the stop together next week." in text and with_video.clip_id in text
    row = audit.recent(ws.conn, 1, entity="debrief_note")[0]
    assert row["action"] == "debrief.export" and row["actor"] == "sgt.morgan"
    assert json.loads(json.dumps(row["detail"]))["stills"] >= 1
