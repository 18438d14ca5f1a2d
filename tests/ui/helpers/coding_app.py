"""A real coding desk in its own process, pressing code keys on a timer, for the crash-safety test.

Usage: python -m tests.ui.helpers.coding_app WORKSPACE CLIP CODER
Prints ``saved N`` each time the desk's status says an event was saved (what the coder sees), flushed at once,
so the test that SIGKILLs this process knows exactly which events the screen had shown as saved.
"""

from __future__ import annotations

import os
import random
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bwvtool.store import open_workspace
    from bwvtool.store.workspace import use_worker_process
    from bwvtool.ui.desk.desk import CodingDesk

    path, clip_id, coder = sys.argv[1:4]
    use_worker_process()  # as the app does
    app = QApplication([])
    ws = open_workspace(path)
    desk = CodingDesk(ws, coder)
    desk.resize(1200, 800)
    desk.show()

    def on_status(message: str) -> None:
        if message.startswith("Saved ✓") and desk.session is not None:
            newest = max((e.id for e in desk.session.events), default=None)
            print(f"saved {newest} {len(desk.session)}", flush=True)

    desk.status.connect(on_status)
    # The S&S codebook: these keys record without a modifier prompt, so nothing waits for an answer.
    desk.codebook_choice.setCurrentIndex(desk.codebook_choice.findText("S&S", Qt.MatchFlag.MatchContains))
    desk.open_clip(clip_id)
    rng = random.Random(os.getpid())
    keys = [Qt.Key.Key_C, Qt.Key.Key_R, Qt.Key.Key_E, Qt.Key.Key_Semicolon, Qt.Key.Key_Apostrophe]

    def press() -> None:
        if desk.player.current_frame()[0] < 0:
            return
        if rng.random() < 0.3:
            desk.player.step(rng.randint(1, 5))
        QTest.keyClick(desk, rng.choice(keys))

    timer = QTimer(interval=5)
    timer.timeout.connect(press)
    timer.start()
    print("ready", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
