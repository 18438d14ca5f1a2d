"""The Sequences view: lag-1 transitions of a sample's events as a heat map, from
:func:`bwvtool.export.coded.sample_transitions`, with the strongest transitions listed beside it.

Options mirror ``bwvtool sequences``: sequences across actors or per actor, codes labelled by actor, one coder's
events or everyone's. The CSV export writes every given -> target row with the core's writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bwvtool.ui import theme
from bwvtool.ui.analysis.heatmap import SIGNIFICANT, ResidualLegend, TransitionHeatMap
from bwvtool.ui.analysis.reliability_view import Banner
from bwvtool.ui.analysis.tables import Column, TablePanel

DEFAULT_MIN_COUNT = 5  # as `bwvtool sequences --min-count`

if TYPE_CHECKING:
    from bwvtool.analysis.sequences import Transitions

CELL_TEXTS = (("Count", "count"), ("Adjusted residual", "residual"), ("Yule's Q", "yules_q"))
# The core's rows (:func:`bwvtool.export.figures.transition_rows`) under short headers, to fit beside the grid.
STRONGEST_COLUMNS = [Column("given", "Given"), Column("target", "Next"), Column("count", "Count", "number"),
                     Column("expected", "Expected", "number"), Column("adj. residual", "z", "number"),
                     Column("Yule's Q", "Yule's Q", "number")]  # fmt: skip


class _SidePanel(QWidget):
    """The legend and the strongest transitions: 720 px where there is room, down to half that on a narrow
    window (the heat map beside it scrolls), so the page never makes the window wider than the screen."""

    WIDTH = 720

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumWidth(self.WIDTH // 2)
        self.setMaximumWidth(self.WIDTH)

    def sizeHint(self) -> QSize:
        return QSize(self.WIDTH, super().sizeHint().height())


class SequencesView(QWidget):
    """``options_changed`` asks the page to compute the transitions again; ``shown`` follows each result."""

    options_changed = Signal()
    shown = Signal()
    exported = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transitions: Transitions | None = None
        self._init_widgets()
        self._init_layout()
        self._connect_signals()

    def _init_widgets(self) -> None:
        self.scope = QComboBox()
        self.scope.addItem("Across actors", False)
        self.scope.addItem("Per actor", True)
        self.scope.setToolTip(
            "Across actors: one sequence per coder and clip, so an officer's move can precede a subject's.\n"
            "Per actor: each actor's events form their own sequence."
        )
        self.label_actor = QCheckBox("Label codes by actor")
        self.label_actor.setToolTip(
            "Label each event by its actor and code (e.g. Officer 1 · Command), to see who follows whom"
        )
        self.coder = QComboBox()
        self.coder.addItem("All coders", None)
        self.coder.setMinimumContentsLength(12)
        self.min_count = QSpinBox(minimum=1, maximum=1000, value=DEFAULT_MIN_COUNT, suffix=" times")
        self.min_count.setToolTip(
            "Transitions seen fewer times are left blank and not listed: they say little"
        )
        self.cell_text = QComboBox()
        for text, key in CELL_TEXTS:
            self.cell_text.addItem(text, key)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip(
            "Every given → target row: count, expected, adjusted residual, Yule's Q"
        )
        self.export_button.setEnabled(False)
        self.banner = Banner()
        self.summary = theme.muted(QLabel(wordWrap=True))
        self.heatmap = TransitionHeatMap()
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.heatmap)
        self.scroll.setWidgetResizable(False)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scroll.setStyleSheet(f"QScrollArea {{ background: {theme.BASE}; border: 1px solid {theme.BORDER};"
                                  " border-radius: 4px; }")  # fmt: skip
        self.heatmap.setStyleSheet(f"background: {theme.BASE};")
        self.legend = ResidualLegend()
        self.strongest = TablePanel(f"Transitions with |adjusted residual| ≥ {SIGNIFICANT}, strongest first")
        self.strongest.setObjectName("transitions-significant")

    def _init_layout(self) -> None:
        controls = QHBoxLayout()
        controls.setSpacing(8)
        controls.addWidget(QLabel("Sequences:"))
        controls.addWidget(self.scope)
        controls.addSpacing(8)
        controls.addWidget(self.label_actor)
        controls.addSpacing(8)
        controls.addWidget(QLabel("Coder:"))
        controls.addWidget(self.coder)
        controls.addSpacing(8)
        controls.addWidget(QLabel("Seen at least:"))
        controls.addWidget(self.min_count)
        controls.addSpacing(8)
        controls.addWidget(QLabel("Cells show:"))
        controls.addWidget(self.cell_text)
        controls.addStretch(1)
        controls.addWidget(self.export_button)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.legend)
        side.addWidget(self.strongest, 1)
        side_holder = _SidePanel()
        side_holder.setLayout(side)
        body = QHBoxLayout()
        body.setSpacing(14)
        body.addWidget(self.scroll, 1)
        body.addWidget(side_holder)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        outer.setSpacing(8)
        outer.addLayout(controls)
        outer.addWidget(self.banner)
        outer.addWidget(self.summary)
        outer.addLayout(body, 1)

    def _connect_signals(self) -> None:
        self.scope.currentIndexChanged.connect(lambda _: self.options_changed.emit())
        self.label_actor.toggled.connect(lambda _: self.options_changed.emit())
        self.coder.currentIndexChanged.connect(lambda _: self.options_changed.emit())
        self.cell_text.currentIndexChanged.connect(
            lambda _: self.heatmap.set_cell_text(self.cell_text.currentData())
        )
        self.min_count.valueChanged.connect(self._redraw)
        self.export_button.clicked.connect(self._export_dialog)
        self.scroll.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The heat map follows the size of its scroll area (cells shrink to show the whole grid)."""
        if watched is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self.heatmap.fit(self.scroll.viewport().size())
        return False

    # -- options -----------------------------------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`~bwvtool.export.coded.sample_transitions`."""
        return {"by_actor": bool(self.scope.currentData()), "label_actor": self.label_actor.isChecked(),
                "coder": self.coder.currentData()}  # fmt: skip

    def set_coders(self, names: list[str]) -> None:
        """The coders to choose from (keeps the current choice when it is still there, without recomputing)."""
        current = self.coder.currentData()
        self.coder.blockSignals(True)
        self.coder.clear()
        self.coder.addItem("All coders", None)
        for name in names:
            self.coder.addItem(name, name)
        index = self.coder.findData(current)
        self.coder.setCurrentIndex(max(index, 0))
        self.coder.blockSignals(False)

    # -- results -----------------------------------------------------------------------------------------------
    def clear(self) -> None:
        self.transitions = None
        self.banner.clear_message()
        self.summary.setText("")
        self.heatmap.set_transitions(None)
        self.strongest.set_rows([], [])
        self.export_button.setEnabled(False)

    def show_error(self, message: str) -> None:
        self.clear()
        self.banner.show_messages([message], "info")
        self.shown.emit()

    def show_transitions(self, result: Transitions) -> None:
        from bwvtool.export.figures import transition_rows

        self.transitions = result
        self.banner.clear_message()
        rows = result.rows()
        seen = self.min_count.value()
        strongest = transition_rows(rows, min_abs_residual=SIGNIFICANT, min_count=seen, names=result.names)
        options = self.options()
        scope = "per actor" if options["by_actor"] else "across actors"
        who = f"coder {options['coder']}" if options["coder"] else "all coders"
        self.summary.setText(
            f"{int(result.total):,} lag-1 transitions between {len(result.labels)} codes ({scope}, {who}); "
            f"{len(strongest)} seen {seen}+ times with |z| ≥ {SIGNIFICANT} are outlined; transitions seen fewer than"
            f" {seen} times are left blank. Rows: the given code; columns: the code right after it. Hover over a"
            " cell for its counts, residual and Yule's Q."
        )
        self.heatmap.set_transitions(result, seen)
        self.strongest.set_rows(STRONGEST_COLUMNS, strongest)
        self.export_button.setEnabled(bool(result.labels))
        self.shown.emit()

    def _redraw(self) -> None:
        if self.transitions is not None:
            self.show_transitions(self.transitions)

    def export_csv(self, path: str | Path) -> int:
        """Write every given -> target row (the ``sequences --out`` file); returns the row count."""
        from bwvtool.export.coded import write_transitions

        if self.transitions is None:
            return 0
        written = write_transitions(path, self.transitions)
        self.exported.emit(str(path))
        return written

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export transitions", "transitions.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_csv(path)
