"""The workspace worker imports what the app imports, whatever folder the app was started in."""

from __future__ import annotations

from bwvtool.store import open_workspace
from bwvtool.store.remote import stop_workers
from bwvtool.store.workspace import use_worker_process


def test_the_current_folder_does_not_shadow_the_installed_bwvtool(tmp_path, monkeypatch):
    """The README's demo command runs the installed app from the source checkout, whose ./bwvtool (without
    bwvtool.schemas) must not be what the worker imports."""
    shadow = tmp_path / "bwvtool"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('the current folder was imported')\n")
    monkeypatch.chdir(tmp_path)
    use_worker_process(True)
    try:
        ws = open_workspace(tmp_path / "w.sqlite", create=True)
        try:
            assert ws.conn.execute("SELECT 1").fetchone()[0] == 1
        finally:
            ws.close()
    finally:
        use_worker_process(False)
        stop_workers()
