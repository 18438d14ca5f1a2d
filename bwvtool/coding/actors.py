"""Who an event is about: a number key chosen before the code key picks which one, the code picks the kind.

``3`` then a subject code records ``subject_3``; ``3`` then an officer code records ``officer_3``; a code with no
number before it goes to the code's default actor (number 1). ``0`` means the third party. The pending number is
cleared after each code and by Escape, so a stray digit never carries over to a later key press.
"""

from __future__ import annotations

from dataclasses import dataclass

from bwvtool.codebook.model import Code

THIRD_PARTY = "third_party"


def actor_label(actor: str) -> str:
    """``officer_2`` → ``Officer 2``; ``third_party`` → ``Third party``."""
    kind, _, number = actor.rpartition("_")
    if not kind or not number.isdigit():
        return actor.replace("_", " ").capitalize()
    return f"{kind.replace('_', ' ').capitalize()} {number}"


@dataclass
class ActorChooser:
    pending: int | None = None

    def press_digit(self, digit: int) -> None:
        if not 0 <= digit <= 9:
            raise ValueError("actor keys are 0-9")
        self.pending = digit

    def clear(self) -> None:
        self.pending = None

    def resolve(self, code: Code) -> str:
        """The actor for ``code`` given the pending number (which is then cleared)."""
        number, self.pending = self.pending, None
        if number == 0 and "third_party" in code.actors:
            return THIRD_PARTY
        kind = code.default_actor
        if kind == "third_party":
            return THIRD_PARTY
        return f"{kind}_{number or 1}"
