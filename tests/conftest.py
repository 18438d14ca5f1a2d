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


SMALL_CATALOGUE = """clip_id,incident_id,recorded_at,duration_s,officer_ref,borough,sources,uof_tactics,assault_types
C001,I001,2026-11-02T10:00:00Z,120,PC101,Lambeth,stop_search,,
C002,I001,2026-11-02T10:00:05Z,95.5,PC102,Lambeth,stop_search;use_of_force,Compliant handcuffing,
C003,I002,2026-11-03T21:14:00+00:00,300,PC103,Croydon,op_hampshire;use_of_force,Unarmed skills;Baton used,punching
"""


@pytest.fixture
def clip_workspace(workspace, tmp_path):
    """A workspace holding three catalogue clips (C001–C003), imported the way users import them."""
    from bwvtool.catalogue.importer import import_catalogue

    source = tmp_path / "small_catalogue.csv"
    source.write_text(SMALL_CATALOGUE, encoding="utf-8")
    import_catalogue(workspace, source, actor="test-user")
    return workspace
