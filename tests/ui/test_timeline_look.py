"""What the timeline shows on a real PIOSS coding, read from its painted pixels: codes by their labels, point
labels where there is room, escalation up and down drawn apart, the cause link of an escalation marker, and lanes
that stay where they are when another actor's lane appears."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from bwvtool.coding.session import CodebookCodes, CodingSession
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook
from bwvtool.ui.timeline.widget import CALMS, ESCALATES, LABEL_W, LANE_H, RULER_H, Lane, TimelineWidget


@pytest.fixture
def timeline(qtbot, clip_workspace):
    ensure_default_codebooks(clip_workspace, actor="test")
    stored = get_codebook(clip_workspace.conn, "pioss_review")
    codebook = stored.codebook
    session = CodingSession(
        clip_workspace, clip_id="C001", coder="alice", codebook_id=stored.id, codes=CodebookCodes(codebook)
    )
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(LABEL_W + 1000, 260)
    lanes = [
        Lane("officer_language", "officer_1", "Officer language · Officer 1", "#61afef"),
        Lane("subject_behaviour", "subject_1", "Subject behaviour · Subject 1", "#e06c75"),
        Lane("escalation", "officer_1", "Escalation markers · Officer 1", "#2ca02c"),
    ]
    widget.set_session(
        session,
        lanes,
        duration_ms=100_000,
        labels={c.id: c.label for c in codebook.codes},
        escalation={c.id: c.escalation for c in codebook.codes if c.escalation},
    )
    widget.show()
    qtbot.waitExposed(widget)
    return widget, session


def _pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)


def _near(pixels: np.ndarray, colour, tolerance: int = 40) -> np.ndarray:
    """Mask of the pixels within ``tolerance`` of ``colour`` on every channel."""
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return (np.abs(pixels - target) <= tolerance).all(axis=2)


def _bright(pixels: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> int:
    """Pixels of text (light on the dark lanes) in a box."""
    return int((pixels[y0:y1, x0:x1].min(axis=2) > 150).sum())


def _lane_box(widget, lane: int) -> tuple[int, int]:
    return RULER_H + lane * LANE_H, RULER_H + (lane + 1) * LANE_H


def test_codes_are_named_by_their_labels(timeline):
    widget, session = timeline
    command = session.code_key("command", at_ms=10_000, at_frame=250, actor="officer_1")
    assert widget.label_of("command") == "Command" and widget.label_of("escalation_up") == "Escalation up"
    assert "<b>Command</b> · Officer 1" in widget._describe(command)


def test_a_point_events_label_is_drawn_only_where_there_is_room(timeline):
    widget, session = timeline
    session.code_key("command", at_ms=10_000, at_frame=250, actor="officer_1")  # alone: room for "Command"
    session.code_key("command", at_ms=60_000, at_frame=1500, actor="officer_1")  # crowded by the next one
    session.code_key("command", at_ms=60_200, at_frame=1505, actor="officer_1")
    top, bottom = _lane_box(widget, 0)
    pixels = _pixels(widget)
    alone = int(LABEL_W + widget.view.x_of(10_000))
    crowded = int(LABEL_W + widget.view.x_of(60_000))
    assert _bright(pixels, alone + 7, alone + 60, top, bottom) > 20  # the label's letters
    following = int(LABEL_W + widget.view.x_of(60_200))
    assert following - crowded < 28 and _bright(pixels, crowded + 7, following - 4, top, bottom) == 0


def test_escalation_up_and_down_are_drawn_apart_with_the_cause_link(timeline):
    widget, session = timeline
    cause = session.code_key("command", at_ms=20_000, at_frame=500, actor="officer_1")
    up = session.code_key("escalation_up", at_ms=30_000, at_frame=750, actor="officer_1")
    session.edit(up.id, caused_by=cause.id)
    down = session.code_key("escalation_down", at_ms=70_000, at_frame=1750, actor="officer_1")
    widget.update()
    pixels = _pixels(widget)
    top, bottom = _lane_box(widget, 2)
    middle = (top + bottom) // 2
    up_x, down_x = (int(LABEL_W + widget.view.x_of(ms)) for ms in (30_000, 70_000))
    up_box = _near(pixels[top:bottom, up_x - 7 : up_x + 8], ESCALATES)
    down_box = _near(pixels[top:bottom, down_x - 7 : down_x + 8], CALMS)
    assert (
        up_box[: middle - top].sum() > 15 and not _near(pixels[top:bottom, up_x - 7 : up_x + 8], CALMS).any()
    )
    assert (
        down_box[middle - top :].sum() > 15
        and not _near(pixels[top:bottom, down_x - 7 : down_x + 8], ESCALATES).any()
    )
    # ▲ sits high and points up (narrow at the top), ▼ sits low and points down (narrow at the bottom).
    up_rows = np.flatnonzero(up_box[: middle - top].any(axis=1))
    assert up_box[up_rows[0]].sum() < up_box[up_rows[-1]].sum()
    down_rows = np.flatnonzero(down_box[middle - top :].any(axis=1))
    assert down_box[middle - top + down_rows[0]].sum() > down_box[middle - top + down_rows[-1]].sum()
    # The cause link runs from the command (officer language lane) to the ▲ (escalation lane).
    start, end = widget.cause_line(session.event(up.id))
    assert (
        abs(start.x() - (LABEL_W + widget.view.x_of(20_000))) < 1
        and _lane_box(widget, 0)[0] < start.y() < _lane_box(widget, 0)[1]
    )
    assert abs(end.x() - up_x) <= 1 and top < end.y() < middle
    between = _near(pixels[_lane_box(widget, 0)[0] : bottom, int(start.x()) + 4 : up_x - 12], ESCALATES)
    assert between.sum() > 10  # the dashed link is painted between them
    assert widget.cause_line(session.event(down.id)) is None  # no cause, no link


def test_lanes_stay_put_when_another_actors_lane_appears(timeline):
    widget, session = timeline
    before = {(lane.track, lane.actor): widget._lane_rect(i).top() for i, lane in enumerate(widget.lanes)}
    height = widget.minimumHeight()
    session.code_key("command", at_ms=5_000, at_frame=125, actor="officer_2")  # a new lane, officer 2
    session.code_key("complies", at_ms=6_000, at_frame=150, actor="subject_2")  # and subject 2
    after = {(lane.track, lane.actor): widget._lane_rect(i).top() for i, lane in enumerate(widget.lanes)}
    assert {key: after[key] for key in before} == before
    assert len(widget.lanes) == 5 and widget.minimumHeight() == height  # the room was kept for them


def test_a_point_over_a_state_bar_leaves_the_bar_its_own_label(timeline):
    widget, session = timeline
    session.code_key("verbal_resistance", at_ms=20_000, at_frame=500, actor="subject_1")
    session.code_key("verbal_resistance", at_ms=45_000, at_frame=1125, actor="subject_1")
    session.code_key("complies", at_ms=30_000, at_frame=750, actor="subject_1")  # under the bar
    session.code_key("complies", at_ms=70_000, at_frame=1750, actor="subject_1")  # on its own
    top, bottom = _lane_box(widget, 1)
    pixels = _pixels(widget)
    under, alone = (int(LABEL_W + widget.view.x_of(ms)) for ms in (30_000, 70_000))
    assert _bright(pixels, under + 7, under + 60, top, bottom) == 0
    assert _bright(pixels, alone + 7, alone + 60, top, bottom) > 20
