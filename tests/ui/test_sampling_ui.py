"""The sampling dialog previews a plan live as it is edited, names the line of a mistake, and draws a sample
that the Samples page then lists with its units and coders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.sampling import list_samples, sample_items
from bwvtool.ui.sampling.dialog import SamplingDialog
from bwvtool.ui.sampling.page import SamplesPage

PLAN = """name: Test simple
unit: clip
frame:
  where: {field: sources, op: contains_any, value: [stop_search]}
design:
  sample: {method: simple, n: 12}
assignment:
  coders: [ann, bob]
  double_code: 0.25
"""


@pytest.fixture
def sampling_ws(workspace, tmp_path):
    end = datetime.now(UTC)
    write_csv(tmp_path / "cat.csv", synthetic_rows(400, seed=3, start=end - timedelta(days=30), end=end))
    import_catalogue(workspace, tmp_path / "cat.csv", actor="test")
    with workspace.transaction("test") as tx:  # a draw hands units only to coders who exist
        for name in ("ann", "bob", "cy"):
            workspace.coder_id(tx, name)
    return workspace


def test_preview_follows_the_text_and_draw_lands_on_the_samples_page(qtbot, sampling_ws):
    page = SamplesPage(sampling_ws, "carol")
    qtbot.addWidget(page)
    dialog = SamplingDialog(sampling_ws, "carol", page)
    qtbot.addWidget(dialog)
    dialog.editor.setPlainText(PLAN)
    dialog.refresh()
    stop_search = sum(
        "stop_search" in r[0] for r in sampling_ws.conn.execute("SELECT sources FROM clips").fetchall()
    )
    assert f"Eligible frame: <b>{stop_search:,}</b>" in dialog.summary.text()
    assert "expected sample: <b>12</b>" in dialog.summary.text()

    dialog.editor.setPlainText(PLAN.replace("contains_any", "contains_some"))
    dialog.refresh()
    assert "line 4" in dialog.problem.text() and not dialog.draw_button.isEnabled()

    dialog.editor.setPlainText(PLAN)
    dialog.refresh()
    dialog.seed.setText("41")
    dialog.drawn.connect(lambda sample_id: page.reload(select=sample_id))
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    assert list_samples(sampling_ws) == []  # the confirmation first: nothing stored yet
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    (sample,) = list_samples(sampling_ws)
    assert sample["seed"] == 41 and sample["clips"] == 12
    assert page.list.count() == 1 and page.items.rowCount() == 12
    items = sample_items(sampling_ws, sample["id"])
    assert {i["coder"] for i in items} <= {"ann", "bob"}
    assert sum(bool(i["reliability_coder"]) for i in items) == 3  # 25% double-coded, blind to a second coder


def test_plans_by_title_codebook_shown_and_coders_chosen(qtbot, sampling_ws):
    dialog = SamplingDialog(sampling_ws, "carol")
    qtbot.addWidget(dialog)
    titles = [dialog.choice.itemText(i) for i in range(dialog.choice.count())]
    assert titles[:3] == ["PIOSS weekly", "Stop and search study", "Supervisor dip sample"]
    dialog.choice.setCurrentIndex(1)
    dialog._choose(1)
    assert dialog.codebook.currentData() == "ss_language_behaviour"  # the study plan names its codebook
    assert dialog.chosen_coders() is None  # the plan names nobody: nobody is ticked, nobody invented
    dialog.editor.setPlainText(PLAN)
    dialog.refresh()
    assert dialog.chosen_coders() == ["ann", "bob"]  # the plan's coders that exist, ticked
    dialog.coders.item(2).setCheckState(Qt.CheckState.Checked)  # cy as well
    dialog.codebook.setCurrentIndex(dialog.codebook.findData("pioss_review"))
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    (sample,) = list_samples(sampling_ws)
    assert sample["codebook"] == "pioss_review"
    assert {i["coder"] for i in sample_items(sampling_ws, sample["id"])} <= {"ann", "bob", "cy"}


def test_the_confirmation_shows_the_draw_and_back_or_a_changed_catalogue_store_nothing(
    qtbot, sampling_ws, tmp_path
):
    dialog = SamplingDialog(sampling_ws, "carol")
    qtbot.addWidget(dialog)
    dialog.editor.setPlainText(PLAN.replace("coders: [ann, bob]", "coders: [ann, bob, cy]"))
    dialog.refresh()
    dialog.seed.setText("5")
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    page = dialog.confirm
    assert dialog.steps.currentWidget() is page and not dialog.confirm_button.isHidden()
    facts = page.facts.text()
    assert "n = <b>12 clips</b>" in facts and "seed 5 (option)" in facts and "none named" in facts
    coders = {
        page.coders.item(r, 0).text(): page.coders.item(r, 1).text() for r in range(page.coders.rowCount())
    }
    assert set(coders) == {"ann", "bob", "cy"} and sum(int(v) for v in coders.values()) == 12
    assert "No shortfalls" in page.shortfalls.text()

    qtbot.mouseClick(dialog.back_button, Qt.MouseButton.LeftButton)  # Back: the editor again, nothing stored
    assert dialog.steps.currentIndex() == 0 and list_samples(sampling_ws) == []
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    shown = dialog.staged
    end = datetime.now(UTC)
    more = synthetic_rows(50, seed=9, start=end - timedelta(days=3), end=end)
    write_csv(tmp_path / "more.csv", [{**row, "clip_id": f"M{row['clip_id']}"} for row in more])
    import_catalogue(sampling_ws, tmp_path / "more.csv", actor="test")  # the catalogue changes meanwhile
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert list_samples(sampling_ws) == [] and dialog.steps.currentWidget() is page
    assert "the catalogue changed since this draw was shown" in page.changed.text().lower()
    assert dialog.staged.manifest_sha256 != shown.manifest_sha256 and list_samples(sampling_ws) == []
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)  # the new draw, now confirmed
    (sample,) = list_samples(sampling_ws)
    assert (
        sample["seed"] == 5
        and sampling_ws.conn.execute("SELECT manifest_sha256 FROM samples").fetchone()[0]
        == dialog.staged.manifest_sha256
    )


def test_a_draw_that_takes_nothing_cannot_be_confirmed(qtbot, sampling_ws):
    dialog = SamplingDialog(sampling_ws, "carol")
    qtbot.addWidget(dialog)
    dialog.editor.setPlainText(
        PLAN.replace("frame:\n", 'frame:\n  window: {from: "2001-01-01", to: "2001-02-01"}\n')
    )
    dialog.refresh()
    # The preview's "expected sample: 0" says why, before the reviewer asks to draw.
    assert "expected sample: <b>0</b>" in dialog.summary.text()
    assert "Nothing to draw: no clips were recorded in the window" in dialog.summary.text()
    qtbot.mouseClick(dialog.draw_button, Qt.MouseButton.LeftButton)
    assert dialog.steps.currentIndex() == 1 and "Nothing to draw" in dialog.confirm.changed.text()
    assert not dialog.confirm_button.isEnabled() and "n = <b>0 clips</b>" in dialog.confirm.facts.text()
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert list_samples(sampling_ws) == []
