"""The keys the player keeps for itself: the one list codebooks are checked against and the player binds.

A code's shortcut is one character. Letters are compared case-insensitively (Qt reports the same key with or
without Shift), so reserving ``J`` reserves ``j`` too. Named keys (Space, Delete, arrows …) cannot be a
one-character shortcut, but a codebook that names one is told which player function owns it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlayerKey:
    """A key the player binds. ``char`` is the character it types, or None for a named key."""

    name: str
    char: str | None
    purpose: str


PLAYER_KEYS: tuple[PlayerKey, ...] = (
    PlayerKey("Space", " ", "play / pause"),
    PlayerKey("J", "j", "shuttle backwards (press again to go faster)"),
    PlayerKey("K", "k", "shuttle stop"),
    PlayerKey("L", "l", "shuttle forwards (press again to go faster)"),
    PlayerKey("Left", None, "one frame back (Shift: 1 s, Ctrl: 5 s)"),
    PlayerKey("Right", None, "one frame forward (Shift: 1 s, Ctrl: 5 s)"),
    PlayerKey("Up", None, "previous event"),
    PlayerKey("Down", None, "next event"),
    PlayerKey("Comma", ",", "one frame back"),
    PlayerKey("Period", ".", "one frame forward"),
    *(PlayerKey(str(d), str(d), "choose the actor of the next code") for d in range(10)),
    PlayerKey("Delete", None, "delete the selected event"),
    PlayerKey("Backspace", None, "delete the selected event"),
    PlayerKey("Escape", None, "cancel the pending actor or prompt"),
    PlayerKey("Enter", None, "confirm / edit the selected event"),
    PlayerKey("Tab", None, "move between the timeline, the event table and the review form"),
    PlayerKey("BracketLeft", "[", "set loop start (A)"),
    PlayerKey("BracketRight", "]", "set loop end (B)"),
    PlayerKey("Plus", "+", "faster"),
    PlayerKey("Equal", "=", "faster (the + key without Shift)"),
    PlayerKey("Minus", "-", "slower"),
    PlayerKey("Asterisk", "*", "star the selected event as a key moment"),
    PlayerKey("PageUp", None, "previous clip in the queue"),
    PlayerKey("PageDown", None, "next clip in the queue"),
    PlayerKey("Question", "?", "show every key"),
)

# Names a codebook author might write for a named key, lower-cased, each mapped to the player's key name.
_NAME_ALIASES: dict[str, str] = {
    "space": "Space",
    "left": "Left",
    "right": "Right",
    "up": "Up",
    "down": "Down",
    "delete": "Delete",
    "del": "Delete",
    "backspace": "Backspace",
    "escape": "Escape",
    "esc": "Escape",
    "enter": "Enter",
    "return": "Enter",
    "tab": "Tab",
}


def normalise_shortcut(key: str) -> str:
    """The form shortcuts are compared in: letters lower-cased, everything else as typed."""
    return key.casefold()


def reserved_by(key: str) -> PlayerKey | None:
    """The player key that ``key`` (a shortcut as written in a codebook) collides with, if any."""
    folded = normalise_shortcut(key.strip()) if key.strip() else key
    for player_key in PLAYER_KEYS:
        if player_key.char is not None and folded == player_key.char:
            return player_key
    name = _NAME_ALIASES.get(folded.replace("arrow", "").strip())
    if name:
        return next(k for k in PLAYER_KEYS if k.name == name)
    return None


RESERVED_CHARS: frozenset[str] = frozenset(k.char for k in PLAYER_KEYS if k.char is not None)
