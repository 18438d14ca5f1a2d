"""Starting the desktop app: one QApplication, the theme, the main window on an open workspace.

``bwvtool gui`` imports this module lazily (the core never imports Qt) and calls :func:`run`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QSettings, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

from bwvtool.errors import UsageError
from bwvtool.store import Workspace
from bwvtool.store.workspace import use_worker_process
from bwvtool.ui import theme
from bwvtool.ui.main_window import MainWindow

READY_MARKER = "bwvtool-ready"
GEOMETRY_SETTING = "main_window/geometry"


def check_display() -> None:
    """Refuse clearly, before Qt aborts the process, when a Linux session has no display to draw on."""
    env = os.environ
    if sys.platform.startswith("linux") and not (
        env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
    ):
        raise UsageError(
            "no display to open the app on (DISPLAY is not set); run it in a desktop session or under xvfb-run"
        )


def application() -> QApplication:
    """The process's QApplication, created and themed on first use."""
    # Whatever opens a workspace from here on hands it to a worker process: Qt's own file dialogs (and any other
    # library here) open and close files, which on POSIX drops this process's SQLite locks.
    use_worker_process()
    app = QApplication.instance()
    if app is None:
        check_display()
        app = QApplication([sys.argv[0] if sys.argv else "bwvtool"])
        app.setApplicationName("bwvtool")
        app.setOrganizationName("bwvtool")
        theme.apply(app)
    return app  # type: ignore[return-value]


def run(
    workspace: Workspace,
    user: str,
    *,
    screenshot: Path | None = None,
    exit_when_ready: bool = False,
    select_row: int | None = None,
    choose_user: bool = False,
    say_ready: bool = False,
) -> int:
    """Show the main window on ``workspace`` and run the event loop until it closes; returns the exit code.

    :param screenshot: save a PNG of the window once it is ready, then quit (for docs and visual checks).
    :param exit_when_ready: print ``bwvtool-ready <unix time>`` once the window is usable, then quit
        (the start-up benchmark measures from process start to this line).
    :param select_row: select this table row first (screenshots show the player area filled in).
    :param choose_user: ask who is coding before the window opens (``user`` is the suggestion).
    :param say_ready: print the ready line and keep running (scripts driving the app wait for it).
    """
    app = application()
    if choose_user:
        from bwvtool.ui.identity import choose_identity

        chosen = choose_identity(workspace, user)
        if chosen is None:
            return 0
        user = chosen
    window = MainWindow(workspace, user)

    def on_ready() -> None:
        if select_row is not None and window.model is not None and window.model.rowCount() > select_row:
            window.table.selectRow(select_row)
        if exit_when_ready or say_ready:
            print(f"{READY_MARKER} {time.time():.6f}", flush=True)
        if screenshot is not None:
            # Let the selection and deferred filter choices paint before grabbing.
            QTimer.singleShot(300, lambda: (window.grab().save(str(screenshot)), app.quit()))
        elif exit_when_ready:
            app.quit()

    window.ready.connect(on_ready)
    # Quitting ends the process even if some other top-level window is still shown (Qt's own rule waits for the
    # last one): nothing is left to act on once the main window has closed its workspace.
    window.closed.connect(app.quit)
    # Screenshots and the start-up benchmark open at the default size and leave the user's settings alone.
    remember = screenshot is None and not exit_when_ready
    if remember:
        window.restore_geometry(QSettings().value(GEOMETRY_SETTING))
    window.show()
    window.raise_()
    with _terminate_closes(window):
        code = app.exec()
    if remember:
        QSettings().setValue(GEOMETRY_SETTING, window.saveGeometry())
    return code


@contextlib.contextmanager
def _terminate_closes(window: MainWindow) -> Iterator[None]:
    """SIGTERM closes the window as the user would (texts saved, jobs rolled back), not mid-handler.

    Python runs a signal handler only between bytecodes, and the event loop runs none while idle: the C-level
    handler writes to a socket whose notifier wakes the loop, and the handler then asks the window to close.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda *_: _drain(reader))
    previous_fd = signal.set_wakeup_fd(writer.fileno())
    previous = signal.signal(signal.SIGTERM, lambda *_: QTimer.singleShot(0, window.terminate))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()


def _drain(reader: socket.socket) -> None:
    with contextlib.suppress(BlockingIOError):
        reader.recv(64)
