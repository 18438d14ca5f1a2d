"""Shared fixtures. Qt runs offscreen so the whole suite needs no display."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BWVTOOL_USER", "test-user")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workspace(tmp_path):
    """A fresh, migrated workspace file."""
    from bwvtool.store import open_workspace

    ws = open_workspace(tmp_path / "ws.sqlite", create=True)
    yield ws
    ws.close()


@pytest.fixture
def run_cli(tmp_path, capfd):
    """Run ``bwvtool`` in-process; returns (exit code, stdout, stderr)."""
    from bwvtool.cli import main

    def run(*args: str, db: Path | None = None) -> tuple[int, str, str]:
        argv = ["--db", str(db or tmp_path / "ws.sqlite"), *args]
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capfd.readouterr()
        return code, out, err

    return run
