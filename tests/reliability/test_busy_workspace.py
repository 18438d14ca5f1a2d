"""A key press never freezes the desk behind another program's long write, and is never dropped.

Another process holds the workspace's write lock (as a long job would) under a lease that names it. The desk's key
press returns within about a second, the edit is kept pending in order and said to be not saved yet (with who holds
the workspace), and it is saved, in order, once the lock is free.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from tests.conftest import REPO
from tests.reliability.workspaces import coding_workspace

HOLDER = (
    "import sqlite3, sys\n"
    "from bwvtool.store import leases, open_workspace\n"
    "ws = open_workspace(sys.argv[1])\n"
    "with ws.transaction('ana'):\n"
    "    pass\n"
    "lease = leases.acquire(ws.conn, 'catalogue import', 'ana')\n"
    "ws.conn.execute('BEGIN IMMEDIATE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.readline()\n"
    "ws.conn.execute('COMMIT')\n"
    "leases.release(ws.conn, lease)\n"
    "ws.close()\n"
)


@pytest.fixture
def desk(qtbot, tmp_path, app_workspaces):
    from bwvtool.ui.main_window import MainWindow

    path = coding_workspace(tmp_path)
    window = MainWindow(open_workspace(path), "alice")
    qtbot.addWidget(window)
    window.show()
    desk = window.coding_desk()
    desk.codebook_choice.setCurrentIndex(desk.codebook_choice.findText("S&S", Qt.MatchFlag.MatchContains))
    with qtbot.waitSignal(desk.player.durationKnown, timeout=30_000):
        window.code_clip("K1")
    qtbot.waitUntil(lambda: desk.player.current_frame()[0] >= 0, timeout=20_000)
    desk.window_ = window
    return desk


def stored_codes(path) -> list[str]:
    ws = open_workspace(path)  # this process's own connection: the app's is in its worker
    try:
        return [e.code for e in event_rows.for_clip(ws.conn, "K1")]
    finally:
        ws.close()


def test_key_presses_wait_visibly_and_are_saved_in_order_when_the_lock_frees(qtbot, desk, tmp_path):
    path = tmp_path / "ws.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        QTest.keyClick(desk, Qt.Key.Key_C)  # a point code (command)
        first_press = time.monotonic() - started
        QTest.keyClick(desk, Qt.Key.Key_R)  # queued behind it, not tried out of order
        assert first_press < 5, "the key press froze the desk"  # it waits ~1 s for the lock, then moves on
        assert len(desk.edits) == 2
        indicator = desk.window_.status_saved.text()
        assert "2 edits not saved yet" in indicator
        assert "catalogue import by ana" in desk.window_.status_saved.toolTip()
        assert stored_codes(path) == []
    finally:
        holder.stdin.write("go\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    qtbot.waitUntil(lambda: len(desk.edits) == 0, timeout=30_000)
    assert stored_codes(path) == ["command", "reason_given"]
    assert desk.window_.status_saved.text() == "● All changes saved"
    assert [e.code for e in desk.session.events] == ["command", "reason_given"]
