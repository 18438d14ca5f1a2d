"""The real app (``bwvtool --db WORKSPACE gui --say-ready``) in its own process, with the incident window used as a
reviewer uses it, for the test that the process ends on Quit and on SIGTERM.

Usage: python -m tests.ui.helpers.incident_app WORKSPACE INCIDENT SCENARIO

Once the main window is ready: Ctrl+Shift+I, the incident chosen in the dialog, Space (every camera filming then
plays), then by SCENARIO: ``close-quit`` closes the incident window (as its title bar's close button does) and quits
(File → Quit); ``close-wait`` closes it and waits (the test sends SIGTERM); ``open-quit`` quits with the incident
window still open; ``open-wait`` waits with it open. Prints ``incident-open N of M`` (N cameras playing, M filming
then), ``incident-closed D`` (D: video-decoding threads still running once it closed) and ``waiting``, flushed at
once.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def decoding_threads() -> int:
    """Qt's FFmpeg threads in this process (a player with a clip runs a demuxer, renderers and stream decoders)."""
    tasks = Path("/proc/self/task")
    return sum(1 for task in tasks.iterdir() if (task / "comm").read_text().startswith("QFFmpeg"))


def main() -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QInputDialog

    import bwvtool.ui.app as app_module
    from bwvtool.cli import main as bwvtool
    from bwvtool.ui.incident.window import IncidentWindow

    workspace, incident, scenario = sys.argv[1:4]
    steps: list = []

    def later(ms: int, step) -> None:
        QTimer.singleShot(ms, step)

    def until(test, then, *, seconds: float = 60, ms: int = 20, deadline: float | None = None) -> None:
        """Run ``then`` once ``test()`` holds or ``seconds`` have passed (checked on the event loop, so the app
        keeps working meanwhile); the test reads what happened from the lines printed."""
        deadline = deadline or time.monotonic() + seconds
        if test() or time.monotonic() > deadline:
            then()
        else:
            later(ms, lambda: until(test, then, ms=ms, deadline=deadline))

    class Driven(app_module.MainWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.ready.connect(lambda: later(0, open_incident))
            steps.append(self)

    def main_window():
        return steps[0]

    def incident_window() -> IncidentWindow | None:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, IncidentWindow) and w.isVisible()]
        return shown[0] if shown else None

    def open_incident() -> None:
        window = main_window()
        window.activateWindow()
        later(0, lambda: QTest.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier
                                        | Qt.KeyboardModifier.ShiftModifier))  # fmt: skip
        until(lambda: isinstance(QApplication.activeModalWidget(), QInputDialog), choose)

    def choose() -> None:
        dialog = QApplication.activeModalWidget()
        dialog.setTextValue(incident)
        dialog.accept()
        until(lambda: incident_window() is not None and all(
            f >= 0 for f in incident_window().grid.frames().values()), play)  # fmt: skip

    def play() -> None:
        view = incident_window()
        view.activateWindow()
        until(view.isActiveWindow, press_space)

    def press_space() -> None:
        QTest.keyClick(incident_window().grid, Qt.Key.Key_Space)
        grid = incident_window().grid
        at = grid.incident_ms()
        playing = sum(t.player.engine.is_playing for t in grid.tiles)
        filming = sum(
            grid._filming(t, at) for t in grid.tiles
        )  # a camera that starts later joins when it does
        print(f"incident-open {playing} of {filming}", flush=True)
        later(1500, close_incident if scenario.startswith("close") else finish)

    def close_incident() -> None:
        incident_window().close()
        until(lambda: decoding_threads() == 0, closed, seconds=15, ms=100)

    def closed() -> None:
        print(f"incident-closed {decoding_threads()}", flush=True)
        finish()

    def finish() -> None:
        if scenario.endswith("quit"):
            # File → Quit (Ctrl+Q on X11, Wayland and macOS; the offscreen platform's key scheme has no Quit key).
            main_window().action_quit.trigger()
        else:
            print("waiting", flush=True)

    app_module.MainWindow = Driven
    bwvtool(["--db", workspace, "gui", "--say-ready"])


if __name__ == "__main__":
    main()
