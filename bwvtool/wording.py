"""Small pieces of plain English that several messages share."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``, ``0 events`` (``plural`` for nouns that do not just take an s)."""
    return f"{n:,} {noun_for(n, noun, plural)}"


def noun_for(n: int, noun: str, plural: str | None = None) -> str:
    """The noun alone, as ``n`` of it is said: for a caption beside a number shown on its own (a dashboard tile)."""
    return noun if n == 1 else (plural or noun + "s")


def a(noun: str) -> str:
    """``noun`` with its indefinite article, as a sentence says it ("a reviewer", "an admin")."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
