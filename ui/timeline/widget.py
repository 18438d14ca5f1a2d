"""The timeline widget: paints a :class:`~bwvtool.coding.session.CodingSession`'s events and edits them through it.

It holds no events of its own beyond a per-lane index for fast visible-range queries; every edit (drag, resize,
delete) goes through the session, which commits it before the widget repaints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPainterPath, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from bwvtool.coding.actors import actor_label
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodingError, CodingSession
from bwvtool.ui.timeline.geometry import LaneIndex, View, format_ms, lane_indexes, ruler_step_ms
from bwvtool.wording import count

RULER_H = 26
LANE_H = 26
LABEL_W = 215
EDGE_PX = 5
SPARE_LANES = 2  # empty lanes' room kept below the last lane, for actors that appear while coding
DENSE_PX_PER_EVENT = (
    8  # fewer pixels than this per event on screen: paint coverage, shapes can't be told apart
)

BACKGROUND = QColor("#1e2127")
LANE_A = QColor("#252932")
LANE_B = QColor("#22262e")
GRID = QColor("#343a46")
TEXT = QColor("#c8ccd4")
MUTED = QColor("#7f8796")
PLAYHEAD = QColor("#ff5c57")
SELECTED = QColor("#ffd866")
ESCALATES = QColor("#ff6b5e")  # escalation up: a red ▲ in the lane's upper half
CALMS = QColor("#5fd38d")  # escalation down: a green ▼ in its lower half
CAUSE_COLOURS = {"up": ESCALATES, "down": CALMS}  # a cause link in its marker's colour (others: muted)
LABEL_MIN_PX = 28  # a point event's label is drawn when at least this much room is free after its marker


def _actor_order(actor: str) -> tuple[int, int]:
    kind, _, number = actor.rpartition("_")
    rank = {"officer": 0, "subject": 1}.get(kind, 2)
    return rank, int(number) if number.isdigit() else 0


@dataclass(frozen=True)
class Lane:
    track: str
    actor: str
    label: str
    colour: str = "#61afef"


Snap = Callable[[float], tuple[int, int]]  # ms -> (frame start ms, frame index)


def _default_snap(ms: float) -> tuple[int, int]:
    frame = max(0, int(ms // 40))
    return frame * 40, frame


class TimelineWidget(QWidget):
    seekRequested = Signal(int)
    selectionChanged = Signal(object)
    editFailed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_state()
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(RULER_H + 3 * LANE_H)

    def _init_state(self) -> None:
        self.session: CodingSession | None = None
        self.lanes: list[Lane] = []
        self._lane_of: dict[tuple[str, str], int] = {}
        self._index: dict[tuple[str, str], LaneIndex] = {}  # by lane key (track, actor)
        self.lane_factory: Callable[[str, str], Lane] = lambda track, actor: Lane(
            track, actor, f"{track} · {actor}"
        )
        self.track_order: dict[str, int] = {}
        self.labels: dict[str, str] = {}  # code id -> the codebook's label
        self.escalation: dict[str, str] = {}  # code id -> 'up' / 'down'
        self._settled = True  # lanes added now go below the others (see _add_lane)
        self._reserved_lanes = 0  # lanes the timeline's height has room for
        self.view = View()
        self.playhead_ms = 0
        self.selected: int | None = None
        self.snap: Snap = _default_snap
        self.frame_ms: float | None = 40.0
        self._drag: tuple[str, int, float, Event] | None = None  # (part, id, press ms, original)
        self._ghost: Event | None = None
        self._font = QFont()
        self._font.setPointSizeF(8.5)
        self._metrics = QFontMetrics(self._font)  # made once: labels are measured on every paint

    # -- wiring -------------------------------------------------------------------------------------------------
    def set_session(
        self,
        session: CodingSession,
        lanes: list[Lane],
        duration_ms: int,
        *,
        snap: Snap | None = None,
        frame_ms: float | None = None,
        labels: dict[str, str] | None = None,
        escalation: dict[str, str] | None = None,
    ) -> None:
        """Show ``session`` in ``lanes``; ``labels`` name codes as the codebook does (code id → label) and
        ``escalation`` says which codes mark an escalation ('up' or 'down')."""
        # An event selected on the clip before is not an event of this one: Enter, Delete, * and an escalation
        # marker's cause would act on it.
        self.select(None)
        self.session = session
        self.labels = dict(labels or {})
        self.escalation = dict(escalation or {})
        self.lanes = list(lanes)
        self.track_order = {}
        for lane in lanes:
            self.track_order.setdefault(lane.track, len(self.track_order))
        self._lane_of = {(lane.track, lane.actor): i for i, lane in enumerate(self.lanes)}
        self.view.duration_ms = max(1, duration_ms)
        self.view.width_px = max(100, self.width() - LABEL_W)
        self.view.fit()
        self.snap = snap or _default_snap
        self.frame_ms = frame_ms
        self._settled = False
        self._rebuild_index()
        self._settled = True
        session.on_change(self._session_changed)
        self._reserve_height(fresh=True)
        self.update()

    def set_playhead(self, ms: int, follow: bool = False) -> None:
        self.playhead_ms = ms
        if follow:
            self.view.ensure_visible(ms)
        self.update()

    def select(self, event_id: int | None) -> None:
        if event_id != self.selected:
            self.selected = event_id
            self.selectionChanged.emit(event_id)
            self.update()

    def zoom_by(self, factor: float, anchor_ms: float | None = None) -> None:
        self.view.zoom(factor, self.playhead_ms if anchor_ms is None else anchor_ms)
        self.update()

    # -- index ----------------------------------------------------------------------------------------------------
    def _lane_for(self, event: Event) -> tuple[str, str]:
        return self._lane_key(event.track, event.actor)

    def _add_lane(self, track: str, actor: str) -> None:
        """A lane for a new (track, actor). While a clip opens, lanes take their places by track and actor; once
        it is on screen a new lane goes below the others, so no lane the coder is looking at moves."""
        self.lanes.append(self.lane_factory(track, actor))
        if not self._settled:
            last = len(self.track_order)
            self.lanes.sort(
                key=lambda lane: (self.track_order.get(lane.track, last), _actor_order(lane.actor))
            )
        self._lane_of = {(lane.track, lane.actor): i for i, lane in enumerate(self.lanes)}
        self._reserve_height()

    def _reserve_height(self, *, fresh: bool = False) -> None:
        """Room for every lane and SPARE_LANES more: lanes that appear while coding fill the spare room without the
        window's layout moving; only past it does the timeline ask for more (and keeps new spare room)."""
        if fresh or len(self.lanes) > self._reserved_lanes:
            self._reserved_lanes = max(3, len(self.lanes)) + SPARE_LANES
        self.setMinimumHeight(RULER_H + self._reserved_lanes * LANE_H + 4)

    def _end_of(self, event: Event) -> int:
        return (
            event.offset_ms
            if event.offset_ms is not None
            else (self.view.duration_ms if self._is_open_state(event) else event.onset_ms)
        )

    def _is_open_state(self, event: Event) -> bool:
        return (
            event.offset_ms is None
            and self.session is not None
            and self.session.codes.spec(event.code).is_state
        )

    def _rebuild_index(self) -> None:
        """Index every event by lane from the session's columns (no event object made: a 50,000-event clip
        indexes in a few milliseconds)."""
        assert self.session is not None
        self._index = lane_indexes(
            self.session.columns(), self.session.codes, self.view.duration_ms, self._lane_key
        )

    def _lane_key(self, track: str, actor: str) -> tuple[str, str]:
        key = (track, actor)
        if key not in self._lane_of:
            self._add_lane(track, actor)
        return key

    def _index_row(self, event: Event) -> tuple[int, int, int, bool]:
        is_point = event.offset_ms is None and not self._is_open_state(event)
        return event.id, event.onset_ms, self._end_of(event), is_point  # type: ignore[return-value]

    def _session_changed(self, kind: str, event: Event | None) -> None:
        if event is None or event.id is None:
            self._rebuild_index()
        else:
            # A changed event may have moved lane (new actor or code): only the lane holding it is touched.
            for index in self._index.values():
                if event.id in index:
                    index.remove(event.id)
                    break
            if kind != "removed":
                row = self._index_row(event)
                self._index.setdefault(self._lane_for(event), LaneIndex()).add(*row)
            elif self.selected == event.id:
                self.select(None)
        self.update()

    # -- geometry ---------------------------------------------------------------------------------------------------
    def _lane_rect(self, lane: int) -> QRectF:
        return QRectF(LABEL_W, RULER_H + lane * LANE_H, self.width() - LABEL_W, LANE_H)

    def _event_rect(self, event: Event, lane: int) -> QRectF:
        row = self._lane_rect(lane)
        x0 = LABEL_W + self.view.x_of(event.onset_ms)
        if event.offset_ms is None and not self._is_open_state(event):
            return QRectF(x0 - 3, row.top() + 4, 6, row.height() - 8)
        end = event.offset_ms if event.offset_ms is not None else max(self.playhead_ms, event.onset_ms)
        x1 = LABEL_W + self.view.x_of(end)
        return QRectF(x0, row.top() + 5, max(2.0, x1 - x0), row.height() - 10)

    def event_at(self, pos: QPointF) -> tuple[Event, str] | None:
        """The event under ``pos`` and the part hit: 'body', 'start' or 'end'."""
        if self.session is None or pos.y() < RULER_H or pos.x() < LABEL_W:
            return None
        lane = int((pos.y() - RULER_H) // LANE_H)
        if not 0 <= lane < len(self.lanes):
            return None
        index = self._index.get((self.lanes[lane].track, self.lanes[lane].actor))
        if index is None:
            return None
        ms = self.view.ms_at(pos.x() - LABEL_W)
        slack = (EDGE_PX + 2) * self.view.ms_per_px
        for event_id in reversed(index.visible(ms - slack, ms + slack)):
            event = self.session.event(event_id)
            rect = self._event_rect(event, lane).adjusted(-2, 0, 2, 0)
            if not rect.contains(pos):
                continue
            if event.offset_ms is not None:
                if abs(pos.x() - rect.left() - 2) <= EDGE_PX:
                    return event, "start"
                if abs(pos.x() - rect.right() + 2) <= EDGE_PX:
                    return event, "end"
            return event, "body"
        return None

    # -- painting ---------------------------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.view.width_px = max(100, self.width() - LABEL_W)
        self.view.clamp()
        super().resizeEvent(event)

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setFont(self._font)
        painter.fillRect(self.rect(), BACKGROUND)
        self._paint_lanes(painter)
        self._paint_ruler(painter)
        self._paint_events(painter)
        self._paint_playhead(painter)
        painter.end()

    def _lane_text(self, lane: Lane) -> str:
        """The lane's label fitted to the label column: the track name is shortened, the actor kept whole."""
        metrics = self._metrics
        room = LABEL_W - 16
        if metrics.horizontalAdvance(lane.label) <= room:
            return lane.label
        track, sep, actor = lane.label.rpartition(" · ")
        if not sep:
            return metrics.elidedText(lane.label, Qt.TextElideMode.ElideRight, room)
        tail = f" · {actor}"
        return (
            metrics.elidedText(track, Qt.TextElideMode.ElideRight, room - metrics.horizontalAdvance(tail))
            + tail
        )

    def _paint_lanes(self, painter: QPainter) -> None:
        for i, lane in enumerate(self.lanes):
            row = self._lane_rect(i)
            painter.fillRect(QRectF(0, row.top(), self.width(), LANE_H), LANE_A if i % 2 == 0 else LANE_B)
            painter.fillRect(QRectF(0, row.top() + 4, 4, LANE_H - 8), QColor(lane.colour))
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(10, row.top(), LABEL_W - 14, LANE_H),
                Qt.AlignmentFlag.AlignVCenter,
                self._lane_text(lane),
            )
        painter.setPen(GRID)
        painter.drawLine(LABEL_W, RULER_H, LABEL_W, self.height())

    def _paint_ruler(self, painter: QPainter) -> None:
        painter.fillRect(QRectF(0, 0, self.width(), RULER_H), QColor("#171a1f"))
        step = ruler_step_ms(self.view.ms_per_px, self.frame_ms)
        first = int(max(0, self.view.start_ms) // step) * step
        t = first
        while t <= min(self.view.end_ms, self.view.duration_ms):
            x = LABEL_W + self.view.x_of(t)
            if x >= LABEL_W:
                painter.setPen(GRID)
                painter.drawLine(QPointF(x, RULER_H), QPointF(x, self.height()))
                painter.setPen(MUTED)
                painter.drawLine(QPointF(x, RULER_H - 7), QPointF(x, RULER_H))
                if self.frame_ms and step == self.frame_ms:
                    label = f"f{int(round(t / self.frame_ms))}"
                else:
                    label = format_ms(t, step)
                painter.drawText(QPointF(x + 3, RULER_H - 10), label)
            t += step
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(10, 0, LABEL_W - 14, RULER_H),
            Qt.AlignmentFlag.AlignVCenter,
            self.header_text(),
        )

    def header_text(self) -> str:
        """What the corner above the lane labels says: how many events the clip has."""
        return count(len(self.session) if self.session else 0, "event")

    def _paint_events(self, painter: QPainter) -> None:
        if self.session is None:
            return
        start, end = self.view.start_ms, self.view.end_ms
        painter.setClipRect(QRectF(LABEL_W, RULER_H, self.width() - LABEL_W, self.height() - RULER_H))
        for key, index in self._index.items():
            lane = self._lane_of[key]
            colour = QColor(self.lanes[lane].colour)
            if index.count_between(start, end) * DENSE_PX_PER_EVENT > self.view.width_px:
                self._paint_dense(painter, index, lane, colour)
                continue
            shown = [self._shown_event(event_id) for event_id in index.visible(start, end)]
            state_end = None  # the latest end of the lane's states so far: a point under one is not labelled
            for k, event in enumerate(shown):
                self._paint_event(painter, event, lane, colour)
                if event.offset_ms is None and not self._is_open_state(event):
                    if (
                        state_end is None or event.onset_ms > state_end
                    ):  # over a state bar: its label is there
                        following = shown[k + 1].onset_ms if k + 1 < len(shown) else None
                        self._paint_point_label(painter, event, lane, following)
                else:
                    state_end = max(state_end or 0, self._end_of(event))
                if event.caused_by is not None:
                    self._paint_cause(painter, event, lane)
        painter.setClipping(False)

    def _shown_event(self, event_id: int) -> Event:
        assert self.session is not None
        if self._ghost is not None and self._ghost.id == event_id:
            return self._ghost
        return self.session.event(event_id)

    def label_of(self, code: str) -> str:
        return self.labels.get(code, code)

    def _paint_point_label(
        self, painter: QPainter, event: Event, lane: int, following_ms: int | None
    ) -> None:
        """A point event's label beside its marker, when the lane is free far enough to its right."""
        row = self._lane_rect(lane)
        x = LABEL_W + self.view.x_of(event.onset_ms) + 7
        right = self.width() if following_ms is None else LABEL_W + self.view.x_of(following_ms) - 9
        room = min(right, self.width()) - x
        if room < LABEL_MIN_PX:
            return
        metrics = self._metrics
        text = metrics.elidedText(self.label_of(event.code), Qt.TextElideMode.ElideRight, int(room))
        if text in ("", "…"):
            return
        painter.setPen(TEXT)
        painter.drawText(QRectF(x, row.top(), room, row.height()), Qt.AlignmentFlag.AlignVCenter, text)

    def marker_centre(self, event: Event, lane: int) -> QPointF:
        """Where an event's marker sits: a point event's marker (▲ high, ▼ low for escalation), a state's start."""
        row = self._lane_rect(lane)
        x = LABEL_W + self.view.x_of(event.onset_ms)
        direction = self.escalation.get(event.code)
        y = row.top() + (
            8 if direction == "up" else row.height() - 8 if direction == "down" else row.height() / 2
        )
        return QPointF(x, y)

    def cause_line(self, event: Event) -> tuple[QPointF, QPointF] | None:
        """From the marker of the event that caused escalation ``event`` to ``event``'s marker (None: no cause
        known, or it is in no lane)."""
        if self.session is None or event.caused_by is None or event.caused_by not in self.session:
            return None
        cause = self._shown_event(event.caused_by)
        lane, cause_lane = (
            self._lane_of.get((event.track, event.actor)),
            self._lane_of.get((cause.track, cause.actor)),
        )
        if lane is None or cause_lane is None:
            return None
        return self.marker_centre(cause, cause_lane), self.marker_centre(event, lane)

    def _paint_cause(self, painter: QPainter, event: Event, lane: int) -> None:
        """The cause link of an escalation marker (or any event linked to a cause, e.g. a turning point): a dashed
        curve from the causing event, ending in an arrow."""
        line = self.cause_line(event)
        if line is None:
            return
        (x0, y0), (x1, y1) = (line[0].x(), line[0].y()), (line[1].x(), line[1].y())
        direction = self.escalation.get(event.code)
        colour = SELECTED if event.id == self.selected else CAUSE_COLOURS.get(direction, MUTED)
        path = QPainterPath(QPointF(x0, y0))
        bend = max(12.0, abs(x1 - x0) / 3)
        path.cubicTo(QPointF(x0 + bend, y0), QPointF(x1 - bend, y1), QPointF(x1 - 6, y1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(colour, 1.4, Qt.PenStyle.DashLine))
        painter.drawPath(path)
        painter.drawEllipse(QPointF(x0, y0), 2.5, 2.5)
        head = QPainterPath(QPointF(x1 - 5, y1))
        head.lineTo(x1 - 11, y1 - 4)
        head.lineTo(x1 - 11, y1 + 4)
        head.closeSubpath()
        painter.fillPath(head, colour)

    def _paint_dense(self, painter: QPainter, index: LaneIndex, lane: int, colour: QColor) -> None:
        """A lane with more events than can be told apart: covered pixels and point ticks, batched."""
        row = self._lane_rect(lane)
        runs, ticks = index.coverage(self.view)
        fill = QColor(colour)
        fill.setAlpha(170)
        top, height = row.top() + 5, row.height() - 10
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRects([QRectF(LABEL_W + a, top, max(1, b - a), height) for a, b in runs])
        painter.setBrush(
            colour
        )  # neighbouring point ticks as one rectangle: a dense lane paints a few shapes
        painter.drawRects([QRectF(LABEL_W + a, row.top() + 4, b - a, row.height() - 8) for a, b in ticks])
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_event(self, painter: QPainter, event: Event, lane: int, colour: QColor) -> None:
        rect = self._event_rect(event, lane)
        selected = event.id == self.selected
        direction = self.escalation.get(event.code)
        if direction is not None and event.offset_ms is None:
            self._paint_escalation(painter, event, lane, direction, selected)
            return
        if rect.width() <= 6 and event.offset_ms is None and not self._is_open_state(event):
            path = QPainterPath()
            cx = rect.center().x()
            path.moveTo(cx, rect.top())
            path.lineTo(cx + 5, rect.top() + 6)
            path.lineTo(cx, rect.top() + 12)
            path.lineTo(cx - 5, rect.top() + 6)
            path.closeSubpath()
            painter.fillPath(path, SELECTED if selected else colour)
            painter.setPen(QPen(SELECTED if selected else colour, 2))
            painter.drawLine(QPointF(cx, rect.top() + 10), QPointF(cx, rect.bottom()))
            return
        fill = QColor(colour)
        fill.setAlpha(200 if event.offset_ms is not None else 120)
        painter.fillRect(rect, fill)
        if selected:
            painter.setPen(QPen(SELECTED, 2))
            painter.drawRect(rect)
        if event.starred:
            painter.setPen(SELECTED)
            painter.drawText(QPointF(rect.left() + 2, rect.top() - 1), "★")
        shown = rect.intersected(QRectF(LABEL_W, rect.top(), self.width() - LABEL_W, rect.height()))
        if shown.width() > 40:  # the label stays on screen while the bar's start is scrolled off to the left
            metrics = self._metrics
            text = metrics.elidedText(
                self.label_of(event.code), Qt.TextElideMode.ElideRight, int(shown.width()) - 6
            )
            painter.setPen(QColor("#101216"))
            painter.drawText(shown.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_escalation(
        self, painter: QPainter, event: Event, lane: int, direction: str, selected: bool
    ) -> None:
        """▲ in the lane's upper half for escalation up (red), ▼ in its lower half for down (green): the two read
        apart at a glance, in colour or not."""
        centre = self.marker_centre(event, lane)
        cx, cy = centre.x(), centre.y()
        colour = SELECTED if selected else ESCALATES if direction == "up" else CALMS
        tip = -6 if direction == "up" else 6
        path = QPainterPath(QPointF(cx, cy + tip))
        path.lineTo(cx + 6, cy - tip)
        path.lineTo(cx - 6, cy - tip)
        path.closeSubpath()
        painter.fillPath(path, colour)
        row = self._lane_rect(lane)
        painter.setPen(QPen(colour, 1))
        stem_from, stem_to = (cy + 6, row.bottom() - 3) if direction == "up" else (row.top() + 3, cy - 6)
        painter.drawLine(QPointF(cx, stem_from), QPointF(cx, stem_to))
        if event.starred:
            painter.setPen(SELECTED)
            painter.drawText(QPointF(cx + 5, row.top() + 9), "★")

    def _paint_playhead(self, painter: QPainter) -> None:
        x = LABEL_W + self.view.x_of(self.playhead_ms)
        if x < LABEL_W:
            return
        painter.setPen(QPen(PLAYHEAD, 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        path = QPainterPath()
        path.moveTo(x - 6, 0)
        path.lineTo(x + 6, 0)
        path.lineTo(x, 8)
        path.closeSubpath()
        painter.fillPath(path, PLAYHEAD)

    # -- mouse and wheel -----------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        pos = event.position()
        hit = self.event_at(pos)
        if hit is not None:
            found, part = hit
            self.select(found.id)
            self._drag = (part, found.id, self.view.ms_at(pos.x() - LABEL_W), found)  # type: ignore[arg-type]
            return
        if pos.x() >= LABEL_W:
            self.select(None)
            ms = max(0, min(self.view.duration_ms, int(self.view.ms_at(pos.x() - LABEL_W))))
            self.seekRequested.emit(ms)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        pos = event.position()
        if self._drag is None:
            hit = self.event_at(pos)
            shape = Qt.CursorShape.ArrowCursor
            if hit is not None:
                shape = Qt.CursorShape.SizeHorCursor if hit[1] != "body" else Qt.CursorShape.OpenHandCursor
                QToolTip.showText(event.globalPosition().toPoint(), self._describe(hit[0]), self)
            self.setCursor(shape)
            return
        part, _event_id, press_ms, original = self._drag
        self._ghost = self._dragged(original, part, self.view.ms_at(pos.x() - LABEL_W) - press_ms)
        self.update()

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        if self._drag is None:
            return
        ghost, (_, event_id, _, original) = self._ghost, self._drag
        self._drag, self._ghost = None, None
        if ghost is not None and ghost != original:
            changes = {k: getattr(ghost, k) for k in ("onset_ms", "onset_frame", "offset_ms", "offset_frame")}
            try:
                self.session.edit(event_id, **changes)  # type: ignore[union-attr]
            except CodingError as exc:
                self.editFailed.emit(str(exc))
        self.update()

    def _dragged(self, original: Event, part: str, delta_ms: float) -> Event:
        """The event as it would be after dragging ``part`` by ``delta_ms``, snapped to frame starts."""
        onset, onset_frame = original.onset_ms, original.onset_frame
        offset, offset_frame = original.offset_ms, original.offset_frame
        if part in ("body", "start"):
            onset, onset_frame = self.snap(max(0.0, original.onset_ms + delta_ms))
        if part == "body" and offset is not None:
            offset, offset_frame = self.snap(onset + (original.offset_ms - original.onset_ms))  # type: ignore[operator]
        if part == "end":
            offset, offset_frame = self.snap(max(original.onset_ms, original.offset_ms + delta_ms))  # type: ignore[operator]
        if offset is not None and offset < onset:
            onset, onset_frame = offset, offset_frame  # type: ignore[assignment]
        return original.with_changes(
            onset_ms=onset, onset_frame=onset_frame, offset_ms=offset, offset_frame=offset_frame
        )

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt name)
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            anchor = self.view.ms_at(event.position().x() - LABEL_W)
            self.zoom_by(0.8**steps, anchor)
        else:
            self.view.scroll_px(-steps * 60)
            self.update()
        event.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected is not None:
            self.session.delete(self.selected)  # type: ignore[union-attr]
            return
        super().keyPressEvent(event)

    def _describe(self, event: Event) -> str:
        span = format_ms(event.onset_ms)
        if event.offset_ms is not None:
            span += f" – {format_ms(event.offset_ms)} ({(event.offset_ms - event.onset_ms) / 1000:.2f} s)"
        lines = [
            f"<b>{self.label_of(event.code)}</b> · {actor_label(event.actor)}",
            f"{span}, frame {event.onset_frame}",
        ]
        if event.caused_by is not None and self.session is not None and event.caused_by in self.session:
            cause = self.session.event(event.caused_by)
            lines.append(f"caused by {self.label_of(cause.code)} at {format_ms(cause.onset_ms)}")
        if event.modifiers:
            lines.append(", ".join(f"{k}: {v}" for k, v in event.modifiers.items()))
        if event.note:
            lines.append(f"<i>{event.note}</i>")
        return "<br>".join(lines)
