"""Real processes the reliability tests and the soak bench run: the app coding under hostile conditions, and other
programs opening, reading, writing and closing the same workspace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class HostileApp:
    """The app coding in its own process; collects what it showed as saved."""

    def __init__(self, path, mode: str, clip: str = "K1") -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BWVTOOL_USER="alice")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.helpers.hostile_app", str(path), clip, "alice", mode],
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
