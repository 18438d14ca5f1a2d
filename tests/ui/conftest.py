"""UI tests run the app's way: every workspace they open is served by a worker process (no SQLite in-process)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def workspaces_through_a_worker(app_workspaces):
    yield
