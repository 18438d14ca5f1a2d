"""The Debrief tab: choose a reviewed clip, edit the narrative beside the preview, save versions, export a PDF."""

from __future__ import annotations

import re
import subprocess

import pytest

from bwvtool import debrief
from bwvtool.store import audit
from bwvtool.ui.debrief import DebriefPage
from tests.core.test_debrief import clip_file, make_reviewed_workspace  # noqa: F401 - the session fixture


@pytest.fixture
def page(workspace_location, tmp_path, clip_file, qtbot):  # noqa: F811 - the imported fixture
    ws = make_reviewed_workspace(tmp_path / "w", clip_file, location=workspace_location)
    widget = DebriefPage(lambda: ws, "sgt.test")
    qtbot.addWidget(widget)
    widget.resize(1500, 900)
    with qtbot.waitSignal(widget.stills_loaded, timeout=60_000):
        widget.show()  # loads the list and opens its first review
    yield widget
    widget.wait_for_stills()
    ws.close()


def test_page_lists_completed_reviews_and_previews_the_draft(page):
    assert [(r.clip_id, r.coder, r.has_video) for r in page.model.rows] == [("D001", "rev.one", True)]
    assert page.note is not None and page.note.version is None
    assert page.title.text() == "Debrief note — PC555, clip D001"
    assert page.version.currentText() == "Draft from the review (not saved)"
    assert page.editors["individual_learning"].toPlainText() == "Give the reason before the first command."
    text = page.preview.document().toPlainText()
    assert "Key moments" in text and "Assault on officer: kicking" in text and "first use of force" in text
    assert page.save_button.isEnabled() and not page.revert_button.isEnabled()
    assert all(m.still_png for m in page.note.moments)  # grabbed on the worker thread
    page.search.setText("nobody matches this")
    assert page.model.rowCount() == 0 and page.list_count.text() == "0 completed reviews"


def test_edits_are_saved_as_versions_and_shown_in_the_preview(page, qtbot):
    ws = page.workspace
    page.editors["next_steps"].setPlainText("Meet in two weeks; watch a stop together.")
    assert page.is_dirty() and page.revert_button.isEnabled()
    qtbot.waitUntil(lambda: "Meet in two weeks" in page.preview.document().toPlainText(), timeout=30_000)
    assert page.save() == 1
    assert not page.is_dirty() and page.version.currentText().startswith("Version 1 — ")
    shown = page.preview.document().toPlainText()
    assert "Version 1, saved" in shown and "not saved yet" not in shown
    page.editors["went_well"].setPlainText("Calm voice throughout.")
    page.save_button.click()
    assert [v["version"] for v in debrief.versions(ws, "D001")] == [1, 2]
    assert debrief.build_note(ws, "D001", stills=False).narrative["went_well"] == "Calm voice throughout."
    page._on_version(page.version.findData(1))
    assert page.note.version == 1 and page.editors["went_well"].toPlainText() != "Calm voice throughout."
    page.editors["summary"].setPlainText("Changed, then discarded.")
    page.revert_button.click()
    assert not page.is_dirty()
    saves = [r for r in audit.recent(ws.conn, 20, entity="debrief_note") if r["action"] == "debrief.save"]
    assert len(saves) == 2 and {r["actor"] for r in saves} == {"sgt.test"}


def test_export_saves_first_and_writes_an_audited_pdf(page, tmp_path):
    page.editors["next_steps"].setPlainText("Refresher on GOWISELY by the end of the month.")
    out = tmp_path / "note.pdf"
    result = page.export_to(out)
    assert result is not None and result.version == 1 and out.is_file()
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert pages >= 2 and f"Page {pages} of {pages}" in text and "Refresher on GOWISELY" in text
    row = audit.recent(page.workspace.conn, 1, entity="debrief_note")[0]
    assert row["action"] == "debrief.export" and row["detail"]["stills"] == 5 and row["actor"] == "sgt.test"
    html = page.export_to(tmp_path / "note.html")
    assert html is not None and html.version == 1  # nothing changed: the same version again


def test_the_pdf_footer_keeps_a_long_label_clear_of_the_marking(page, tmp_path):
    """A long clip id and officer reference are shortened in the middle, never run into OFFICIAL-SENSITIVE."""
    import dataclasses
    import xml.etree.ElementTree as ET

    from bwvtool.ui.debrief.pdf import write_pdf

    assert page.save() == 1
    note = page.note
    long_facts = dataclasses.replace(
        note.facts,
        clip_id="BWV000004734-CAMERA-2-EXTENDED-CLIP",
        officer_ref="PC 123456 Lambeth South Response Team",
    )
    out = tmp_path / "long.pdf"
    write_pdf(dataclasses.replace(note, facts=long_facts), out)
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(out), "-"],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = [
        (w.text, float(w.get("xMin")), float(w.get("xMax")), float(w.get("yMin")))
        for w in ET.fromstring(boxes.split("<body>")[1].split("</body>")[0].join(["<b>", "</b>"])).iter()
        if w.tag.endswith("word")
    ]
    bottom = max(y for *_, y in words)
    footer = [w for w in words if w[3] > bottom - 2]  # the last line of the page
    marking = [w for w in footer if w[0] == "OFFICIAL-SENSITIVE"]
    left = [w for w in footer if w[0] != "OFFICIAL-SENSITIVE" and w[1] < marking[0][1]]  # begun left of it
    assert marking and left, footer
    assert max(x_max for _, _, x_max, _ in left) < marking[0][1] - 5, footer  # a clear gap before the marking
    assert any(t == "1" for t, *_ in footer) or any("version" in t for t, *_ in footer)  # the version stays
