"""Placing every clip of an incident on one clock: catalogue times first, then the sound the cameras share.

Each clip's catalogue offset is its ``recorded_at`` after the earliest of the incident's clips. The **reference** is the clip with the most recorded sound: it keeps
its catalogue offset and runs at 0 ppm, and every other clip is matched to it, or, when it shares no sound with
the reference, to any clip already placed (so a chain of overlapping cameras aligns even when the first and
last never overlap). A clip that matches nothing keeps its catalogue offset and says why. Finally every clip
moves by the same amount so that incident time 0 is the first moment any camera filmed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from bwvtool.incidents import correlate
from bwvtool.incidents.timeline import AUDIO, CATALOGUE, REFERENCE, Placement

DEFAULT_SEARCH_S = 30.0


@dataclass(frozen=True)
class ClipSound:
    """One clip to place: its catalogue offset and its decoded sound (empty when it has none)."""

    clip_id: str
    catalogue_offset_ms: float
    samples: np.ndarray
    rate: int


@dataclass(frozen=True)
class Alignment:
    """Where one clip sits on its incident's clock and how that was found.

    :param confidence: median peak-to-sidelobe ratio of the correlation windows used; None without audio.
    :param matched_to: the clip whose sound it was matched to (None for the reference and catalogue-only clips).
    :param note: why a clip kept its catalogue offset, e.g. "no sound in common".
    """

    clip_id: str
    offset_ms: float
    drift_ppm: float
    method: str
    catalogue_offset_ms: float
    confidence: float | None = None
    matched_to: str | None = None
    windows: int = 0
    residual_ms: float | None = None
    note: str | None = None

    @property
    def placement(self) -> Placement:
        return Placement(self.clip_id, self.offset_ms, self.drift_ppm)


def _audible_s(track: correlate.Track) -> float:
    return sum(b - a for a, b in track.heard)


def align(
    clips: list[ClipSound],
    *,
    search_s: float = DEFAULT_SEARCH_S,
    progress: Callable[[str], None] | None = None,
) -> list[Alignment]:
    """Place each clip (see the module docstring); results in the order given."""
    if not clips:
        return []
    by_id = {c.clip_id: c for c in clips}
    tracks = {c.clip_id: correlate.Track(c.samples, c.rate) for c in clips}
    reference = max(clips, key=lambda c: (_audible_s(tracks[c.clip_id]), -c.catalogue_offset_ms))
    placed: dict[str, Alignment] = {
        reference.clip_id: Alignment(
            reference.clip_id, reference.catalogue_offset_ms, 0.0, REFERENCE, reference.catalogue_offset_ms
        )
    }
    reasons: dict[str, str] = {}
    pending = [c for c in clips if c.clip_id != reference.clip_id]
    while pending:
        progressed = False
        for clip in list(pending):
            if progress:
                progress(clip.clip_id)
            found = _place(clip, [by_id[i] for i in placed], placed, tracks, search_s)
            if isinstance(found, str):
                reasons[clip.clip_id] = found
                continue
            placed[clip.clip_id] = found
            pending.remove(clip)
            progressed = True
        if not progressed:
            break
    if len(placed) == 1:  # matched to nothing: the reference is no reference, only its catalogue time
        reasons.setdefault(reference.clip_id, "no sound in common with another clip")
        placed.clear()
    out = []
    for clip in clips:
        if clip.clip_id in placed:
            out.append(placed[clip.clip_id])
        else:
            out.append(
                Alignment(
                    clip.clip_id, clip.catalogue_offset_ms, 0.0, CATALOGUE, clip.catalogue_offset_ms,
                    note=reasons.get(clip.clip_id, "no sound in common with another clip"),
                )
            )  # fmt: skip
    # Incident time 0 is the first moment any camera filmed, on the reference's clock: move every clip (and its
    # catalogue offset, so "moved from the catalogue" stays measured against the reference) by the same amount.
    shift = -min(a.offset_ms for a in out)
    return [
        replace(a, offset_ms=a.offset_ms + shift, catalogue_offset_ms=a.catalogue_offset_ms + shift)
        for a in out
    ]


def _place(
    clip: ClipSound,
    candidates: list[ClipSound],
    placed: dict[str, Alignment],
    tracks: dict[str, correlate.Track],
    search_s: float,
) -> Alignment | str:
    """Match ``clip`` to the placed clips, nearest on the catalogue clock first; the first match places it."""
    order = sorted(candidates, key=lambda c: abs(c.catalogue_offset_ms - clip.catalogue_offset_ms))
    reason = "no sound in common with another clip"
    for other in order:
        expected = (clip.catalogue_offset_ms - other.catalogue_offset_ms) / 1000
        found = correlate.match_pair(
            tracks[other.clip_id], tracks[clip.clip_id], clip.rate, expected_lag_s=expected, search_s=search_s
        )
        if isinstance(found, correlate.NoMatch):
            reason = found.reason
            continue
        # other: t_inc = off_o + m_o / r_o, and m_o = lag + (1 + slope) m_c, so the clip's own line follows.
        anchor = placed[other.clip_id].placement
        rate = anchor.rate / (1 + found.slope)
        return Alignment(
            clip.clip_id,
            offset_ms=anchor.incident_ms(found.lag_s * 1000),
            drift_ppm=(rate - 1) * 1e6,
            method=AUDIO,
            catalogue_offset_ms=clip.catalogue_offset_ms,
            confidence=found.psr,
            matched_to=other.clip_id,
            windows=found.windows,
            residual_ms=found.residual_ms,
        )
    return reason
