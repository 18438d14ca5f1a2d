"""Checking the media of clips already in the catalogue: is each file there, readable, and the catalogued one?

Files are hashed and probed outside any transaction (hashing a day's footage takes minutes); the results are
stored a batch at a time in short transactions, so reviewers keep coding meanwhile. Each clip's status
(ok / missing / mismatch / unreadable) is what the catalogue and the desk show; a clip with no media path is
left as it is and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool.catalogue import media_check
from bwvtool.errors import UsageError
from bwvtool.store import Workspace
from bwvtool.store import catalogue as store

BATCH = 25  # clips whose results one short transaction stores

Progress = Callable[[int, int], None]  # done, total


@dataclass
class MediaSweep:
    clips: int = 0
    no_media: int = 0
    statuses: Counter = field(default_factory=Counter)
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "clips": self.clips,
            "checked": sum(self.statuses.values()),
            "ok": self.statuses[media_check.OK],
            "missing": self.statuses[media_check.MISSING],
            "mismatch": self.statuses[media_check.MISMATCH],
            "unreadable": self.statuses[media_check.UNREADABLE],
            "no_media_path": self.no_media,
            "problems": self.problems,
        }


def check_media(
    ws: Workspace,
    *,
    clip_ids: Sequence[str] | None = None,
    sample_id: int | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
) -> MediaSweep:
    """Hash and probe the media of the named clips, a sample's clips, or every clip; store each status."""
    rows = store.media_of(ws.conn, clip_ids=clip_ids, sample_id=sample_id)
    if clip_ids is not None:
        unknown = sorted(set(clip_ids) - {row[0] for row in rows})
        if unknown:
            raise UsageError(
                f"not in the catalogue: {', '.join(unknown[:5])}" + (" …" if len(unknown) > 5 else "")
            )
    sweep = MediaSweep(clips=len(rows))
    root = Path(str(ws.path)).parent  # relative media paths (older workspaces) start beside the workspace
    facts = media_check.FileFacts()
    with_media = [row for row in rows if row[1]]
    sweep.no_media = len(rows) - len(with_media)
    for start in range(0, len(with_media), BATCH):
        batch = with_media[start : start + BATCH]
        results = [(clip_id, media_check.check(path, sha256, root, facts)) for clip_id, path, sha256 in batch]
        with ws.transaction(actor) as tx:
            for clip_id, result in results:
                store.set_media(
                    tx, clip_id, status=result.status, sha256=result.sha256 if result.status == media_check.OK else None,
                    probe=result.probe, checked_at=tx.at,
                )  # fmt: skip
            found = Counter(result.status for _, result in results)
            tx.audit("media.check", "catalogue", None, {"clips": len(results), **found})
        for clip_id, result in results:
            sweep.statuses[result.status] += 1
            if result.status != media_check.OK:
                sweep.problems.append({"clip_id": clip_id, "status": result.status, "detail": result.detail})
        if progress is not None:
            progress(start + len(batch), len(with_media))
    return sweep
