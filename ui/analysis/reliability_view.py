"""The Reliability view: a sample's inter-coder agreement, from :func:`bwvtool.export.coded.sample_reliability`.

An overview table puts the headline figures of each coder pair and track side by side (time-sliced Cohen's kappa,
Krippendorff's alpha, modified kappa, onset F1) with their 95% bootstrap intervals and reliable / tentative /
unreliable badges; the other tabs hold every table the ``reliability`` command prints (per code, per track x
actor, modified kappa, onsets, clip reviews), shaped by the same core functions. Warnings (too few double-coded
clips) sit in a banner above.
"""

from __future__ import annotations

import html
from typing import Any, Literal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from bwvtool.ui import theme
from bwvtool.ui.analysis.confusion import ConfusionPanel, find_pair
from bwvtool.ui.analysis.overview import ALL_TRACKS, flag_counts, overview_rows
from bwvtool.ui.analysis.tables import BADGE, Column, TablePanel, infer_kinds

OVERVIEW_COLUMNS = [
    Column("track", "Track"),
    Column("coders", "Coders"),
    Column("clips", "Clips", "number"),
    Column("kappa", "Cohen's κ (time-sliced)", "figure"),
    Column("alpha", "Krippendorff's α (all coders)", "figure"),
    Column("modified", "Modified κ (ELAN-style)", "figure"),
    Column("f1", "Onset F1", "figure"),
]
OVERVIEW_ROWS = 14  # the overview shows this many rows at most, then scrolls
# Tab names for the core's sections, by the start of their titles (in the order the core lists them).
SECTION_TABS = (
    ("Time-sliced Cohen's kappa (per track", "Per code"),
    ("Time-sliced Cohen's kappa per track x actor", "Track × actor"),
    ("All coders together", "All coders"),
    ("ELAN-style modified kappa", "Modified κ"),
    ("Onset agreement", "Onsets"),
    ("Clip reviews", "Clip reviews"),
)
Tone = Literal["warning", "error", "info"]
TONES = {"warning": ("#6b4a00", "#fff4d6", "#f0d28a"), "error": ("#8c2a22", "#fde8e6", "#eeb4ad"),
         "info": (theme.TEXT, "#eaf1fb", "#bcd0ee")}  # fmt: skip


class Banner(QLabel):
    """A coloured message strip (hidden when there is nothing to say)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.tone: Tone | None = None
        self.hide()

    def show_messages(self, messages: list[str], tone: Tone = "warning") -> None:
        if not messages:
            self.clear_message()
            return
        fg, bg, border = TONES[tone]
        self.tone = tone
        self.setStyleSheet(f"QLabel {{ color: {fg}; background: {bg}; border: 1px solid {border};"
                           " border-radius: 4px; padding: 8px 12px; }")  # fmt: skip
        icon = {"warning": "⚠", "error": "✖", "info": "ℹ"}[tone]
        self.setText("<br>".join(f"<b>{icon}</b>&nbsp; {html.escape(m)}" for m in messages))
        self.show()

    def clear_message(self) -> None:
        self.tone = None
        self.setText("")
        self.hide()

    @property
    def message(self) -> str:
        """The banner's plain text (empty when hidden)."""
        return _plain(self.text())


def _plain(rich: str) -> str:
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()


def _is_total(row: dict[str, Any]) -> bool:
    """A row over all codes (or all tracks) of the core's tables."""
    return row.get("code") == "(all)" or row.get("track") == "(all tracks)"


def _tally_html(counts: dict[str, int]) -> str:
    chips = []
    for flag, n in counts.items():
        if not n:
            continue
        fg, bg = BADGE.get(flag, (theme.MUTED, theme.ALT_BASE))
        chips.append(
            f"<span style='color:{fg}; background:{bg}; font-weight:600'>&nbsp;{n} {flag}&nbsp;</span>"
        )
    return "Headline figures: " + " ".join(chips) if chips else ""


