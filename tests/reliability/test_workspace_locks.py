"""Nothing shown as saved is lost, whatever the app's own process does with the workspace's files.

On POSIX, closing any handle to a file drops every lock the process holds on it; Qt's file dialogs open and close
the files in the folder they show. The app therefore holds no SQLite handle (a worker process does). These tests
run the real app in its own process, make it open its own file dialogs in the workspace's folder (or open and close
the workspace's files directly, as any library might), while other processes open, read, write and close the
workspace; then another process reads back every event the app showed as saved.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from tests.conftest import REPO
from tests.reliability.workspaces import coding_workspace

RUN_SECONDS = float(os.environ.get("BWVTOOL_LOCK_TEST_SECONDS", "25"))


class HostileApp:
    """The app coding in its own process; collects what it showed as saved."""

    def __init__(self, path, mode: str) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BWVTOOL_USER="alice")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.helpers.hostile_app", str(path), "K1", "alice", mode],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.saved: set[int] = set()
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            line = line.strip()
            self.lines.append(line)
            if line == "ready":
                self.ready.set()
            elif line.startswith("saved ") and line.split()[1] != "None":
                self.saved.add(int(line.split()[1]))

    def _read_errors(self) -> None:
        for line in self.proc.stderr:
            if "Traceback" in line or "Error" in line or "locked" in line:
                self.errors.append(line.strip())

    def count(self, prefix: str) -> int:
        return sum(line.startswith(prefix) for line in self.lines)

    def kill(self) -> None:
        assert self.proc.poll() is None, f"the app exited by itself: {self.errors}"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class OtherPrograms:
    """Other processes opening, reading, writing and closing the workspace in a loop (each close may checkpoint)."""

    SCRIPT = (
        "import sys\n"
        "from bwvtool.store import open_workspace\n"
        "ws = open_workspace(sys.argv[1])\n"
        "ws.counts()\n"
        "if sys.argv[2] == 'write':\n"
        "    with ws.transaction('bob') as tx:\n"
        "        tx.audit('test.visit', 'workspace', None, {'by': 'another program'})\n"
        "ws.close()\n"
    )

    def __init__(self, path) -> None:
        self.path = path
        self.runs = 0
        self.failures: list[str] = []
        self.sizes: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        commands = [
            [sys.executable, "-c", self.SCRIPT, str(self.path), "read"],
            [sys.executable, "-c", self.SCRIPT, str(self.path), "write"],
            [sys.executable, "-m", "bwvtool", "--db", str(self.path), "status"],
        ]
        while not self._stop.is_set():
            result = subprocess.run(
                commands[self.runs % 3], cwd=REPO, capture_output=True, text=True, timeout=120
            )
            if result.returncode != 0:
                self.failures.append(result.stderr.strip()[-300:])
            self.runs += 1
            self.sizes.append(self.path.stat().st_size)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=150)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["dialogs", "handles"])
def test_events_shown_saved_survive_the_apps_own_file_handling(tmp_path, mode):
    path = coding_workspace(tmp_path)
    app = HostileApp(path, mode)
    assert app.ready.wait(120), f"the app did not start: {app.errors}"
    others = OtherPrograms(path)
    deadline = time.monotonic() + RUN_SECONDS
    wanted = "dialog" if mode == "dialogs" else "poke"
    while time.monotonic() < deadline or app.count(wanted) < 3 or others.runs < 6:
        assert app.proc.poll() is None, f"the app exited by itself: {app.errors}"
        assert time.monotonic() < deadline + 180, "the app made no progress"
        time.sleep(0.2)
    others.stop()
    app.kill()

    assert len(app.saved) >= 5, f"too few events were saved to prove anything: {app.lines[-5:]}"
    assert not others.failures, others.failures[:3]
    assert all(b >= a for a, b in zip(others.sizes, others.sizes[1:], strict=False)), (
        "the workspace file shrank"
    )
    # Read back in another process (this one, which never touched the app's handles).
    ws = open_workspace(path)
    try:
        assert ws.integrity_check() == []
        assert ws.verify_audit().ok
        stored = {event.id for event in event_rows.for_clip(ws.conn, "K1")}
        lost = sorted(app.saved - stored)
        assert not lost, f"{len(lost)} events shown as saved are gone: {lost[:10]}"
    finally:
        ws.close()
