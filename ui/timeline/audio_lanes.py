"""Lanes under the coding timeline for what was heard and said: the waveform with speech shaded, momentary
loudness with the clip's speech level and the raised-voice threshold, and the transcript with suggestion marks.

It draws on the timeline's own :class:`~bwvtool.ui.timeline.geometry.View` (same zoom, same scroll, same label
column), repaints whenever the timeline does, and computes nothing itself: the per-pixel reductions come from
:func:`bwvtool.audio.tracks.columns`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from bwvtool.audio.tracks import DEFAULT_RAISED_LU, AudioTracks, columns
from bwvtool.ui.timeline.geometry import View
from bwvtool.ui.timeline.widget import BACKGROUND, GRID, LABEL_W, LANE_A, LANE_B, MUTED, PLAYHEAD, TEXT

WAVE_H, LOUD_H, SPEECH_H = 44, 44, 26
FLOOR_LUFS, TOP_LUFS = -60.0, 0.0
SPEECH = QColor(97, 175, 239, 45)
WAVE = QColor("#98c379")
LOUD = QColor("#e5c07b")
RAISED = QColor(224, 108, 117, 80)
LEVEL = QColor("#56b6c2")
SUGGESTED, ACCEPTED = QColor("#ffd866"), QColor("#98c379")
SPEAKER_COLOURS = ("#61afef", "#c678dd", "#d19a66", "#56b6c2")


class AudioLanes(QWidget):
    """Waveform, loudness and transcript lanes; click to seek."""

    seekRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = View()
        self.tracks: AudioTracks | None = None
        self.raised_lu = DEFAULT_RAISED_LU
        self.utterances: list = []  # objects with start_ms, end_ms, speaker, text
        self.automatic = False
        self.suggestions: list[dict] = []
        self.current_utterance: int | None = None  # the one playing
        self.picked_utterance: int | None = None  # the one picked for coding (code keys code it)
        self.playhead_ms = 0
        self.status_text = ""  # "analysing…" while the tracks are computed
        self._speakers: dict[str, QColor] = {}
        self._font = QFont()
        self._font.setPointSizeF(8.5)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(WAVE_H + LOUD_H + SPEECH_H)

    # -- following the timeline ----------------------------------------------------------------------------------
    def follow(self, timeline: QWidget) -> None:
        """Share ``timeline``'s view and repaint with it (zoom, scroll, playhead)."""
        self.view = timeline.view  # type: ignore[attr-defined]
        timeline.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Paint:
            self.playhead_ms = getattr(watched, "playhead_ms", self.playhead_ms)
            self.update()
        return False

    # -- content -----------------------------------------------------------------------------------------------
    def set_tracks(self, tracks: AudioTracks | None, status: str = "") -> None:
        self.tracks, self.status_text = tracks, status
        self.update()

    def set_raised_lu(self, value: float) -> None:
        self.raised_lu = value
        self.update()

    def set_transcript(self, utterances: list, automatic: bool = False) -> None:
        self.utterances, self.automatic = list(utterances), automatic
        self.picked_utterance = None
        speakers = list(dict.fromkeys(u.speaker or "" for u in self.utterances))
        self._speakers = {
            s: QColor(SPEAKER_COLOURS[i % len(SPEAKER_COLOURS)]) for i, s in enumerate(speakers)
        }
        self.update()

    def set_suggestions(self, suggestions: list[dict]) -> None:
        self.suggestions = [s for s in suggestions if s["status"] != "dismissed"]
        self.update()

    def set_current(self, index: int | None) -> None:
        self.current_utterance = index
        self.update()

    def set_picked(self, index: int | None) -> None:
        self.picked_utterance = index
        self.update()

    # -- painting ------------------------------------------------------------------------------------------------
    def _x(self, ms: float) -> float:
        return LABEL_W + self.view.x_of(ms)

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setFont(self._font)
        painter.fillRect(self.rect(), BACKGROUND)
        rows = (("Waveform · speech shaded", 0, WAVE_H), (self._loudness_label(), WAVE_H, LOUD_H),
                (self._transcript_label(), WAVE_H + LOUD_H, SPEECH_H))  # fmt: skip
        for i, (label, top, height) in enumerate(rows):
            painter.fillRect(QRectF(0, top, self.width(), height), LANE_A if i % 2 == 0 else LANE_B)
            painter.setPen(TEXT)
            painter.drawText(QRectF(10, top, LABEL_W - 14, height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap, label)  # fmt: skip
        painter.setPen(GRID)
        painter.drawLine(LABEL_W, 0, LABEL_W, self.height())
        painter.setClipRect(QRectF(LABEL_W, 0, self.width() - LABEL_W, self.height()))
        if self.tracks is not None:
            self._paint_speech(painter)
            self._paint_waveform(painter)
            self._paint_loudness(painter)
        elif self.status_text:
            painter.setPen(MUTED)
            painter.drawText(QRectF(LABEL_W + 8, 0, self.width(), WAVE_H + LOUD_H), Qt.AlignmentFlag.AlignVCenter,
                             self.status_text)  # fmt: skip
        self._paint_transcript(painter)
        x = self._x(self.playhead_ms)
        painter.setPen(QPen(PLAYHEAD, 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()

    def _loudness_label(self) -> str:
        level = self.tracks.speech_level_lufs if self.tracks is not None else None
        speech = "" if level is None else f" · speech {level:.0f} LUFS"
        return f"Loudness{speech}\nraised: ≥ +{self.raised_lu:g} LU above speech"

    def _transcript_label(self) -> str:
        if not self.utterances:
            return "Transcript · none"
        automatic = " · AUTOMATIC" if self.automatic else ""
        if self.picked_utterance is not None:
            return f"Transcript{automatic} · line {self.picked_utterance + 1} PICKED"
        return f"Transcript{automatic} · {len(self.utterances)} lines"

    def _paint_speech(self, painter: QPainter) -> None:
        assert self.tracks is not None
        for region in self.tracks.regions:
            x0, x1 = self._x(region.start_ms), self._x(region.end_ms)
            if x1 >= LABEL_W and x0 <= self.width():
                painter.fillRect(QRectF(x0, 0, max(1.0, x1 - x0), WAVE_H + LOUD_H), SPEECH)
        for candidate in self.tracks.raised(self.raised_lu):
            x0, x1 = self._x(candidate.start_ms), self._x(candidate.end_ms)
            painter.fillRect(QRectF(x0, WAVE_H, max(2.0, x1 - x0), LOUD_H), RAISED)

    def _paint_waveform(self, painter: QPainter) -> None:
        assert self.tracks is not None
        width = max(0, self.width() - LABEL_W)
        wave = self.tracks.waveform.astype(np.float64) / 127
        args = (self.tracks.wave_step_ms, self.view.start_ms, self.view.ms_per_px, width)
        lows, highs = columns(wave[:, 0], *args, "min"), columns(wave[:, 1], *args, "max")
        mid, half = WAVE_H / 2, WAVE_H / 2 - 3
        painter.setPen(WAVE)
        painter.drawLines([
            QLineF(LABEL_W + i + 0.5, mid - highs[i] * half, LABEL_W + i + 0.5, mid - lows[i] * half + 0.5)
            for i in np.flatnonzero(~np.isnan(lows))
        ])  # fmt: skip

    def _y_of_lufs(self, lufs: float) -> float:
        share = (min(TOP_LUFS, max(FLOOR_LUFS, lufs)) - FLOOR_LUFS) / (TOP_LUFS - FLOOR_LUFS)
        return WAVE_H + LOUD_H - 3 - share * (LOUD_H - 6)

    def _paint_loudness(self, painter: QPainter) -> None:
        assert self.tracks is not None
        width = max(0, self.width() - LABEL_W)
        # value k covers the 400 ms ending at (k + 1) * step: draw it at the window's end
        start = self.view.start_ms - self.tracks.loudness_step_ms
        loud = columns(
            self.tracks.loudness, self.tracks.loudness_step_ms, start, self.view.ms_per_px, width, "max"
        )
        shown = np.flatnonzero(~np.isnan(loud))
        if len(shown):
            painter.setPen(QPen(LOUD, 1.2))
            painter.drawPolyline(QPolygonF([QPointF(LABEL_W + i, self._y_of_lufs(loud[i])) for i in shown]))
        level = self.tracks.speech_level_lufs
        if level is not None:
            for value, style in (
                (level, Qt.PenStyle.SolidLine),
                (level + self.raised_lu, Qt.PenStyle.DashLine),
            ):
                painter.setPen(QPen(LEVEL, 1, style))
                y = self._y_of_lufs(value)
                painter.drawLine(QPointF(LABEL_W, y), QPointF(self.width(), y))

    def _paint_transcript(self, painter: QPainter) -> None:
        top = WAVE_H + LOUD_H
        metrics = QFontMetrics(self._font)
        for i, u in enumerate(self.utterances):
            x0, x1 = self._x(u.start_ms), self._x(u.end_ms)
            if x1 < LABEL_W or x0 > self.width():
                continue
            rect = QRectF(x0, top + 4, max(2.0, x1 - x0), SPEECH_H - 8)
            colour = QColor(self._speakers.get(u.speaker or "", QColor(SPEAKER_COLOURS[0])))
            colour.setAlpha(230 if i == self.current_utterance else 120)
            painter.fillRect(rect, colour)
            if i == self.picked_utterance:  # not the playing line's white: the line code keys code
                painter.setPen(QPen(SUGGESTED, 3))
                painter.drawRect(rect)
            elif i == self.current_utterance:
                painter.setPen(QPen(QColor("#ffffff"), 1.5))
                painter.drawRect(rect)
            if rect.width() > 24:
                painter.setPen(QColor("#ffffff"))
                painter.drawText(rect.adjusted(3, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter,
                                 metrics.elidedText(u.text, Qt.TextElideMode.ElideRight, int(rect.width() - 5)))  # fmt: skip
        for s in self.suggestions:
            x = self._x(s["onset_ms"])
            painter.setBrush(ACCEPTED if s["status"] == "accepted" else SUGGESTED)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawPolygon(QPolygonF([QPointF(x - 4, top), QPointF(x + 4, top), QPointF(x, top + 6)]))

    # -- input --------------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        x = event.position().x()
        if x >= LABEL_W:
            ms = int(max(0, min(self.view.duration_ms, self.view.ms_at(x - LABEL_W))))
            self.seekRequested.emit(ms)
