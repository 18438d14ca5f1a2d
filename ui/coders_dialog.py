"""The Coders dialog: who codes in this workspace — add, rename, deactivate and reactivate them (each audited, the
same calls as ``bwvtool coder``). A draw hands units only to active coders; nothing here touches anyone's coding."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwvtool.coding import roster
from bwvtool.errors import BwvError
from bwvtool.store import Workspace
from bwvtool.store.coders import ROLES
from bwvtool.ui import theme
from bwvtool.ui.sampling.tables import fill, table


class CodersDialog(QDialog):
    changed = Signal(str)  # what was done, for the status bar

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.user = ws, user
        self.setWindowTitle("Coders")
        self.resize(760, 520)
        self.rows: list[dict] = []
        self.table = table(["Name", "Role", "Active", "Since"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.new_name = QLineEdit(placeholderText="New coder's name (the name they code under)")
        self.new_role = QComboBox()
        self.new_role.addItems(list(ROLES))
        self.add_button = QPushButton("Add")
        self.rename_button = QPushButton("Rename…")
        self.active_button = QPushButton("Deactivate")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        note = theme.muted(
            QLabel(
                "A draw hands units only to active coders. Deactivating keeps the coder's coding and open"
                " assignments; renaming keeps everything they coded with them. Every change is audited."
            )
        )
        note.setWordWrap(True)
        adding = QHBoxLayout()
        adding.addWidget(self.new_name, 1)
        adding.addWidget(self.new_role)
        adding.addWidget(self.add_button)
        acting = QHBoxLayout()
        acting.addWidget(self.rename_button)
        acting.addWidget(self.active_button)
        acting.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(acting)
        layout.addLayout(adding)
        layout.addWidget(self.problem)
        layout.addWidget(note)
        layout.addWidget(close)
        self.add_button.clicked.connect(lambda: self.add(self.new_name.text(), self.new_role.currentText()))
        self.new_name.returnPressed.connect(self.add_button.click)
        self.rename_button.clicked.connect(self._ask_rename)
        self.active_button.clicked.connect(self.toggle_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.rows = self.ws.call(roster.roster)
        fill(
            self.table,
            [[r["name"], r["role"], "yes" if r["active"] else "no", str(r["since"])[:10]] for r in self.rows],
        )
        names = [r["name"] for r in self.rows]
        if select in names:
            self.table.selectRow(names.index(select))
        self._selection_changed()

    def selected(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        row = self.selected()
        self.rename_button.setEnabled(row is not None)
        self.active_button.setEnabled(row is not None)
        self.active_button.setText("Reactivate" if row is not None and not row["active"] else "Deactivate")

    def _run(self, done: str, fn, *args) -> bool:
        try:
            self.ws.call(fn, *args)
        except BwvError as exc:
            self.problem.setText(str(exc))
            return False
        self.problem.setText("")
        self.changed.emit(done)
        return True

    def add(self, name: str, role: str) -> None:
        if self._run(f"Coder {name.strip()} added ({role})", roster.add, [name], role, self.user):
            self.new_name.clear()
            self.reload(select=name.strip())

    def rename_selected(self, new: str) -> None:
        row = self.selected()
        if row is not None and self._run(f"Coder {row['name']} is now {new.strip()}", roster.rename,
                                         row["name"], new, self.user):  # fmt: skip
            self.reload(select=new.strip())

    def toggle_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        active = not row["active"]
        word = "reactivated" if active else "deactivated: no new assignments"
        if self._run(f"Coder {row['name']} {word}", roster.set_active, row["name"], active, self.user):
            self.reload(select=row["name"])

    def _ask_rename(self) -> None:
        row = self.selected()
        if row is None:
            return
        new, ok = QInputDialog.getText(self, "Rename coder", f"New name for {row['name']}:", text=row["name"])
        if ok:
            self.rename_selected(new)
