"""Workspaces the reliability tests code in: one real clip, the default codebooks, nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import ensure_default_codebooks
from tests.conftest import REPO

CLIP = REPO / "sample_media" / "framecode_720p25.mp4"


def coding_workspace(folder: Path, clip_id: str = "K1", location: Path | str | None = None) -> Path | str:
    """A workspace at ``location`` (default ``folder/ws.sqlite``; a server URL works too) with clip ``clip_id`` (a
    24 s framecode video in ``folder``, named by its absolute path: a server has no folder) and the default
    codebooks."""
    shutil.copy(CLIP, folder / "clip.mp4")
    (folder / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path\n"
        f"{clip_id},2026-11-02T10:00:00Z,24,PC7,Lambeth,{folder / 'clip.mp4'}\n"
    )
    location = folder / "ws.sqlite" if location is None else location
    ws = open_workspace(location, create=True)
    try:
        import_catalogue(ws, folder / "cat.csv", actor="test")
        ensure_default_codebooks(ws, actor="test")
    finally:
        ws.close()
    return location
