"""Small pieces of plain English that several messages share."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``, ``0 events`` (``plural`` for nouns that do not just take an s)."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
