"""The sampling frame: the eligible units (clips or incidents), in a canonical order, with a hash of their ids.

Units are sorted by id (code-point order) so that a draw does not depend on the order rows were imported in.
Which clips speak for an incident is defined once, in :data:`INCIDENT_DEFINITION` (docs/sampling.md quotes it word
for word, and tests/core/test_docs.py holds the two together).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bwvtool.sampling import rules
from bwvtool.sampling.fingerprint import joined_lines
from bwvtool.sampling.window import Window

if TYPE_CHECKING:
    import numpy as np

    from bwvtool.sampling.columns import Columns
    from bwvtool.sampling.plan import Plan

EXCLUSION_REASONS = ("list", "sampled", "reviewed")

INCIDENT_DEFINITION = (
    "An incident's eligible clips are its clips recorded inside the window that satisfy frame.where; the incident is"
    " in the frame when it has at least one, and a draw takes only eligible clips. Its stratum comes from its"
    " earliest eligible clip (ties: the lowest clip id). It matches a census or oversample rule (its incident-level"
    " flags, such as escalated) when any of its eligible clips matches. It is left out when it, or one of its eligible"
    " clips, is excluded."
)


@dataclass(frozen=True)
class Exclusions:
    """Ids to leave out: from earlier samples and reviews (within the plan's days) and from named lists."""

    sampled_clips: frozenset[str] = frozenset()
    sampled_incidents: frozenset[str] = frozenset()
    reviewed_clips: frozenset[str] = frozenset()
    reviewed_incidents: frozenset[str] = frozenset()
    listed: frozenset[str] = frozenset()  # clip ids or incident ids


@dataclass
class Frame:
    """Eligible units and their clips. ``rows`` index the columns, grouped by unit and sorted by clip id."""

    unit: str
    window: Window | None
    unit_ids: np.ndarray  # str, sorted
    rows: np.ndarray  # eligible clip rows, grouped by unit, clip ids ascending within a unit
    starts: np.ndarray  # first position in ``rows`` of each unit
    lead: np.ndarray  # per unit: the column row of its earliest clip (ties: lowest clip id)
    excluded: dict[str, int] = field(default_factory=dict)
    candidates: int = 0  # units passing window and rules, before exclusions
    carried: np.ndarray | None = (
        None  # per unit: carried over from the previous sample (None: nothing carried)
    )

    @property
    def size(self) -> int:
        return int(self.unit_ids.shape[0])

    @property
    def row_unit(self) -> np.ndarray:
        """For each position in ``rows``, the index of its unit."""
        import numpy as np

        counts = np.diff(np.append(self.starts, self.rows.shape[0]))
        return np.repeat(np.arange(self.size), counts)

    def any_per_unit(self, row_mask: np.ndarray) -> np.ndarray:
        """Per unit: does any of its eligible clips satisfy ``row_mask`` (a mask over all column rows)? How census and
        oversample rules (incident-level flags) match an incident: see :data:`INCIDENT_DEFINITION`."""
        import numpy as np

        if self.size == 0:
            return np.zeros(0, dtype=bool)
        return np.logical_or.reduceat(row_mask[self.rows], self.starts)

    def sha256(self) -> str:
        """SHA-256 of the sorted unit ids, one a line: two draws saw the same frame iff these match."""
        return hashlib.sha256(joined_lines(self.unit_ids)).hexdigest()


def build_frame(
    plan: Plan,
    cols: Columns,
    ctx: rules.Context,
    window: Window | None,
    exclusions: Exclusions,
    carried: frozenset[str] = frozenset(),
) -> Frame:
    """The frame of ``plan`` over ``cols``: window (and the ``carried`` units, whatever their dates), then
    ``frame.where``, then exclusions, grouped into units."""
    import numpy as np

    keep = rules.evaluate(plan.frame.get("where"), cols, ctx)
    if window is not None:
        inside = (cols.recorded_ts >= window.start_ts) & (cols.recorded_ts < window.end_ts)
        if carried:
            keys = (cols.incident_id if plan.unit == "incident" else cols.clip_id).tolist()
            inside |= np.fromiter((str(k) in carried for k in keys), dtype=bool, count=len(keys))
        keep &= inside
    rows = np.flatnonzero(keep)
    clip_ids = cols.ids_at("clip_id", rows).astype(str, copy=False)  # taking the rows made a copy already
    incident_ids = cols.ids_at("incident_id", rows).astype(str, copy=False)
    if plan.unit == "incident":
        order = np.lexsort((clip_ids, incident_ids))
    else:
        order = np.argsort(clip_ids, kind="stable")
    rows, clip_ids, incident_ids = rows[order], clip_ids[order], incident_ids[order]
    unit_key = incident_ids if plan.unit == "incident" else clip_ids
    starts = _starts(unit_key)
    candidates = int(starts.shape[0])
    excluded = dict.fromkeys(EXCLUSION_REASONS, 0)
    reason = _exclusion_reasons(plan, exclusions, clip_ids, incident_ids)
    if reason is not None and rows.shape[0]:
        # A unit goes when any of its clips is excluded, and counts under the first reason met.
        none = len(EXCLUSION_REASONS)
        unit_reason = np.minimum.reduceat(np.where(reason < 0, none, reason), starts)
        drop = unit_reason < none
        counts = np.bincount(unit_reason[drop], minlength=none)
        excluded = {name: int(counts[i]) for i, name in enumerate(EXCLUSION_REASONS)}
        kept = ~np.repeat(drop, np.diff(np.append(starts, rows.shape[0])))
        rows, unit_key = rows[kept], unit_key[kept]
        starts = _starts(unit_key)
    frame = Frame(plan.unit, window, unit_key[starts], rows, starts, rows[starts], excluded, candidates)
    frame.lead = _lead_rows(frame, cols)
    if carried:
        frame.carried = np.fromiter(
            (u in carried for u in frame.unit_ids.tolist()), dtype=bool, count=frame.size
        )
    return frame


def _starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal keys begins."""
    import numpy as np

    boundary = np.ones(sorted_keys.shape[0], dtype=bool)
    boundary[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return np.flatnonzero(boundary)


def _lead_rows(frame: Frame, cols: Columns) -> np.ndarray:
    """Each unit's earliest eligible clip (ties: lowest clip id), whose fields give the stratum: see
    :data:`INCIDENT_DEFINITION`."""
    import numpy as np

    if frame.unit == "clip" or frame.size == 0:
        return frame.rows[frame.starts]
    # Each unit's clips are in clip-id order, so its lead is the first of them recorded at the unit's earliest
    # time: a minimum per unit and one pass, where sorting every eligible clip by (unit, time, position) took
    # most of this function's time.
    ts = cols.recorded_ts[frame.rows]
    unit = frame.row_unit
    earliest = np.flatnonzero(ts == np.minimum.reduceat(ts, frame.starts)[unit])
    return frame.rows[earliest[_starts(unit[earliest])]]


def _exclusion_reasons(
    plan: Plan, exclusions: Exclusions, clip_ids: np.ndarray, incident_ids: np.ndarray
) -> np.ndarray | None:
    """Per candidate row: the index in ``EXCLUSION_REASONS`` of the first reason it is left out for, or -1."""
    import numpy as np

    incident_unit = plan.unit == "incident"
    tests = [
        (0, exclusions.listed, clip_ids),
        (0, exclusions.listed, incident_ids),
        (
            1,
            exclusions.sampled_incidents if incident_unit else exclusions.sampled_clips,
            incident_ids if incident_unit else clip_ids,
        ),
        (
            2,
            exclusions.reviewed_incidents if incident_unit else exclusions.reviewed_clips,
            incident_ids if incident_unit else clip_ids,
        ),
    ]
    if not any(ids for _, ids, _ in tests):
        return None
    reason = np.full(clip_ids.shape[0], -1, dtype=np.int64)
    for code, ids, values in reversed(tests):  # the first reason wins, so apply the last first
        if ids:
            hit = np.fromiter((v in ids for v in values.tolist()), dtype=bool, count=values.shape[0])
            reason[hit] = code
    return reason
