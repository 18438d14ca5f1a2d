"""The sampling dialog: pick a built-in plan or a file, edit it, see the frame and strata counts update as you
type; then a confirmation page shows the whole draw (n, strata, shortfalls, codebook, each coder's units) before
anything is stored, and Draw stores exactly that draw. Everything it shows comes from :mod:`bwvtool.sampling` (the
same calls as ``bwvtool sample draw --dry-run`` and ``bwvtool sample draw``), run in the workspace worker."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from bwvtool import sampling
from bwvtool.errors import BwvError
from bwvtool.sampling import binding
from bwvtool.store import Workspace
from bwvtool.ui.sampling.confirm import ConfirmPage
from bwvtool.ui.sampling.tables import fill, table

_FILE = "Open a plan file…"


class SamplingDialog(QDialog):
    drawn = Signal(int)  # the new sample's id

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.user = ws, user
        self.cache = sampling.ColumnCache()  # columns read once, reused until the workspace changes
        self.plan: sampling.Plan | None = None
        self.setWindowTitle("Draw a sample")
        self.resize(1200, 760)
        self._init_widgets()
        self._init_layout()
        self._connect()
        self.choice.setCurrentIndex(0)
        self._choose(0)

    def _init_widgets(self) -> None:
        self.choice = QComboBox()
        titled = sorted((sampling.load_plan(name).name, name) for name in sampling.builtin_plans())
        for title, name in titled:  # "PIOSS weekly", "Stop and search study", …
            self.choice.addItem(title, name)
        self.choice.addItem(_FILE, None)
        # What the sample is bound to: the codebook every assignment is coded with, and who gets the units.
        self.codebook = QComboBox()
        self.codebook.addItem("(none: coders choose per clip)", None)
        for key in binding.codebook_choices(self.ws):
            self.codebook.addItem(key, key)
        self.coders = QListWidget()
        self.coders.setMaximumHeight(110)
        for name in binding.coder_names(self.ws):
            entry = QListWidgetItem(name)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
            self.coders.addItem(entry)
        self._bound_to: str | None = None  # the plan text the codebook and coders were last set from
        self.editor = QPlainTextEdit()
        self.editor.setFont(QFont("monospace", 9))
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.as_of = QDateEdit(QDate.currentDate(), calendarPopup=True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.seed = QLineEdit(placeholderText="random (recorded)")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        self.census = table(["Census rule", "Matched", "Taken", "Dropped"])
        self.strata = table(["Stratum", "N", "n", "Shortfall"])
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        # Step 1 computes the whole draw (nothing stored) and shows it; step 2 stores exactly that draw.
        self.draw_button = self.buttons.addButton(
            "Next: check the draw…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.back_button = self.buttons.addButton("Back", QDialogButtonBox.ButtonRole.ActionRole)
        self.confirm_button = self.buttons.addButton("Draw", QDialogButtonBox.ButtonRole.ActionRole)
        self.confirm = ConfirmPage()
        self.staged: sampling.Staged | None = None
        self.timer = QTimer(self, singleShot=True, interval=350)  # preview once typing pauses

    def _init_layout(self) -> None:
        left = QWidget()
        form = QFormLayout()
        form.addRow("Plan", self.choice)
        form.addRow("Draw date", self.as_of)
        form.addRow("Seed", self.seed)
        form.addRow("Codebook", self.codebook)
        form.addRow("Coders", self.coders)
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(form)
        left_layout.addWidget(self.editor, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(QLabel("<b>Preview</b> (nothing is stored until you draw)"))
        right_layout.addWidget(self.summary)
        right_layout.addWidget(self.problem)
        right_layout.addWidget(self.census, 1)
        right_layout.addWidget(self.strata, 2)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 640])
        self.steps = QStackedWidget()
        self.steps.addWidget(split)
        self.steps.addWidget(self.confirm)
        layout = QVBoxLayout(self)
        layout.addWidget(self.steps, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        self.choice.activated.connect(self._choose)
        self.editor.textChanged.connect(self.timer.start)
        self.as_of.dateChanged.connect(self.timer.start)
        self.timer.timeout.connect(self.refresh)
        self.buttons.rejected.connect(self.reject)
        self.draw_button.clicked.connect(self.check)
        self.back_button.clicked.connect(self.back)
        self.confirm_button.clicked.connect(self.draw)
        self._show_step(0)

    def _choose(self, index: int) -> None:
        name = self.choice.itemData(index)
        if name is None:
            path, _ = QFileDialog.getOpenFileName(self, "Sampling plan", "", "Plans (*.yaml *.yml *.json)")
            if not path:
                return
            self.editor.setPlainText(Path(path).read_text(encoding="utf-8"))
        else:
            self.editor.setPlainText(sampling.builtin_plan_text(name))
        self.refresh()

    def _day(self) -> date:
        return self.as_of.date().toPython()

    def refresh(self) -> None:
        """Validate the plan text and preview its draw (fast: cached columns)."""
        self.timer.stop()
        try:
            self.plan = sampling.load_plan(self.editor.toPlainText(), label="in the editor")
            report = sampling.preview(self.ws, self.plan, as_of=self._day(), cache=self.cache)
        except BwvError as exc:
            self.plan = None
            self.summary.setText("")
            self.problem.setText(str(exc))
            self.draw_button.setEnabled(False)
            return
        self._bind(self.plan)
        self.problem.setText("\n".join(report.get("warnings", [])))
        self.draw_button.setEnabled(True)
        window = report.get("window") or {}
        span = (
            f"{window.get('from', '')[:10]} to {window.get('to_exclusive', '')[:10]} (exclusive)"
            if window
            else "all dates"
        )
        self.summary.setText(
            f"<b>{report['plan']}</b> · unit: {report['unit']} · window {span}<br>"
            f"Eligible frame: <b>{report['frame_size']:,}</b> {report['unit']}s "
            f"(excluded: {', '.join(f'{k} {v}' for k, v in report['excluded'].items())}) · "
            f"census takes {report['census_taken']:,} · expected sample: <b>{report['expected_units']:,}</b>"
            + (f" · capacity {report['capacity']}" if report.get("capacity") else "")
            + (
                f"<br>Nothing to draw: {html.escape(why)}"
                if (why := sampling.why_nothing_expected(report))
                else ""
            )
        )
        self.census.setVisible(bool(report.get("census")))  # most plans have no census rules
        fill(
            self.census,
            [[c["rule"], c["matched"], c["taken"], c["dropped"]] for c in report.get("census", [])],
        )
        fill(
            self.strata,
            [
                [s["stratum"], s["population"], s["allocated"], s["shortfall"] or ""]
                for s in report.get("strata", [])
                if s["population"] or s["allocated"]
            ],
        )

    def _bind(self, plan: sampling.Plan) -> None:
        """Show the plan's codebook and tick its coders, once per plan text (the user's choices stay)."""
        if plan.text == self._bound_to:
            return
        self._bound_to = plan.text
        self.codebook.setCurrentIndex(max(0, self.codebook.findData(plan.codebook)))
        named = set((plan.assignment or {}).get("coders") or [])
        for row in range(self.coders.count()):
            entry = self.coders.item(row)
            entry.setCheckState(Qt.CheckState.Checked if entry.text() in named else Qt.CheckState.Unchecked)

    def chosen_coders(self) -> list[str] | None:
        """The ticked coders; None when none are ticked (the plan's own, if any)."""
        ticked = [
            self.coders.item(row).text()
            for row in range(self.coders.count())
            if self.coders.item(row).checkState() == Qt.CheckState.Checked
        ]
        return ticked or None

    def _show_step(self, step: int) -> None:
        self.steps.setCurrentIndex(step)
        self.draw_button.setVisible(step == 0)
        self.back_button.setVisible(step == 1)
        self.confirm_button.setVisible(step == 1)
        (self.confirm_button if step == 1 else self.draw_button).setDefault(True)

    def check(self) -> None:
        """Compute the whole draw in the workspace worker (nothing stored) and show it for confirmation."""
        if self.plan is None:
            return
        text = self.seed.text().strip()
        try:
            seed = int(text) if text else None
        except ValueError:
            self.problem.setText("the seed must be a whole number")
            return
        with _busy():
            try:
                self.staged = self.ws.call(
                    sampling.stage,
                    self.plan,
                    seed,
                    self._day(),
                    codebook=self.codebook.currentData(),
                    coders=self.chosen_coders(),
                )
            except BwvError as exc:
                self.problem.setText(str(exc))
                return
        self._show_staged(self.staged)
        self._show_step(1)

    def _show_staged(self, staged: sampling.Staged, changed: str = "") -> None:
        """The confirmation of ``staged``; Draw only when it holds a unit (an empty sample is nothing to code)."""
        empty = staged.summary["units"] == 0
        if empty and not changed:
            changed = "Nothing to draw: the plan takes no unit from this catalogue at this draw date."
        self.confirm.show_staged(staged, changed=changed)
        self.confirm_button.setEnabled(not empty)

    def back(self) -> None:
        self.staged = None
        self._show_step(0)

    def draw(self) -> None:
        """Store the draw shown, or — if the catalogue changed since — show the new one and store nothing."""
        if self.staged is None:
            return
        with _busy():
            try:
                sample_id = self.ws.call(sampling.commit, self.staged, self.user)
            except sampling.DrawChanged as exc:
                self.staged = exc.staged
                self._show_staged(exc.staged, changed=f"{str(exc)[0].upper()}{str(exc)[1:]}.")
                return
            except BwvError as exc:
                self._show_staged(self.staged, changed=str(exc))
                return
        self.drawn.emit(sample_id)
        self.accept()


class _busy:
    """The wait cursor while the worker computes (a draw over a large catalogue takes seconds)."""

    def __enter__(self) -> None:
        QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))

    def __exit__(self, *_exc: object) -> None:
        QApplication.restoreOverrideCursor()
