"""The desk opens each assignment with its sample's codebook (never whatever the Codebook box shows), lists each
assignment with its sample, keeps one clip in two samples as two codings, and shows a coder none of the other
coder's work on a blind double-coded clip."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bwvtool import sampling
from bwvtool.catalogue.importer import import_catalogue
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook_by_id
from tests.core.test_study_codings import PIOSS_PLAN, STUDY_PLAN, write_catalogue


@pytest.fixture
def two_samples(workspace_location, tmp_path):
    ws = open_workspace(workspace_location, create=True)
    import_catalogue(ws, write_catalogue(tmp_path), actor="test")
    ensure_default_codebooks(ws, actor="test")
    with ws.transaction("test") as tx:
        for name in ("coder1", "coder2"):
            ws.coder_id(tx, name)
    pioss = sampling.draw(ws, PIOSS_PLAN, seed=1, actor="lead")
    study = sampling.draw(ws, STUDY_PLAN, seed=1, actor="lead", coders=["coder1", "coder2"])
    yield ws, pioss, study
    ws.close()


def _desk(qtbot, ws, user):
    from bwvtool.ui.desk.desk import ASSIGNMENT_ROLE, CodingDesk

    desk = CodingDesk(ws, user)
    qtbot.addWidget(desk)
    desk.resize(1500, 950)
    pioss_book = desk.codebook_choice.findText("PIOSS", Qt.MatchFlag.MatchContains)
    desk.codebook_choice.setCurrentIndex(pioss_book)  # the box says PIOSS: the study must not care
    desk.show()
    entries = {}
    for row in range(desk.queue.count()):
        item = desk.queue.item(row)
        entries[(item.data(Qt.ItemDataRole.UserRole), item.text().splitlines()[-1].strip())] = item.data(
            ASSIGNMENT_ROLE
        )
    return desk, entries


def _open(qtbot, desk, clip_id, assignment_id):
    with qtbot.waitSignal(desk.player.durationKnown, timeout=20_000):
        desk.open_clip(clip_id, assignment_id)
    qtbot.waitUntil(lambda: desk.player.current_frame()[0] >= 0, timeout=30_000)
    desk.setFocus()


def test_each_assignment_opens_with_its_samples_codebook(qtbot, two_samples):
    ws, pioss, study = two_samples
    desk, entries = _desk(qtbot, ws, "coder1")
    names = {s["id"]: s["name"] for s in sampling.list_samples(ws)}
    # The queue shows each assignment with its sample: S1 twice, once per sample.
    assert ("S1", names[pioss]) in entries and ("S1", names[study]) in entries
    _open(qtbot, desk, "S1", entries[("S1", names[study])])
    assert desk.codebook.key == "ss_language_behaviour" and not desk.codebook_choice.isEnabled()
    assert desk.review.codebook.key == "ss_language_behaviour"
    qtbot.keyClick(desk, Qt.Key.Key_C)  # command, for the study
    qtbot.waitUntil(lambda: len(desk.session) == 1, timeout=10_000)
    _open(qtbot, desk, "S1", entries[("S1", names[pioss])])
    assert desk.codebook.key == "pioss_review" and len(desk.session) == 0  # a second coding, not the study's
    assert desk.review.codebook.key == "pioss_review"
    (event,) = event_rows.for_clip(ws.conn, "S1")
    study_assignment = entries[("S1", names[study])]
    assert event.assignment_id == study_assignment
    assert get_codebook_by_id(ws.conn, event.codebook_id).key == "ss_language_behaviour"
    _open(qtbot, desk, "S1", study_assignment)
    assert len(desk.session) == 1 and desk.session.events[0].id == event.id


def test_the_second_coder_sees_none_of_the_first_coders_work(qtbot, two_samples):
    ws, _pioss, study = two_samples
    first, entries = _desk(qtbot, ws, "coder1")
    name = next(s["name"] for s in sampling.list_samples(ws) if s["id"] == study)
    _open(qtbot, first, "S1", entries[("S1", name)])
    qtbot.keyClick(first, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: len(first.session) == 1, timeout=10_000)
    second, entries = _desk(qtbot, ws, "coder2")
    _open(qtbot, second, "S1", entries[("S1", name)])
    assert len(second.session) == 0 and second.session.coder == "coder2"
    assert second.model.rowCount() == 0  # the event table holds only coder2's (no) events
    assert len(event_rows.for_clip(ws.conn, "S1")) == 1  # coder1's event is there, just not shown


def test_the_samples_page_shows_the_codebook_and_lets_the_lead_open_a_complete_study(qtbot, two_samples):
    from bwvtool.coding import review
    from bwvtool.store.codebooks import get_codebook
    from bwvtool.ui.sampling.page import SamplesPage
    from tests.core.test_export_fixtures import ANSWERS

    ws, _pioss, study = two_samples
    page = SamplesPage(ws, "lead")
    qtbot.addWidget(page)
    page.reload(select=study)
    assert "ss_language_behaviour" in page.header.text() and "blind double coding" in page.header.text()
    assert not page.unblind_button.isHidden()
    qtbot.mouseClick(page.unblind_button, Qt.MouseButton.LeftButton)
    assert "not complete yet" in page.header.text()  # refused, and said why
    stored = get_codebook(ws.conn, "ss_language_behaviour")
    rows = ws.conn.execute(
        "SELECT a.id, a.clip_id, k.name FROM assignments a JOIN coders k ON k.id = a.coder_id WHERE a.sample_id = ?",
        (study,),
    ).fetchall()
    for assignment, clip, coder in rows:
        for item, value in ANSWERS.items():
            review.save_answer(ws, clip_id=clip, coder=coder, codebook=stored.codebook, codebook_id=stored.id,
                               item_id=item, value=value, assignment_id=assignment)  # fmt: skip
        review.complete(ws, clip_id=clip, coder=coder, codebook=stored.codebook, codebook_id=stored.id,
                        assignment_id=assignment)  # fmt: skip
    page.show_sample(study)
    qtbot.mouseClick(page.unblind_button, Qt.MouseButton.LeftButton)
    assert "opened by lead" in page.header.text() and page.unblind_button.isHidden()


def test_queue_icons_follow_the_work_and_a_finished_clip_hands_over_to_the_next_in_order(qtbot, two_samples):
    from bwvtool.store import queue as queue_rows
    from bwvtool.ui.desk.desk import ASSIGNMENT_ROLE, STATUS_ICON

    ws, _pioss, _study = two_samples
    desk, _entries = _desk(qtbot, ws, "coder1")
    order = [
        (desk.queue.item(r).data(Qt.ItemDataRole.UserRole), desk.queue.item(r).text())
        for r in range(desk.queue.count())
    ]
    assert all(text.startswith(STATUS_ICON["not_started"]) for _, text in order)
    first = desk.queue.item(0)
    _open(qtbot, desk, first.data(Qt.ItemDataRole.UserRole), first.data(ASSIGNMENT_ROLE))
    qtbot.keyClick(desk, Qt.Key.Key_V if desk.codebook.key == "pioss_review" else Qt.Key.Key_C)
    qtbot.waitUntil(lambda: len(desk.session) == 1, timeout=10_000)
    assert desk.queue.currentItem().text().startswith(STATUS_ICON["in_progress"])  # at once, no reload
    with ws.transaction("coder1") as tx:  # the review is completed (the form's Ctrl+Return does the same)
        queue_rows.set_status(tx, clip_id=desk.clip_id, coder_id=ws.find_coder("coder1"), status="complete",
                              assignment_id=desk.coding.assignment_id)  # fmt: skip
    second = desk.queue.item(1)
    expected = (second.data(Qt.ItemDataRole.UserRole), second.data(ASSIGNMENT_ROLE))
    with qtbot.waitSignal(desk.player.durationKnown, timeout=20_000):
        desk._clip_completed()
    assert (desk.clip_id, desk.coding.assignment_id) == expected  # the next one in the list, not the top


def test_coding_a_clip_from_a_samples_page_opens_that_samples_assignment(qtbot, two_samples):
    from bwvtool.ui.main_window import MainWindow

    ws, pioss, study = two_samples
    window = MainWindow(ws, "coder1")
    qtbot.addWidget(window)
    for sample_id, key in ((study, "ss_language_behaviour"), (pioss, "pioss_review")):
        window.samples.show_sample(sample_id)
        rows = {window.samples.items.item(r, 0).text(): r for r in range(window.samples.items.rowCount())}
        with qtbot.waitSignal(window.coding_desk().player.durationKnown, timeout=20_000):
            window.code_clip("S1", sample_id)  # what activating the row does
        desk = window.desk
        assert "S1" in rows and desk.coding.assignment.sample_id == sample_id and desk.codebook.key == key
    window.close()  # as the user would, while its workspace is still there (the fixture closes it next)
