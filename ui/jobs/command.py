"""One long piece of work, run as the very ``bwvtool`` command a user would type, in a child process.

Why a command and not a thread: the app's process holds no SQLite handle (see ``bwvtool.store.worker``), a
million-row import must not share the window's memory or its fate, and the command line is already tested for
every one of these jobs. The child reports progress as JSON lines on stderr (``BWVTOOL_PROGRESS=jsonl``) and its
result as JSON on stdout (``--json``). Cancel sends SIGTERM: the command stops where it is safe to (an import between
two steps, then undoes them) and says what it kept; :func:`cancelled_text` repeats no more than that.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from bwvtool.cli.terminal import MACHINE_MARK, PROGRESS_ENV


@dataclass
class JobResult:
    exit_code: int
    data: Any = None  # the command's --json output, when it printed one
    message: str = ""  # its last "bwvtool: …" line (the one-line error or warning)
    cancelled: bool = False
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.cancelled

    @property
    def partial(self) -> bool:
        """Exit 1: the work was done but something was skipped or rejected (the command says what)."""
        return self.exit_code == 1 and not self.cancelled


class CommandJob(QObject):
    progress = Signal(str, int, int)  # text, done (-1 unknown), total (-1 unknown)
    finished = Signal(object)  # JobResult

    def __init__(
        self, title: str, db: str, user: str, args: list[str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.args = ["--db", db, "--user", user, *args, "--json"]
        self.text = "waiting to start"
        self.done = -1
        self.total = -1
        self.result: JobResult | None = None
        self._cancelled = False
        self._stdout = bytearray()
        self._stderr = ""
        self._lines: list[str] = []
        self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert(PROGRESS_ENV, "jsonl")
        self.process.setProcessEnvironment(env)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._failed_to_start)

    @property
    def running(self) -> bool:
        return self.result is None

    def start(self) -> None:
        self.text = "starting"
        # -P: the app's current folder (a source checkout, say) must not shadow the installed bwvtool.
        self.process.start(sys.executable, ["-P", "-m", "bwvtool", *self.args])

    def cancel(self) -> None:
        """Ask the command to stop; it rolls back what it had not finished."""
        if self.running:
            self._cancelled = True
            self.text = "cancelling…"
            self.progress.emit(self.text, self.done, self.total)
            self.process.terminate()

    def wait(self, msecs: int = 60_000) -> bool:
        """Block until the command ends (tests and quitting)."""
        return self.process.state() == QProcess.ProcessState.NotRunning or self.process.waitForFinished(msecs)

    def _read_stdout(self) -> None:
        self._stdout += bytes(self.process.readAllStandardOutput())

    def _read_stderr(self) -> None:
        self._stderr += bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        *complete, self._stderr = self._stderr.split("\n")
        for line in complete:
            if line.startswith(MACHINE_MARK):
                update = json.loads(line[len(MACHINE_MARK) :])
                self.text = update.get("text") or self.text
                self.done = -1 if update.get("done") is None else int(update["done"])
                self.total = -1 if update.get("total") is None else int(update["total"])
                self.progress.emit(self.text, self.done, self.total)
            elif line.strip():
                self._lines.append(line.strip())

    def _finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        if self._stderr.strip():
            self._lines.append(self._stderr.strip())
        try:
            data = json.loads(self._stdout.decode("utf-8")) if self._stdout.strip() else None
        except ValueError:
            data = None
        said = [line for line in self._lines if line.startswith("bwvtool:")]
        message = said[-1].removeprefix("bwvtool: ") if said else ""
        self._end(JobResult(exit_code, data, message, self._cancelled, list(self._lines)))

    def _failed_to_start(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._end(JobResult(2, None, f"could not start {sys.executable}: {self.process.errorString()}"))

    def _end(self, result: JobResult) -> None:
        if self.result is not None:
            return
        self.result = result
        if result.cancelled:
            self.text = cancelled_text(result)
        elif result.ok:
            self.text = "done"
        elif result.partial:
            self.text = "done, with problems"
        else:
            self.text = f"failed: {result.message or 'see the details'}"
        self.finished.emit(result)


def cancelled_text(result: JobResult) -> str:
    """What a cancel did, as far as the command said: only a command that reports its rollback as complete is
    said to have kept nothing; one that ended well anyway had finished before the cancel reached it."""
    data = result.data if isinstance(result.data, dict) else {}
    if data.get("cancelled"):
        if data.get("rolled_back") is None:
            return "cancelled — undoing it did not finish"
        return "cancelled — nothing of it was kept"
    if result.exit_code in (0, 1):
        return "cancelled too late — it had finished and was kept"
    return "cancelled"
