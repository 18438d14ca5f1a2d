"""The draw's confirmation page: the sample exactly as it will be stored — n, strata, shortfalls, the codebook and
who gets how many units — before anything is stored (what ``bwvtool sample draw --dry-run`` prints)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QVBoxLayout, QWidget

from bwvtool.sampling import Staged
from bwvtool.sampling.staged import shortfall_text
from bwvtool.ui import theme
from bwvtool.ui.sampling.tables import fill, table
from bwvtool.wording import count


class ConfirmPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = theme.heading(QLabel("Check the draw: nothing is stored until you press Draw"))
        self.changed = QLabel()
        self.changed.setWordWrap(True)
        self.changed.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.shortfalls = QLabel()
        self.shortfalls.setWordWrap(True)
        self.strata = table(["Stratum", "Population", "n_h", "Shortfall"])
        self.coders = table(["Coder", "Units", "Second coder", "Video (min)"])
        self.coders.setToolTip(
            "Units: the units each coder codes first. Second coder: units they code blind, for reliability."
            " Video: the minutes of video they will watch, both kinds together."
        )
        for column in (1, 2, 3):
            self.coders.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )
        self.coders_note = theme.muted(QLabel())
        self.coders_note.setWordWrap(True)
        self.census = table(["Census rule (taken whole)", "Matched", "Taken", "Dropped"])
        self.census.setToolTip(
            "Dropped: matched a rule but left out because the plan's capacity was reached."
        )
        self.census_title = QLabel("<b>Census</b>")
        self.strata_title = QLabel("<b>Strata</b>")
        left = QVBoxLayout()
        left.addWidget(self.census_title)
        left.addWidget(self.census, 1)
        left.addWidget(self.strata_title)
        left.addWidget(self.strata, 3)
        left.addStretch(0)
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>Coders who get assignments</b>"))
        right.addWidget(self.coders, 1)
        right.addWidget(self.coders_note)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.changed)
        layout.addWidget(self.facts)
        layout.addWidget(self.shortfalls)
        layout.addLayout(columns, 1)

    def show_staged(self, staged: Staged, changed: str = "") -> None:
        """Show ``staged``; ``changed`` says why this is a new draw (the catalogue changed after the last one)."""
        s = staged.summary
        self.changed.setText(changed)
        self.changed.setVisible(bool(changed))
        unit = s["unit"]
        n = count(s["units"], unit)
        clips = f" ({count(s['clips'], 'clip')})" if unit != "clip" else ""
        codebook = (
            f"<b>{escape(s['codebook'])}</b> (every assignment is coded with it)"
            if s["codebook"]
            else "<b>none named</b> (coders choose a codebook per clip)"
        )
        window = s.get("window") or {}
        span = (
            f"recorded {window['from'][:10]} to {window['to_exclusive'][:10]} (exclusive)"
            if window
            else "all dates"
        )
        census = f" · census takes {s['census_taken']:,}" if s["census"] else ""
        self.facts.setText(
            f"<b>{escape(s['plan'])}</b> as of {s['as_of']} · seed {s['seed']} ({s['seed_source']})<br>"
            f"n = <b>{n}</b>{clips} from a frame of {s['frame_size']:,} ({span}){census}<br>"
            f"Codebook: {codebook}"
            + "".join(f"<br><span style='color:#8a5a00'>warning: {escape(w)}</span>" for w in s["warnings"])
        )
        short = s["shortfalls"]
        text = shortfall_text(short)
        self.shortfalls.setText(f"Shortfalls: {escape(text)}" if short else f"{text[0].upper()}{text[1:]}.")
        self.shortfalls.setStyleSheet("color: #b3261e;" if short else "")
        self.shortfalls.setVisible(bool(s["strata"]))  # a census-only plan has no n_h to fall short of
        fill(
            self.strata,
            [
                [x["stratum"], x["population"], x["allocated"], x["shortfall"] or ""]
                for x in s["strata"]
                if x["population"] or x["allocated"] or x["shortfall"]
            ],
        )
        for title, widget, rows in (
            (self.census_title, self.census, s["census"]),
            (self.strata_title, self.strata, s["strata"]),
        ):
            title.setVisible(bool(rows))
            widget.setVisible(bool(rows))
        fill(self.census, [[c["rule"], c["matched"], c["taken"], c["dropped"]] for c in s["census"]])
        workloads = sorted(s["workloads"], key=lambda w: w["coder"])
        fill(
            self.coders,
            [[w["coder"], w["primary"], w["reliability"], round(w["seconds"] / 60, 1)] for w in workloads],
        )
        self.coders_note.setText(
            ""
            if workloads
            else "Nobody gets assignments: the plan hands out no units. Reviewers pick clips from the sample."
        )
