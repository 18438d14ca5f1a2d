"""Learning themes: what the reviewers' learning points are about, by keyword.

The review form records learning points as free text (individual and organisational), so the weekly picture groups
them under a few themes by the words they use. A learning point counts once under every theme it mentions. The
lists are short and public so anyone can see why a point was counted where it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    words: tuple[str, ...]  # lower-case stems, matched at the start of a word

    def matches(self, text: str) -> bool:
        return bool(_pattern(self.words).search(text.lower()))


THEMES: tuple[Theme, ...] = (
    Theme("reasons", "Explaining reasons and grounds", ("reason", "grounds", "explain", "gowisely", "pace code")),
    Theme("language", "Language and manner", ("language", "tone", "respect", "mate", "introduc", "polite", "swear")),
    Theme("de_escalation", "De-escalation, time and distance",
          ("de-escalat", "calm", "time and distance", "distance", "stand off", "angle", "positioning", "listen")),
    Theme("force", "Use-of-force technique",
          ("handcuff", "cuff", "restrain", "pava", "spray", "taser", "baton", "spit guard", "technique")),
    Theme("recording", "Body-worn video recording", ("camera", "record", "body-worn", "switched on")),
    Theme("welfare", "Officer welfare", ("welfare", "occupational health", "trim", "wellbeing", "support")),
    Theme("resources", "Equipment, backup and tasking",
          ("kit", "equipment", "radio", "backup", "van", "single-crewed", "tasking", "carried")),
)  # fmt: skip


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")")


def themes_of(text: str | None) -> list[str]:
    """The ids of the themes ``text`` mentions, in :data:`THEMES` order."""
    if not text or not text.strip():
        return []
    return [theme.id for theme in THEMES if theme.matches(text)]
