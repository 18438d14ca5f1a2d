"""The real app in its own process, coding on a timer while its own code pokes at the workspace's files.

Usage: python -m tests.reliability.helpers.hostile_app WORKSPACE CLIP CODER MODE
MODE ``dialogs``: every so often the app opens one of its own file dialogs (Back up, Open workspace) in the
workspace's folder, lets it list and sniff the files, and cancels it. MODE ``handles``: code in the app's process
opens and closes ``WORKSPACE``, ``-wal`` and ``-shm`` directly, as any library might. Both modes keep pressing code
keys and print ``saved ID COUNT`` whenever the desk says an event was saved (what the reviewer sees), then
``dialog N`` / ``poke N`` as they go. Set BWVTOOL_IN_PROCESS=1 to run the old design (a SQLite handle in the app's
process) and watch this test catch it.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QFileDialog

    from bwvtool.store import open_workspace
    from bwvtool.store.workspace import use_worker_process
    from bwvtool.ui.main_window import MainWindow

    path, clip_id, coder, mode = sys.argv[1:5]
    use_worker_process(not os.environ.get("BWVTOOL_IN_PROCESS"))
    app = QApplication([])
    window = MainWindow(open_workspace(path), coder)
    window.resize(1400, 900)
    window.show()
    desk = window.coding_desk()

    def on_status(message: str) -> None:
        if message.startswith("Saved ✓") and desk.session is not None:
            newest = max((e.id for e in desk.session.events), default=None)
            print(f"saved {newest} {len(desk.session)}", flush=True)
        elif message.startswith("Not saved") or "busy" in message:
            print(f"status {message}", flush=True)

    desk.status.connect(on_status)
    desk.codebook_choice.setCurrentIndex(desk.codebook_choice.findText("S&S", Qt.MatchFlag.MatchContains))
    window.code_clip(clip_id)
    rng = random.Random(os.getpid())
    keys = [Qt.Key.Key_C, Qt.Key.Key_R, Qt.Key.Key_E, Qt.Key.Key_Semicolon, Qt.Key.Key_Apostrophe]
    counter = {"dialogs": 0, "pokes": 0}

    def press() -> None:
        if desk.player.current_frame()[0] < 0 or QApplication.activeModalWidget() is not None:
            return
        if rng.random() < 0.3:
            desk.player.step(rng.randint(1, 5))
        QTest.keyClick(desk, rng.choice(keys))

    def cancel_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog):
            counter["dialogs"] += 1
            print(f"dialog {counter['dialogs']}", flush=True)
            dialog.reject()

    def open_dialog() -> None:
        if QApplication.activeModalWidget() is not None:
            return
        # Qt's own dialogs (not the desktop's), which list the folder and sniff each file's type.
        QTimer.singleShot(400, cancel_dialog)
        folder = str(Path(path).parent)
        # The app's own dialogs: Back up and Open (menu actions), and the kinds its pages and job forms open in the
        # workspace's folder (export a PDF or CSV, choose an export folder, pick a catalogue file).
        rng.choice([
            window.action_backup.trigger,
            window.action_open.trigger,
            lambda: QFileDialog.getSaveFileName(window, "Export debrief note as PDF", folder, "PDF document (*.pdf)"),
            lambda: QFileDialog.getExistingDirectory(window, "Export folder (new or empty)", folder),
            lambda: QFileDialog.getOpenFileName(window, "Catalogue export", folder, "All files (*)"),
        ])()  # fmt: skip  # modal: returns once cancel_dialog has rejected it

    def poke() -> None:
        for suffix in ("", "-wal", "-shm"):
            target = Path(path + suffix)
            if target.exists():
                try:
                    fd = os.open(target, os.O_RDONLY)
                    os.read(fd, 100)
                    os.close(fd)  # on POSIX this drops every lock the process holds on the file
                except FileNotFoundError:
                    pass
        counter["pokes"] += 1
        if counter["pokes"] % 50 == 0:
            print(f"poke {counter['pokes']}", flush=True)

    QTimer(window, interval=15, timeout=press).start()
    if mode == "dialogs":
        QTimer(window, interval=900, timeout=open_dialog).start()
    else:
        QTimer(window, interval=20, timeout=poke).start()
    print("ready", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
