"""UI tests run the app's way: every workspace they open is served by a worker process (no SQLite in-process)."""

from __future__ import annotations

import pytest

from bwvtool.store.remote import stop_workers
from bwvtool.store.workspace import use_worker_process


@pytest.fixture(autouse=True)
def workspaces_through_a_worker():
    use_worker_process(True)
    yield
    use_worker_process(False)
    stop_workers()
