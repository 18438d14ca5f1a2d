"""Shared work: a sample given to the unit's pool, and reviewers taking the next clip from it.

"Take next" (the desk) and ``bwvtool queue claim`` call :func:`claim_next`: in one transaction the oldest
unclaimed clip becomes the caller's assignment and the claim is audited. Many people may press it at once; each
clip goes to exactly one of them (:mod:`bwvtool.store.pool` says how, per engine). See docs/team-server.md
("Many people at once").
"""

from __future__ import annotations

from bwvtool.errors import UsageError
from bwvtool.store import Workspace
from bwvtool.store import pool as pool_rows
from bwvtool.store import queue as queue_rows
from bwvtool.store import samples as sample_rows
from bwvtool.store.pool import PoolRow


def share_sample(ws: Workspace, sample_id: int, actor: str) -> int:
    """Put the sample's unassigned clips into the unit's pool (audited); returns how many were added."""
    with ws.transaction(actor) as tx:
        if sample_rows.get_sample(tx.conn, sample_id) is None:
            raise UsageError(f"no sample {sample_id} (see 'bwvtool sample list')")
        added = pool_rows.add_sample(tx, sample_id)
        tx.audit("pool.add", "sample", str(sample_id), {"clips": added})
    return added


def claim_next(ws: Workspace, coder: str, sample_id: int | None = None) -> PoolRow | None:
    """Make the oldest unclaimed clip in the pool (of ``sample_id``) ``coder``'s assignment; None: nothing left."""
    with ws.transaction(coder) as tx:
        coder_id = ws.coder_id(tx, coder)
        claimed = pool_rows.claim_next(tx, coder_id, sample_id)
        if claimed is not None:
            tx.audit(
                "pool.claim",
                "assignment",
                str(claimed.assignment_id),
                {"clip": claimed.clip_id, "sample": claimed.sample_id, "pool": claimed.id},
            )
    return claimed


def release(ws: Workspace, coder: str, clip_id: str, sample_id: int | None = None) -> PoolRow:
    """Give back a clip ``coder`` claimed and has not started: their assignment goes, the clip returns to the
    pool (audited).

    :raises UsageError: the clip is not theirs from the pool, or work on it has begun.
    """
    with ws.transaction(coder) as tx:
        coder_id = ws.coder_id(tx, coder)
        mine = [
            a for a in queue_rows.for_clip(tx.conn, clip_id, coder_id) if sample_id in (None, a.sample_id)
        ]
        claimed = [(a, pool_rows.claimed_row(tx, a.assignment_id)) for a in mine]
        claimed = [(a, row) for a, row in claimed if row is not None]
        if not claimed:
            raise UsageError(f"{clip_id} is not a clip you took from the pool")
        if len(claimed) > 1:
            raise UsageError(f"you took {clip_id} from the pool in several samples: say which with --sample")
        assignment, row = claimed[0]
        if not pool_rows.is_untouched(tx, assignment.assignment_id):
            raise UsageError(
                f"{clip_id} is already started ({assignment.status.replace('_', ' ')}): it stays yours"
            )
        pool_rows.release(tx, row.id, assignment.assignment_id)
        tx.audit(
            "pool.release",
            "assignment",
            str(assignment.assignment_id),
            {"clip": clip_id, "sample": row.sample_id, "pool": row.id},
        )
    return row
