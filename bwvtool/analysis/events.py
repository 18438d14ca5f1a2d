"""The input model of the analyses: coded events, clips and clip-review answers, independent of the store.

The store (or an EAF import, or a test) turns its rows into these frozen records; every statistic in
``bwvtool.analysis`` reads only them.

Who coded a clip matters as much as what was coded: a coder who watched a clip and coded nothing in a track
agrees with "none" everywhere, while a coder who never saw the clip is *missing*. :class:`Clip.coders` says
who coded the clip; when it is empty, the coders are inferred as everyone with at least one event or a
review answer for that clip (see :func:`coders_by_clip`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from bwvtool.errors import UsageError

# {clip_id: {coder: {item_id: value}}}; a value of None means "not answered".
Reviews = Mapping[str, Mapping[str, Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class CodedEvent:
    """One coded observation on a clip's timeline.

    A *point* event has ``offset_ms`` None (or equal to ``onset_ms``); a *state* covers the half-open
    interval ``[onset_ms, offset_ms)``.
    """

    clip_id: str
    coder: str
    track: str
    code: str
    actor: str
    onset_ms: int
    offset_ms: int | None = None

    def __post_init__(self) -> None:
        if self.onset_ms < 0:
            raise UsageError(
                f"event {self.code!r} on clip {self.clip_id!r}: onset {self.onset_ms} ms is negative"
            )
        if self.offset_ms is not None and self.offset_ms < self.onset_ms:
            raise UsageError(
                f"event {self.code!r} on clip {self.clip_id!r}: offset {self.offset_ms} ms is before its onset"
            )

    @property
    def is_point(self) -> bool:
        """True for an instant (no offset, or offset equal to onset)."""
        return self.offset_ms is None or self.offset_ms == self.onset_ms

    @property
    def end_ms(self) -> int:
        """The offset of a state, the onset of a point."""
        return self.onset_ms if self.offset_ms is None else self.offset_ms


@dataclass(frozen=True, slots=True)
class Clip:
    """A coded clip: its length and, optionally, exactly who coded it (including coders who coded nothing)."""

    clip_id: str
    duration_ms: int
    coders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.duration_ms <= 0:
            raise UsageError(f"clip {self.clip_id!r}: duration must be positive, got {self.duration_ms} ms")


def coders_by_clip(
    clips: Iterable[Clip], events: Iterable[CodedEvent], reviews: Reviews
) -> dict[str, tuple[str, ...]]:
    """Who coded each clip, sorted: ``Clip.coders`` when given, else every coder with an event or a review.

    Raises :class:`UsageError` when an event or a review names a clip that is not in ``clips``.
    """
    clip_list = list(clips)
    known = {clip.clip_id for clip in clip_list}
    seen: dict[str, set[str]] = {clip_id: set() for clip_id in known}
    for event in events:
        if event.clip_id not in known:
            raise UsageError(
                f"event {event.code!r} names clip {event.clip_id!r}, which is not among the clips"
            )
        seen[event.clip_id].add(event.coder)
    for clip_id, by_coder in reviews.items():
        if clip_id not in known:
            raise UsageError(f"a clip review names clip {clip_id!r}, which is not among the clips")
        seen[clip_id].update(by_coder)
    return {
        clip.clip_id: tuple(sorted(set(clip.coders) if clip.coders else seen[clip.clip_id]))
        for clip in clip_list
    }


def coder_pairs(coders_of: Mapping[str, tuple[str, ...]]) -> dict[tuple[str, str], list[str]]:
    """Every coder pair (sorted) that shares at least one clip, with the shared clips in sorted order."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for clip_id in sorted(coders_of):
        for pair in combinations(coders_of[clip_id], 2):
            pairs.setdefault(pair, []).append(clip_id)
    return dict(sorted(pairs.items()))