class ReliabilityView(QWidget):
    """Shows one reliability report; ``shown`` is emitted once it is on screen."""

    shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: dict[str, Any] | None = None
        self.banner = Banner()
        self.heading = QLabel(wordWrap=True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.details = theme.muted(QLabel(wordWrap=True))
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.tally = QLabel(wordWrap=True)
        self.tally.setTextFormat(Qt.TextFormat.RichText)
        self.placeholder = theme.muted(QLabel("Choose a sample and press Compute.", wordWrap=True))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.overview = TablePanel(
            "Headline figures per coder pair and track, with 95% bootstrap intervals over clips. Flags: reliable "
            "≥ 0.80, tentative ≥ 0.667, else unreliable (Krippendorff 2004). Hover over a figure for its clip count "
            "and notes."
        )
        self.overview.setObjectName("reliability-overview")
        self.confusion = ConfusionPanel()
        overview_page = QWidget()
        overview_box = QVBoxLayout(overview_page)
        overview_box.setContentsMargins(0, 0, 0, 0)
        overview_box.addWidget(self.overview)
        overview_box.addWidget(self.confusion, 1)
        self.tabs = QTabWidget(documentMode=True)
        self.tabs.addTab(overview_page, "Overview")
        self.panels: dict[str, TablePanel] = {"Overview": self.overview}
        for _, name in SECTION_TABS:
            panel = TablePanel()
            panel.setObjectName(f"reliability-{name}")
            self.panels[name] = panel
            self.tabs.addTab(panel, name)
        results = QWidget()
        box = QVBoxLayout(results)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addWidget(self.heading)
        box.addWidget(self.details)
        box.addWidget(self.tally)
        box.addWidget(self.tabs, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(results)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        outer.setSpacing(8)
        outer.addWidget(self.banner)
        outer.addWidget(self.stack, 1)
        self.overview.view.selectionModel().currentRowChanged.connect(
            lambda current, _: self._row_chosen(current.row())
        )

    def clear(self, prompt: str = "Choose a sample and press Compute.") -> None:
        self.report = None
        self.banner.clear_message()
        self.placeholder.setText(prompt)
        self.stack.setCurrentIndex(0)

    def show_error(self, message: str) -> None:
        """A report could not be made (e.g. no clip is coded by two coders yet): say why, show no figures."""
        self.report = None
        self.banner.show_messages([message], "error")
        self.placeholder.setText("No agreement figures for this sample.")
        self.stack.setCurrentIndex(0)
        self.shown.emit()

    def show_report(self, report: dict[str, Any]) -> None:
        from bwvtool.export.figures import reliability_heading, reliability_sections

        self.report = report
        self.banner.show_messages(report["warnings"], "warning")
        lines = [line for line in reliability_heading(report) if not line.startswith("warning: ")]
        sample = report.get("sample")
        if sample:
            self.heading.setText(
                f"<b>#{sample['id']} {html.escape(sample['name'])}</b> · {sample['double_coded']} double-coded "
                f"clip(s) of {sample['coded']} coded ({sample['clips']} in the sample)"
            )
            lines = lines[1:]
        self.details.setText("<br>".join(html.escape(line) for line in lines))
        rows = overview_rows(report)
        self.tally.setText(_tally_html(flag_counts(rows)))
        self.overview.set_rows(OVERVIEW_COLUMNS, rows, lambda row: row["track"] == ALL_TRACKS)
        self.confusion.show_pair(None, "", [])
        # The overview's table is as tall as its rows (up to 14, then it scrolls); the confusion matrix takes the
        # rest, below it. The table's own height is fixed, not the panel's: a guessed height for the caption above
        # it (which wraps on a narrow window) let the table run out of its panel, under the confusion heading.
        self.overview.fit_rows(OVERVIEW_ROWS)
        if len(rows) > 1:  # the first track's matrix, to start with
            self.overview.view.selectRow(1)
        grouped: dict[str, tuple[str, list[str], list[dict[str, Any]]]] = {}
        for section in reliability_sections(report):
            name = next(
                (tab for start, tab in SECTION_TABS if section.title.startswith(start)), section.title
            )
            title, columns, merged = grouped.setdefault(name, (section.title, section.columns, []))
            merged.extend(section.rows)  # one onset table per coder pair: shown as one table
        for name, (title, columns, rows) in grouped.items():
            panel = self.panels.get(name)
            if panel is not None:
                panel.title.setText(title)
                panel.set_rows(infer_kinds(columns, rows), rows, _is_total)
        self.stack.setCurrentIndex(1)
        self.shown.emit()

    def _row_chosen(self, row: int) -> None:
        rows = self.overview.model.rows
        if self.report is None or not 0 <= row < len(rows) or rows[row]["track"] == ALL_TRACKS:
            self.confusion.show_pair(None, "", [])
            return
        track, pair = rows[row]["track"], rows[row]["pair"]
        self.confusion.show_pair(
            find_pair(self.report, track, pair), track, pair, self.report["parameters"]["bin_ms"]
        )
