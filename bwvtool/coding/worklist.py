"""The order a reviewer works through their queue, and which clip comes next after one is done.

Default order: clips not started first, then those in progress, flagged, and complete last; within each, the
newest sample first (this week's before last week's leftovers), then by recording time. After a clip is done the
next is the first unfinished one after it in that order (wrapping to the top only when nothing follows), so
completing a clip never jumps back to the start of the list.
"""

from __future__ import annotations

from collections.abc import Sequence

from bwvtool.store.queue import QueueItem

STATUS_ORDER = {"not_started": 0, "in_progress": 1, "flagged": 2, "complete": 3}
NO_MEDIA = frozenset({"missing", "unreadable", "mismatch"})


def work_order(items: Sequence[QueueItem]) -> list[QueueItem]:
    return sorted(
        items, key=lambda i: (STATUS_ORDER.get(i.status, 9), -i.sample_id, i.recorded_at, i.clip_id)
    )


def next_after(items: Sequence[QueueItem], done: int | None) -> QueueItem | None:
    """The first unfinished assignment after ``done`` in ``items``' order (the queue as shown); else the first."""
    unfinished = [i for i in items if i.status != "complete" and i.assignment_id != done]
    ids = [i.assignment_id for i in items]
    if done in ids:
        after = ids.index(done)
        later = [i for i in items[after + 1 :] if i in unfinished]
        if later:
            return later[0]
    return unfinished[0] if unfinished else None


def has_media(item: QueueItem) -> bool:
    """Whether the clip can be played: a media path, and no check found it missing or changed."""
    return bool(item.media_path) and item.media_status not in NO_MEDIA
