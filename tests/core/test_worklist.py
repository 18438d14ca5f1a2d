"""The reviewer's work order, and which clip follows a finished one."""

from __future__ import annotations

from bwvtool.coding.worklist import has_media, next_after, work_order
from bwvtool.store.queue import QueueItem


def item(assignment_id, sample_id, status, recorded="2026-11-02T10:00", media="clip.mp4", media_status="ok"):
    return QueueItem(assignment_id, sample_id, f"sample {sample_id}", f"C{assignment_id}", "primary", status,
                     recorded, 60.0, "Lambeth", "PC1", media, None, media_status, None)  # fmt: skip


def test_not_started_first_then_newest_sample_first_then_recording_time():
    items = [
        item(1, 1, "complete"),
        item(2, 1, "not_started", "2026-11-02T09:00"),
        item(3, 2, "in_progress"),
        item(4, 2, "not_started", "2026-11-03T09:00"),
        item(5, 2, "not_started", "2026-11-01T09:00"),
        item(6, 1, "flagged"),
    ]
    assert [i.assignment_id for i in work_order(items)] == [5, 4, 2, 3, 6, 1]


def test_the_next_clip_follows_the_finished_one_never_the_top_of_the_list():
    shown = work_order(
        [item(1, 2, "not_started"), item(2, 2, "not_started", "2026-11-03"), item(3, 1, "not_started")]
    )
    assert [i.assignment_id for i in shown] == [1, 2, 3]
    assert next_after(shown, 2).assignment_id == 3  # not 1, at the top
    assert next_after(shown, 3).assignment_id == 1  # nothing after it: back to the first unfinished
    done = [item(1, 2, "complete"), item(2, 2, "complete")]
    assert next_after(done, 2) is None


def test_clips_without_playable_media_are_marked():
    assert has_media(item(1, 1, "not_started"))
    assert not has_media(item(1, 1, "not_started", media=None))
    assert not has_media(item(1, 1, "not_started", media_status="missing"))
