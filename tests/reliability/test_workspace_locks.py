"""Nothing shown as saved is lost, whatever the app's own process does with the workspace's files.

On POSIX, closing any handle to a file drops every lock the process holds on it; Qt's file dialogs open and close
the files in the folder they show. The app therefore holds no SQLite handle (a worker process does). These tests
run the real app in its own process, make it open its own file dialogs in the workspace's folder (or open and close
the workspace's files directly, as any library might), while other processes open, read, write and close the
workspace; then another process reads back every event the app showed as saved.
"""

from __future__ import annotations

import os
import time

import pytest

from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from tests.reliability.processes import HostileApp, OtherPrograms
from tests.reliability.workspaces import coding_workspace

RUN_SECONDS = float(os.environ.get("BWVTOOL_LOCK_TEST_SECONDS", "25"))


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
