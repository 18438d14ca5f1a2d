"""Cancelling a running import at a moment the test chooses, whatever the machine's load: the import process frozen
(SIGSTOP) while the test looks and signals, and catalogues whose report cannot leave the process unread."""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
from bwvtool.store import catalogue as store
from bwvtool.store import open_workspace

PATIENCE_S = 600  # only so that a broken build fails instead of hanging: nothing here is timed


@contextmanager
def frozen(pid: int) -> Iterator[None]:
    """Process ``pid`` stopped (SIGSTOP) within, continued after: what the test reads meanwhile stays true, and a
    signal sent meanwhile reaches it where it stood."""
    os.kill(pid, signal.SIGSTOP)
    try:
        until(lambda: _state(pid) in ("T", "t", "Z", None), f"process {pid} to stop")
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):  # killed meanwhile, and gone
            os.kill(pid, signal.SIGCONT)


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return None


def clips_and_import(location) -> tuple[int, str | None]:
    """(clips in the workspace, state of its newest import), read by this process's own connection."""
    ws = open_workspace(location)
    try:
        newest = store.imports(ws.conn, limit=1)
        return ws.counts()["clips"], newest[0]["state"] if newest else None
    finally:
        ws.close()


def wait_until_finished(location, imports_before: int) -> int:
    """Wait until an import after the first ``imports_before`` is done; the clips then."""

    def finished() -> bool:
        ws = open_workspace(location)
        try:
            rows = store.imports(ws.conn, limit=100)
        finally:
            ws.close()
        return len(rows) > imports_before and rows[0]["state"] == "done"

    until(finished, "the import to finish")
    return clips_and_import(location)[0]


def catalogue_with_rejects(path: Path, rows: int, bad: int, seed: int = 11) -> None:
    """``rows`` good rows and then ``bad`` with an impossible time: the import's JSON report lists a thousand
    rejects (some 200 KB), more than a pipe holds, so the process that prints it cannot end before it is read."""
    write_csv(path, synthetic_rows(rows, seed=seed))
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        for n in range(bad):
            writer.writerow({"clip_id": f"BAD{n:05d}", "recorded_at": "not a time", "duration_s": "30"})


def until(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)
