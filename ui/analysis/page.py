"""The Analysis tab: a sample's inter-coder reliability and its lag-1 transition heat map.

Choose a sample, set the time-slice width, onset tolerance and bootstrap replicates, press Compute: the figures
are computed by the core (:func:`bwvtool.export.coded.sample_reliability`, the ``reliability`` command's
function) on a worker thread with its own connection, so the window stays responsive. The transitions
(:func:`bwvtool.export.coded.sample_transitions`) follow the chosen sample and options by themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwvtool.store import Workspace
from bwvtool.ui import theme
from bwvtool.ui.analysis.jobs import JobRunner
from bwvtool.ui.analysis.reliability_view import ReliabilityView
from bwvtool.ui.analysis.sequences_view import SequencesView
from bwvtool.ui.elided import ElidedLabel

RELIABILITY, SEQUENCES = "reliability", "sequences"


def _spin(low: int, high: int, value: int, step: int, suffix: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(tip)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    return spin


def sample_choices(ws: Workspace) -> list[dict[str, Any]]:
    """Every sample, newest first, with how many of its clips are coded and double-coded, and by whom."""
    from bwvtool import sampling
    from bwvtool.store import exports

    choices = []
    for sample in sampling.list_samples(ws):
        coders_of = exports.coders_by_clip(ws.conn, sample["id"])
        choices.append({
            "id": sample["id"], "name": sample["name"], "clips": sample["clips"],
            "coded": sum(bool(who) for who in coders_of.values()),
            "double_coded": sum(len(who) >= 2 for who in coders_of.values()),
            "coders": sorted(set().union(*coders_of.values())) if coders_of else [],
        })  # fmt: skip
    return choices


class AnalysisPage(QWidget):
    """``workspace`` returns the window's current workspace (it changes when the user opens another file)."""

    status = Signal(str)

    def __init__(
        self, workspace: Callable[[], Workspace], user: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.user = user  # who looks: a blind sample shows its coders only their own work
        self._shown_for: Workspace | None = None
        self.choices: dict[int, dict[str, Any]] = {}
        self.runner = JobRunner(self)
        self._init_widgets()
        self._init_layout()
        self._connect_signals()

    def _init_widgets(self) -> None:
        self.title = theme.heading(QLabel("Analysis"), 4)
        self.sample = QComboBox()
        self.sample.setMinimumContentsLength(24)
        # As wide as 24 characters, not as its longest sample: the list is the popup's to show in full.
        self.sample.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.sample.setToolTip("Samples with double-coded clips come first; the others have transitions only")
        self.bin_ms = _spin(10, 60_000, 1000, 100, " ms", "Time-slice width for kappa and alpha on tracks")
        tolerance_tip = "Onset tolerance: onset agreement, and linking point events for modified kappa"
        self.tolerance_ms = _spin(0, 10_000, 1000, 100, " ms", tolerance_tip)
        self.n_boot = _spin(
            10, 20_000, 1000, 100, "", "Bootstrap replicates over clips for the 95% intervals"
        )
        self.compute_button = QPushButton("Compute")
        self.compute_button.setDefault(True)
        self.compute_button.setToolTip("Compute every agreement figure for the sample's double-coded clips")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the bootstrap reports no progress
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(80, 10)
        self.busy_label = theme.muted(ElidedLabel())
        self.busy.hide()
        self.reliability = ReliabilityView()
        self.sequences = SequencesView()
        self.tabs = QTabWidget(documentMode=True)
        self.tabs.addTab(self.reliability, "Reliability")
        self.tabs.addTab(self.sequences, "Sequences")

    def _init_layout(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.title)
        top.addSpacing(16)
        top.addWidget(QLabel("Sample:"))
        top.addWidget(self.sample, 1)
        top.addSpacing(12)
        for text, spin in (("Bins:", self.bin_ms), ("Onset tolerance ±", self.tolerance_ms),
                           ("Bootstrap:", self.n_boot)):  # fmt: skip
            top.addWidget(QLabel(text))
            top.addWidget(spin)
        top.addSpacing(8)
        top.addWidget(self.compute_button)
        top.addSpacing(8)
        top.addWidget(self.busy)
        top.addWidget(self.busy_label, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        outer.setSpacing(6)
        outer.addLayout(top)
        outer.addWidget(self.tabs, 1)

    def _connect_signals(self) -> None:
        self.sample.currentIndexChanged.connect(lambda _: self._sample_changed())
        self.compute_button.clicked.connect(self.compute)
        self.sequences.options_changed.connect(self.compute_sequences)
        self.runner.busy_changed.connect(self._busy_changed)
        self.sequences.exported.connect(lambda path: self.status.emit(f"Wrote the transitions to {path}"))
        for panel in self.reliability.panels.values():
            panel.exported.connect(lambda path: self.status.emit(f"Wrote {path}"))
        self.sequences.strongest.exported.connect(lambda path: self.status.emit(f"Wrote {path}"))

    # -- samples -----------------------------------------------------------------------------------------------
    @property
    def workspace(self) -> Workspace:
        return self._workspace()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._shown_for is not self.workspace:
            self._shown_for = self.workspace
            self.reload()

    def reload(self) -> None:
        """List the workspace's samples: those with double-coded clips first (the first is chosen)."""
        current = self.sample_id
        choices = sample_choices(self.workspace)
        self.choices = {c["id"]: c for c in choices}
        ordered = [c for c in choices if c["double_coded"]] + [c for c in choices if not c["double_coded"]]
        self.sample.blockSignals(True)
        self.sample.clear()
        for number, choice in enumerate(ordered):
            if choice["double_coded"]:
                detail = f"{choice['double_coded']} double-coded of {choice['coded']} coded clips"
            else:
                detail = f"no double-coded clips ({choice['coded']} of {choice['clips']} coded)"
                if number and ordered[number - 1]["double_coded"]:  # a line between the two groups
                    self.sample.insertSeparator(self.sample.count())
            self.sample.addItem(f"#{choice['id']} {choice['name']} — {detail}", choice["id"])
        index = self.sample.findData(current) if current is not None else -1
        self.sample.setCurrentIndex(index if index >= 0 else (0 if self.sample.count() else -1))
        self.sample.blockSignals(False)
        self._sample_changed()

    @property
    def sample_id(self) -> int | None:
        data = self.sample.currentData()
        return int(data) if data is not None else None

    def select_sample(self, sample_id: int) -> None:
        index = self.sample.findData(sample_id)
        if index < 0:
            self.reload()
            index = self.sample.findData(sample_id)
        self.sample.setCurrentIndex(index)

    def _sample_changed(self) -> None:
        sample_id = self.sample_id
        self.compute_button.setEnabled(sample_id is not None)
        choice = self.choices.get(sample_id) if sample_id is not None else None
        if choice is None:
            self.reliability.clear("No samples in this workspace yet: draw one on the Samples page.")
            self.sequences.clear()
            return
        if choice["double_coded"]:
            self.reliability.clear(
                f"{choice['double_coded']} clip(s) of this sample are coded by two or more coders. "
                "Set the parameters above and press Compute."
            )
        else:
            self.reliability.clear(
                "No clip of this sample is double-coded yet: agreement cannot be computed."
            )
        self.sequences.set_coders(choice["coders"])
        self.compute_sequences()

    # -- computing ---------------------------------------------------------------------------------------------
    def parameters(self) -> dict[str, int]:
        """Keyword arguments for :func:`~bwvtool.export.coded.sample_reliability` (seed 0, as the command)."""
        return {"bin_ms": self.bin_ms.value(), "tolerance_ms": self.tolerance_ms.value(),
                "n_boot": self.n_boot.value(), "seed": 0}  # fmt: skip

    def compute(self) -> None:
        """Compute the chosen sample's reliability on a worker thread; the view fills in when it is done."""
        sample_id = self.sample_id
        if sample_id is None:
            return
        params = self.parameters()

        user = self.user

        def work(ws: Workspace) -> dict[str, Any]:
            from bwvtool.coding import blind
            from bwvtool.export.coded import sample_reliability

            blind.comparing(
                ws, sample_id, user, "reliability"
            )  # a blind sample's coders wait until it is opened
            return sample_reliability(ws, sample_id, **params)

        self.busy_label.setText(f"Computing reliability ({params['n_boot']:,} bootstrap replicates)…")
        self.runner.run(RELIABILITY, self.workspace.path, work,
                        lambda report: self._reliability_done(sample_id, report),
                        lambda message: self._reliability_failed(sample_id, message))  # fmt: skip

    def _reliability_done(self, sample_id: int, report: dict[str, Any]) -> None:
        if sample_id == self.sample_id:
            self.reliability.show_report(report)

    def _reliability_failed(self, sample_id: int, message: str) -> None:
        if sample_id == self.sample_id:
            self.reliability.show_error(message)

    def compute_sequences(self) -> None:
        """Compute the chosen sample's lag-1 transitions with the Sequences options (worker thread)."""
        sample_id = self.sample_id
        if sample_id is None:
            return
        options = self.sequences.options()

        user = self.user

        def work(ws: Workspace) -> Any:
            from bwvtool.coding import blind
            from bwvtool.export.coded import sample_transitions

            # A coder of a blind sample sees the transitions of their own coding only.
            coder, _notice = blind.reading_coder(ws, sample_id, user, options.get("coder"), "sequences")
            return sample_transitions(ws, sample_id, **{**options, "coder": coder})

        self.runner.run(SEQUENCES, self.workspace.path, work, self._sequences_done, self.sequences.show_error)

    def _sequences_done(self, result: Any) -> None:
        self.sequences.show_transitions(result)

    def _busy_changed(self, kind: str, busy: bool) -> None:
        if kind == RELIABILITY:
            self.compute_button.setEnabled(not busy and self.sample_id is not None)
        computing = self.runner.is_busy()
        self.busy.setVisible(computing)
        self.busy_label.setVisible(computing)
        if computing and not self.runner.is_busy(RELIABILITY):
            self.busy_label.setText("Computing transitions…")
