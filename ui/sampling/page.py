"""The Samples page: every sample drawn in the workspace, and for the chosen one its units with stratum,
inclusion probability, design weight and coders (primary and blind second coder)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from bwvtool import sampling
from bwvtool.coding import blind, claims
from bwvtool.errors import BwvError
from bwvtool.store import Workspace
from bwvtool.store import pool as pool_rows
from bwvtool.ui.sampling.dialog import SamplingDialog
from bwvtool.ui.sampling.tables import fill, table
from bwvtool.wording import count


class SamplesPage(QWidget):
    codeRequested = Signal(str, int)  # a clip to open on the coding desk, and the sample it was chosen in

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.user = ws, user
        self.shown_id: int | None = None
        self.list = QListWidget()
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.items = table(
            ["Clip", "Incident", "Recorded", "Stratum", "Selection", "p", "Weight", "Coder", "Second coder"]
        )
        self.new_button = QPushButton("Draw a sample…")
        # The study lead opens a blind double-coded sample once its coding is complete (bwvtool sample unblind).
        self.unblind_button = QPushButton("Open the double coding")
        self.unblind_button.hide()
        # A sample drawn without coders is given to the unit: reviewers then claim its clips (Take next).
        self.pool_button = QPushButton()
        self.pool_button.setObjectName("shareWithPool")
        self.pool_button.hide()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.new_button)
        left_layout.addWidget(self.list, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.unblind_button, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(self.pool_button, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(self.items, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([300, 1200])
        layout = QHBoxLayout(self)
        layout.addWidget(split)
        self.list.currentItemChanged.connect(
            lambda item, _old: item and self.show_sample(item.data(Qt.ItemDataRole.UserRole))
        )
        self.new_button.clicked.connect(self.open_dialog)
        self.unblind_button.clicked.connect(self.unblind)
        self.pool_button.clicked.connect(self.share_with_pool)
        self.items.cellActivated.connect(
            lambda row, _c: self.codeRequested.emit(
                self.items.item(row, 0).text(), self.list.currentItem().data(Qt.ItemDataRole.UserRole)
            )
        )
        self.reload()

    def reload(self, select: int | None = None) -> None:
        self.list.blockSignals(True)  # clearing must not show a sample of a workspace just closed
        self.list.clear()
        self.list.blockSignals(False)
        for sample in sampling.list_samples(self.ws):
            item = QListWidgetItem(
                f"#{sample['id']} {sample['name']}\n   {sample['units']:,} units · "
                f"{sample['clips']:,} clips · seed {sample['seed']}"
            )
            item.setData(Qt.ItemDataRole.UserRole, sample["id"])
            self.list.addItem(item)
            if sample["id"] == select:
                self.list.setCurrentItem(item)
        if select is None and self.list.count():
            self.list.setCurrentRow(0)

    def show_sample(self, sample_id: int) -> None:
        sample = sampling.get_sample(self.ws, sample_id)
        rows = sampling.sample_items(self.ws, sample_id)
        self.header.setText(
            f"<b>#{sample['id']} {sample['name']}</b> · drawn {sample['drawn_at'][:16].replace('T', ' ')} by "
            f"{sample['drawn_by']} · seed {sample['seed']} · frame {sample['frame_size']:,} · manifest "
            f"<code>{sample['manifest_sha256'][:16]}…</code><br>coded with <b>{sample['codebook'] or 'no named codebook'}</b>"
            + (f" · {coding}" if (coding := blind.state(self.ws, sample_id)) else "")
        )
        self.shown_id = sample_id
        self.unblind_button.setVisible(bool(coding) and coding.startswith("blind"))
        pooled = {row.clip_id for row in pool_rows.rows(self.ws.conn, sample_id)}
        unshared = sum(1 for r in rows if not r["coder"] and r["clip_id"] not in pooled)
        self.pool_button.setText(f"Give {count(unshared, 'clip')} with no coder to the unit's pool")
        self.pool_button.setVisible(unshared > 0)
        fill(
            self.items,
            [
                [
                    r["clip_id"],
                    r["incident_id"],
                    r["recorded_at"][:16].replace("T", " "),
                    r["stratum"],
                    r["selection"],
                    round(r["inclusion_prob"], 4),
                    round(r["design_weight"], 3),
                    r["coder"] or "",
                    r["reliability_coder"] or "",
                ]
                for r in rows
            ],
        )

    def unblind(self) -> None:
        """Open the shown sample's blind double coding (refused, with the reason, unless its lead asks)."""
        try:
            blind.unblind(self.ws, self.shown_id, self.user)
        except BwvError as exc:
            self.header.setText(self.header.text() + f"<br><span style='color:#b3261e'>{exc}</span>")
            return
        self.show_sample(self.shown_id)

    def share_with_pool(self) -> None:
        """Give the shown sample's clips that nobody codes to the unit's pool (``bwvtool queue share``)."""
        try:
            added = self.ws.call(claims.share_sample, self.shown_id, self.user)
        except BwvError as exc:
            self.header.setText(self.header.text() + f"<br><span style='color:#b3261e'>{exc}</span>")
            return
        self.show_sample(self.shown_id)
        self.header.setText(
            self.header.text() + f"<br>{count(added, 'clip')} in the unit's pool: reviewers take them"
            " with Take next"
        )

    def open_dialog(self) -> None:
        dialog = SamplingDialog(self.ws, self.user, self)
        dialog.drawn.connect(lambda sample_id: self.reload(select=sample_id))
        dialog.exec()
