"""Transcription tiers of an ELAN file as utterances (the tiers bwvtool writes, or any a user made in ELAN with a
``transcription`` type or a ``transcript…`` name); the speaker is the tier's participant, else its name."""

from __future__ import annotations

import re

from bwvtool.export.eaf import TRANSCRIPT_TIER, is_transcript_tier
from bwvtool.export.eaf_read import EafDocument
from bwvtool.transcripts.captions import Utterance

_LANE = re.compile(r"#\d+$")


def utterances_from(doc: EafDocument) -> list[Utterance]:
    """Every timed annotation of the document's transcription tiers, in time order (empty when it has none)."""
    found = []
    for tier in doc.tiers:
        if tier.parent is not None or not is_transcript_tier(tier.type, tier.id):
            continue
        name = _LANE.sub("", tier.id)
        speaker = tier.participant or name.partition("@")[2] or (None if name == TRANSCRIPT_TIER else name)
        for note in tier.annotations:
            if note.start is not None and note.end is not None and note.value:
                found.append(Utterance(note.start, max(note.end, note.start), note.value, speaker))
    return sorted(found, key=lambda u: (u.start_ms, u.end_ms))
