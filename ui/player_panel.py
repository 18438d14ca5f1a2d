"""The player area: a dark panel with the video surface and the selected clip's details.

The surface is an empty black 16:9 frame for now; the player widget takes its place in ``video_surface``.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget

from bwvtool.store.browse import ClipRow
from bwvtool.ui import columns, theme

_FIELDS = (
    "Recorded",
    "Length",
    "Officer",
    "Borough",
    "Sources",
    "Use of force",
    "Assault",
    "Subject",
    "Stop and search",
    "Media",
)


class _AspectFrame(QFrame):
    """A frame that keeps a 16:9 shape at whatever width it is given."""

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width * 9 // 16


class PlayerPanel(QFrame):
    """Shows which clip is selected; ``show_clip(None)`` returns to the empty state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playerPanel")
        self.setStyleSheet(theme.PLAYER_STYLE)
        self._init_state()
        self._init_widgets()
        self._init_layout()

    def _init_state(self) -> None:
        self.clip: ClipRow | None = None
        self._values: dict[str, QLabel] = {}

    def _init_widgets(self) -> None:
        self.video_surface = _AspectFrame(objectName="videoSurface")
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.video_surface.setSizePolicy(policy)
        self.video_surface.setMinimumHeight(180)
        self.surface_label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.empty_title = QLabel(
            "No clip selected", objectName="playerTitle", alignment=Qt.AlignmentFlag.AlignCenter
        )
        self.empty_hint = QLabel(
            "Choose a clip in the catalogue to see its details here.",
            objectName="playerMuted",
            alignment=Qt.AlignmentFlag.AlignCenter,
            wordWrap=True,
        )
        self.title = QLabel(objectName="playerTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel(objectName="playerMuted")

    def _init_layout(self) -> None:
        surface_layout = QVBoxLayout(self.video_surface)
        surface_layout.addWidget(self.surface_label)

        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty_title)
        empty_layout.addWidget(self.empty_hint)
        empty_layout.addStretch(1)

        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.setSpacing(10)
        details_layout.addWidget(self.video_surface)
        details_layout.addSpacing(6)
        details_layout.addWidget(self.title)
        details_layout.addWidget(self.subtitle)
        form = QFormLayout()
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(7)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        for name in _FIELDS:
            form.addRow(QLabel(name, objectName="playerMuted"), self._value(name))
        details_layout.addLayout(form)
        details_layout.addStretch(1)

        self._stack = QStackedLayout()
        self._stack.addWidget(empty)
        self._stack.addWidget(details)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 18, 18, 18)
        outer.addLayout(self._stack)

    def _value(self, name: str) -> QLabel:
        value = QLabel(wordWrap=True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._values[name] = value
        return value

    # -- public -------------------------------------------------------------------------------------------
    def show_clip(self, clip: ClipRow | None) -> None:
        self.clip = clip
        if clip is None:
            self._stack.setCurrentIndex(0)
            return
        self.title.setText(clip.clip_id)
        self.subtitle.setText(f"Incident {clip.incident_id}")
        borough = f"{clip.borough} ({clip.bcu})" if clip.bcu else clip.borough
        values = {
            "Recorded": columns.format_recorded(clip.recorded_ts) + " UTC",
            "Length": columns.format_duration(clip.duration_s),
            "Officer": clip.officer_ref,
            "Borough": borough,
            "Sources": columns.sources_text(clip),
            "Use of force": columns.tactics_text(clip),
            "Assault": columns.assaults_text(clip),
            "Subject": columns.subject_text(clip),
            "Stop and search": columns.stop_search_text(clip),
            "Media": self._media_line(clip),
        }
        for name, text in values.items():
            self._values[name].setText(text or "—")
        if clip.media_path:
            self.surface_label.setText(
                f"<div style='font-size:40px'>{columns.VIDEO_MARK}</div><div>{escape(Path(clip.media_path).name)}</div>"
            )
        else:
            self.surface_label.setText("No video linked to this clip in the catalogue")
        self._stack.setCurrentIndex(1)

    @staticmethod
    def _media_line(clip: ClipRow) -> str:
        if not clip.media_path:
            return ""
        return f"{Path(clip.media_path).name} · {columns.media_text(clip)}"
