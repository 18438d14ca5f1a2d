"""Reading the catalogue back: one clip in full, or a page of clips."""

from __future__ import annotations

import json
from typing import Any

from bwvtool.errors import UsageError
from bwvtool.store import catalogue as store
from bwvtool.store.workspace import Workspace

_JSON_COLUMNS = ("sources", "uof_tactics", "assault_types", "extra", "media_probe")


def clip_details(ws: Workspace, clip_id: str) -> dict[str, Any]:
    """Every stored field of one clip, with its JSON columns decoded (lists as lists, extra as a dict).

    :raises UsageError: no clip with that id.
    """
    clip = store.get_clip(ws.conn, clip_id)
    if clip is None:
        raise UsageError(f"no clip {clip_id!r} in the catalogue")
    for column in _JSON_COLUMNS:
        if clip.get(column) is not None:
            clip[column] = json.loads(clip[column])
    if clip.get("mtip") is not None:
        clip["mtip"] = bool(clip["mtip"])
    return clip


def clip_page(ws: Workspace, *, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """A page of clips in recording order (a few columns each) and the catalogue's size."""
    if limit < 1 or offset < 0:
        raise UsageError("--limit must be at least 1 and the offset not negative")
    return {
        "total": store.count_clips(ws.conn),
        "offset": offset,
        "clips": store.list_clips(ws.conn, limit=limit, offset=offset),
    }
