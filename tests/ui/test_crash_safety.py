"""Never lose work: SIGKILL the app at random moments while events are being coded, many times.

Every event the screen had shown as saved must be in the workspace afterwards (a SQLite file or a server
database), the workspace must pass its integrity check and the audit chain must verify.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import ensure_default_codebooks
from tests.conftest import REPO

RUNS = int(os.environ.get("BWVTOOL_CRASH_RUNS", "12"))


@pytest.fixture
def workspace_file(workspace_location, tmp_path):
    shutil.copy(REPO / "sample_media" / "framecode_720p25.mp4", tmp_path / "clip.mp4")
    (tmp_path / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path\n"
        f"K1,2026-11-02T10:00:00Z,24,PC7,Lambeth,{tmp_path / 'clip.mp4'}\n"  # absolute: a server has no folder
    )
    ws = open_workspace(workspace_location, create=True)
    import_catalogue(ws, tmp_path / "cat.csv", actor="test")
    ensure_default_codebooks(ws, actor="test")
    ws.close()
    return workspace_location


_STARTED: list[CodingApp] = []


@pytest.fixture(autouse=True)
def _no_coding_app_left_running():
    """A test that fails half-way must not leave its coding app pressing keys for the rest of the run."""
    yield
    while _STARTED:
        proc = _STARTED.pop().proc
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class CodingApp:
    """The coding app in its own process, coding ``clip`` as ``coder``; collects what it showed as saved."""

    def __init__(self, path, clip: str, coder: str) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BWVTOOL_USER=coder)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.helpers.coding_app", str(path), clip, coder],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _STARTED.append(self)
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.ready = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._read_errors, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            if line.strip() == "ready":
                self.ready.set()

    def _read_errors(self) -> None:
        for line in self.proc.stderr:
            if "Error" in line or "locked" in line or "Traceback" in line:
                self.errors.append(line.strip())

    def saved(self) -> int:
        return sum(1 for x in list(self.lines) if x.startswith("saved ") and x.split()[1] != "None")

    def wait_for_saves(self, count: int, timeout_s: float = 60.0) -> None:
        """Wait (polling) until ``count`` events were shown as saved: a busy machine codes slower, not less."""
        deadline = time.monotonic() + timeout_s
        while self.saved() < count:
            assert self.proc.poll() is None, "the coding app exited by itself"
            assert time.monotonic() < deadline, f"only {self.saved()} events saved in {timeout_s:.0f} s"
            time.sleep(0.05)

    def kill(self) -> list[int]:
        assert self.proc.poll() is None, "the coding app exited by itself"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for thread in self._threads:
            thread.join(10)  # lines written before the kill still count as shown
        return [int(x.split()[1]) for x in self.lines if x.startswith("saved ") and x.split()[1] != "None"]


def _run_and_kill(path, seconds: float) -> list[int]:
    app = CodingApp(path, "K1", "crash")
    assert app.ready.wait(60), "the coding app did not start"
    app.wait_for_saves(1)  # kills before the first save would test nothing
    time.sleep(seconds)
    return app.kill()


@pytest.mark.slow
def test_sigkill_while_coding_loses_nothing_shown_as_saved(workspace_file):
    rng = random.Random(2026)
    total_shown = 0
    for _ in range(RUNS):
        shown = _run_and_kill(workspace_file, rng.uniform(0.4, 2.0))
        ws = open_workspace(workspace_file)
        try:
            assert ws.integrity_check() == []
            assert ws.verify_audit().ok
            present = {e.id for e in event_rows.for_clip(ws.conn, "K1")}
            # Undo is not used here, so every event once shown as saved must still exist.
            assert set(shown) <= present, f"lost: {sorted(set(shown) - present)[:10]}"
        finally:
            ws.close()
        total_shown += len(shown)
    assert total_shown >= RUNS  # the runs really coded something


def test_two_app_instances_code_the_same_workspace_without_lost_writes(workspace_file):
    """Two coders on one machine: both write all the time; no lock error reaches them and nothing is lost."""
    apps = [CodingApp(workspace_file, "K1", "coder_a"), CodingApp(workspace_file, "K1", "coder_b")]
    for app in apps:
        assert app.ready.wait(60)
    for app in apps:
        app.wait_for_saves(11)  # both keep writing meanwhile
    shown = [app.kill() for app in apps]
    assert all(len(s) > 10 for s in shown)
    assert [app.errors for app in apps] == [[], []]
    ws = open_workspace(workspace_file)
    try:
        present = {e.id for e in event_rows.for_clip(ws.conn, "K1")}
        assert set(shown[0]) | set(shown[1]) <= present
        assert ws.integrity_check() == [] and ws.verify_audit().ok
    finally:
        ws.close()
