"""Learning themes: what the reviewers' learning is about.

A review answers the multiple-choice item ``learning_themes`` (option ids from the codebook, e.g.
``reasons_grounds``; ``none`` for no learning). Reviews saved before that item existed have only their free-text
learning points (individual and organisational); for them the themes are found by keywords, under the same ids, so
both sources add up in one list. A learning point counts once under every theme it mentions. The word lists are
short and public so anyone can see why a point was counted where it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

ITEM = "learning_themes"  # the review item whose answer is the coded themes
NO_LEARNING = "none"  # its option for "no learning identified"


@dataclass(frozen=True)
class Theme:
    id: str  # an option id of the ``learning_themes`` review item
    label: str  # the option's label in the shipped codebooks (a test keeps the two the same)
    words: tuple[str, ...]  # lower-case stems, matched at the start of a word

    def matches(self, text: str) -> bool:
        return bool(_pattern(self.words).search(text.lower()))


THEMES: tuple[Theme, ...] = (
    Theme("reasons_grounds", "Explaining reasons and grounds",
          ("reason", "grounds", "explain", "gowisely", "pace code")),
    Theme("language_manner", "Language and manner",
          ("language", "tone", "respect", "mate", "introduc", "polite", "swear")),
    Theme("de_escalation", "De-escalation, time and distance",
          ("de-escalat", "calm", "time and distance", "distance", "stand off", "angle", "positioning", "listen")),
    Theme("use_of_force_technique", "Use-of-force technique",
          ("handcuff", "cuff", "restrain", "pava", "spray", "taser", "baton", "spit guard", "technique")),
    Theme("bwv_recording", "Body-worn video recording", ("camera", "record", "body-worn", "switched on")),
    Theme("officer_welfare", "Officer welfare", ("welfare", "occupational health", "trim", "wellbeing", "support")),
    Theme("equipment_backup_tasking", "Equipment, backup and tasking",
          ("kit", "equipment", "radio", "backup", "van", "single-crewed", "tasking", "carried")),
    Theme("legislation_powers", "Legislation and powers", ("legislation", "legal power", "powers", "power of")),
    Theme("first_aid_aftercare", "First aid and aftercare", ("aftercare", "first aid", "ambulance", "decontaminat")),
)  # fmt: skip


@cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")")


def themes_of(text: str | None) -> list[str]:
    """The ids of the themes ``text`` mentions, in :data:`THEMES` order (the keyword source)."""
    if not text or not text.strip():
        return []
    return [theme.id for theme in THEMES if theme.matches(text)]
