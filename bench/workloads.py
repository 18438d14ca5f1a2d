"""Coded events for the benches: the S&S codebook's codes in the rhythm of an encounter."""

from __future__ import annotations

CODES = [  # (track, code, actor, state?) of the S&S codebook
    ("subject_demeanour", "demeanour", "subject_1", True), ("officer_language", "reason_given", "officer_1", False),
    ("officer_language", "command", "officer_1", False), ("officer_language", "explains_process", "officer_1", False),
    ("subject_behaviour", "verbal_resistance", "subject_1", True), ("de_escalation", "calm", "officer_1", True),
    ("subject_behaviour", "complies", "subject_1", False), ("escalation", "escalation_down", "officer_1", False),
]  # fmt: skip


def coded_event(i: int, *, clip_id: str, coder_id: int, codebook_id: int, onset_ms: int, frame_ms: int = 40):
    """The ``i``-th event of the rhythm at ``onset_ms``: states last 700 ms, one note in 97 holds a formula."""
    from bwvtool.coding.model import Event

    track, code, actor, state = CODES[i % len(CODES)]
    offset = onset_ms + 700 if state else None
    return Event(
        clip_id=clip_id, coder_id=coder_id, codebook_id=codebook_id, track=track, code=code, actor=actor,
        onset_ms=onset_ms, onset_frame=onset_ms // frame_ms,
        offset_ms=offset, offset_frame=None if offset is None else offset // frame_ms,
        modifiers={"level": "calm"} if code == "demeanour" else {},
        note='=HYPERLINK("x")' if i % 97 == 0 else None,
    )  # fmt: skip
