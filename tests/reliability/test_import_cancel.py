"""Stopping an import (Ctrl+C; SIGTERM, which is what the app's Cancel sends): it is undone whole and says so, or, if
the stop came after its last step, it is kept and says that. Real processes, stopped at moments the test chooses.

The race this guards against: a SIGTERM that arrived while a step waited in BEGIN IMMEDIATE for the write lock was
raised as BEGIN returned, before the code that ends the transaction; the import's rollback then found the transaction
still open and could not begin, and the steps already committed were kept (a CI run found 8,000 clips of a cancelled
import in the workspace) while the app said that nothing of it was kept.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import termios
from contextlib import contextmanager
from pathlib import Path

import pytest

from bwvtool import interrupts
from bwvtool.catalogue import recovery
from bwvtool.catalogue.importer import ImportCancelled, import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.store import catalogue as store
from bwvtool.store import open_workspace, snapshot, steps
from tests.reliability.cancelling import (
    catalogue_with_rejects,
    clips_and_import,
    frozen,
    until,
)
from tests.reliability.workspaces import coding_workspace

ROWS = 150_000


@pytest.fixture
def workspace(tmp_path, workspace_location):
    return coding_workspace(tmp_path, location=workspace_location)  # one clip, K1, from import #1


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cancel") / "big.csv"
    write_csv(path, synthetic_rows(ROWS, seed=3))
    return path


def _import(location, source: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bwvtool", "--db", str(location), "--user", "ana", "catalogue", "import",
         str(source), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs,
    )  # fmt: skip


def _assert_nothing_kept(location, source: Path, stdout: str, stderr: str, returncode: int) -> dict:
    """The import was undone whole, said so in one line and in its JSON, and exited 2."""
    assert returncode == 2, stderr
    said = json.loads(stdout)
    assert said["cancelled"] and said["import_id"] == 2 and said["problem"] is None
    assert said["rolled_back"]["restored"] == 0 and said["rolled_back"]["deleted"] > 0
    assert stderr.strip().splitlines()[-1] == (
        f"bwvtool: cancelled: nothing of the import was kept (import #2 rolled back:"
        f" {said['rolled_back']['deleted']:,} new clips removed, 0 changed clips restored)"
    )
    assert "Traceback" not in stderr
    assert clips_and_import(location) == (1, "rolled_back")
    ws = open_workspace(location)
    try:
        assert ws.integrity_check() == [] and ws.verify_audit().ok
        assert ws.conn.execute("SELECT count(*) FROM workspace_leases").fetchone()[0] == 0
        assert ws.conn.execute("SELECT count(*) FROM import_undo").fetchone()[0] == 0
    finally:
        ws.close()
    assert not list(source.parent.glob("*.partial")) and not list(source.parent.glob("*.rejects*"))
    return said


@pytest.mark.sqlite_only(
    "the test sees the step wait for the lock by its announcement on the workspace's side file"
)
def test_sigterm_while_a_step_waits_for_the_lock_undoes_every_step(workspace, big):
    importing = _import(workspace, big)
    until(lambda: clips_and_import(workspace)[0] > 1, "the import's first step")
    holder = open_workspace(workspace)
    try:
        with steps.announced(holder):  # the import's pacer lets us in at its next step
            holder.conn.execute("BEGIN IMMEDIATE")
        assert (
            holder.conn.execute("SELECT state FROM catalogue_imports WHERE id = 2").fetchone()[0]
            == "applying"
        )
        until(lambda: _waits_in_begin(importing.pid, steps.side_file(holder)), "a step to wait for the lock")
        importing.send_signal(signal.SIGTERM)
        until(lambda: not _pending(importing.pid, signal.SIGTERM), "the signal to arrive")
        holder.conn.execute(
            "ROLLBACK"
        )  # the step gets the lock; the signal would be raised as its BEGIN returns
    finally:
        holder.close()
    out, err = importing.communicate(timeout=600)
    _assert_nothing_kept(workspace, big, out, err, importing.returncode)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_stop_between_steps_undoes_the_import_and_says_so(workspace, big, stop):
    importing = _import(workspace, big)
    until(lambda: clips_and_import(workspace)[0] > 1, "the import's first step")
    with frozen(
        importing.pid
    ):  # rows of the file still to come: a step is left, and the stop is taken before it
        clips, state = clips_and_import(workspace)
        assert clips < 1 + ROWS and state == "applying"
        importing.send_signal(stop)
    out, err = importing.communicate(timeout=600)
    said = _assert_nothing_kept(workspace, big, out, err, importing.returncode)
    assert said["rolled_back"]["deleted"] >= clips - 1


def test_a_stop_after_the_last_step_is_too_late_and_the_import_is_kept(workspace, tmp_path):
    source = tmp_path / "late.csv"
    catalogue_with_rejects(source, rows=20_000, bad=1_500)
    importing = _import(workspace, source)
    # Its report is more than the pipe holds and is not read yet: once the pipe is full, the import is done and the
    # command waits, in the middle of writing its report, for the stop to reach it (a stop there once cut the report
    # at 64 KiB: Python's text streams drop the rest of a write that a signal interrupts).
    until(lambda: _full(importing.stdout), "the report to fill the pipe")
    assert clips_and_import(workspace) == (20_001, "done")
    importing.send_signal(signal.SIGTERM)
    out, err = importing.communicate(timeout=600)
    assert importing.returncode == 1, err  # the import's own exit: done, with rejects
    report = json.loads(out)  # whole
    assert report["inserted"] == 20_000 and report["rejected"] == 1_500 and len(report["rejects"]) == 1_000
    assert err.strip().splitlines()[-1] == (
        "bwvtool: cancelled too late: import #2 had finished and is kept (20,000 new clips, 0 updated)"
    )
    assert clips_and_import(workspace) == (20_001, "done")
    assert Path(report["rejects_path"]).exists()


def test_a_stop_in_the_imports_tidying_up_is_too_late_and_left_to_the_caller(workspace, big, monkeypatch):
    discard_old = snapshot.discard_old

    def stopped_meanwhile(conn):
        os.kill(os.getpid(), signal.SIGTERM)  # after the last step: the import is done
        discard_old(conn)

    monkeypatch.setattr(snapshot, "discard_old", stopped_meanwhile)
    ws = open_workspace(workspace)
    try:
        with interrupts.installed(), interrupts.deferred():
            report = import_catalogue(ws, big, actor="ana")
            assert interrupts.take()  # the stop is the caller's to report
        assert report.inserted == ROWS and ws.counts()["clips"] == 1 + ROWS
    finally:
        ws.close()


def test_a_stop_held_back_while_the_file_was_read_imports_nothing(workspace, big):
    ws = open_workspace(workspace)
    try:
        with interrupts.installed(), interrupts.deferred():
            os.kill(os.getpid(), signal.SIGTERM)  # as the command reads the file, before the import writes
            with pytest.raises(ImportCancelled) as cancelled:
                import_catalogue(ws, big, actor="ana")
        assert cancelled.value.as_dict() == {
            "cancelled": True,
            "import_id": None,
            "rolled_back": {},
            "problem": None,
        }
        assert ws.counts()["clips"] == 1 and len(store.imports(ws.conn)) == 1
    finally:
        ws.close()


def test_a_rollback_that_cannot_finish_says_so_and_is_finished_later(workspace, big, monkeypatch):
    def stop(read: int) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # noted; taken before the next step

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    ws = open_workspace(workspace)
    try:
        with monkeypatch.context() as patched, interrupts.installed():
            patched.setattr(recovery, "roll_back", disk_full)
            with pytest.raises(ImportCancelled) as cancelled:
                import_catalogue(ws, big, actor="ana", progress=stop)
        assert cancelled.value.undone is None and "No space left on device" in cancelled.value.problem
        assert cancelled.value.as_dict()["rolled_back"] is None
        kept = ws.counts()["clips"] - 1
        assert kept > 0  # its steps are still there, the import still applying …
        assert [i["id"] for i in recovery.interrupted_imports(ws)] == [cancelled.value.import_id]
        undone = recovery.recover_interrupted(
            ws, "ana"
        )  # … until the next import, recover or the app undoes it
        assert undone[0]["deleted"] == kept
        assert ws.counts()["clips"] == 1 and ws.integrity_check() == [] and ws.verify_audit().ok
    finally:
        ws.close()


def test_an_interrupt_as_begin_returns_leaves_no_transaction_open(workspace, monkeypatch):
    @contextmanager
    def interrupted_as_begin_returns(_ws):
        yield
        raise KeyboardInterrupt  # where a signal that came while BEGIN waited for the lock is raised

    ws = open_workspace(workspace)
    try:
        with monkeypatch.context() as patched:
            patched.setattr(steps, "announced", interrupted_as_begin_returns)
            with pytest.raises(KeyboardInterrupt), ws.transaction("ana"):
                pass
        assert not ws.conn.in_transaction
        with ws.transaction("ana") as tx:  # the next one begins as usual
            tx.audit("test.after", "test")
        assert ws.verify_audit().ok
    finally:
        ws.close()


def _waits_in_begin(pid: int, side: Path) -> bool:
    """Whether process ``pid`` holds its shared announcement lock on the side file: it is in BEGIN IMMEDIATE."""
    inode = str(os.stat(side).st_ino)
    return any(
        fields[1:5] == ["FLOCK", "ADVISORY", "READ", str(pid)] and fields[5].split(":")[2] == inode
        for fields in (line.split() for line in Path("/proc/locks").read_text().splitlines())
    )


def _pending(pid: int, signum: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return any(
        int(line.split()[1], 16) & (1 << (signum - 1))
        for line in status
        if line.startswith(("SigPnd", "ShdPnd"))
    )


def _full(pipe) -> bool:
    """Whether the pipe holds all it can: its writer waits for it to be read."""
    waiting = struct.unpack("i", fcntl.ioctl(pipe.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
    return waiting >= fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ)
