"""The Coders dialog (Sampling ▸ Coders…) adds, renames, deactivates and reactivates coders through the workspace
worker: each change audited, a deactivated coder left out of the draw dialog's coders, a bad name said in place."""

from __future__ import annotations

from PySide6.QtCore import Qt

from bwvtool.ui.coders_dialog import CodersDialog
from bwvtool.ui.sampling.dialog import SamplingDialog


def _names(dialog):
    return [(r["name"], r["role"], r["active"]) for r in dialog.rows]


def test_add_rename_deactivate_reactivate(qtbot, workspace):
    dialog = CodersDialog(workspace, "lead")
    qtbot.addWidget(dialog)
    said = []
    dialog.changed.connect(said.append)
    assert dialog.table.rowCount() == 0 and not dialog.rename_button.isEnabled()

    qtbot.keyClicks(dialog.new_name, "ann")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.new_name.setText("bob")
    dialog.new_role.setCurrentText("researcher")
    qtbot.keyClick(dialog.new_name, Qt.Key.Key_Return)
    assert _names(dialog) == [("ann", "reviewer", True), ("bob", "researcher", True)]
    assert dialog.selected()["name"] == "bob" and dialog.new_name.text() == ""

    dialog.table.selectRow(0)
    dialog.rename_selected("anna")
    assert _names(dialog)[0] == ("anna", "reviewer", True) and said[-1] == "Coder ann is now anna"
    dialog.rename_selected("bob")  # taken: said in the dialog, nothing changed
    assert "'bob' is a coder already" in dialog.problem.text() and _names(dialog)[0][0] == "anna"

    assert dialog.active_button.text() == "Deactivate"
    qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert _names(dialog)[0] == ("anna", "reviewer", False) and dialog.table.item(0, 2).text() == "no"
    assert dialog.active_button.text() == "Reactivate" and dialog.problem.text() == ""
    draw = SamplingDialog(workspace, "lead")  # the draw offers only active coders
    qtbot.addWidget(draw)
    assert [draw.coders.item(i).text() for i in range(draw.coders.count())] == ["bob"]

    qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert _names(dialog)[0] == ("anna", "reviewer", True)
    actions = [
        (actor, action, entity)
        for actor, action, entity in workspace.conn.execute(
            "SELECT actor, action, entity_id FROM audit_log WHERE action LIKE 'coder.%' ORDER BY id"
        ).fetchall()
    ]
    assert actions == [
        ("lead", "coder.register", "ann"),
        ("lead", "coder.register", "bob"),
        ("lead", "coder.rename", "anna"),
        ("lead", "coder.deactivate", "anna"),
        ("lead", "coder.reactivate", "anna"),
    ]
