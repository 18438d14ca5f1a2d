"""Keyed pseudonyms for the identifiers in a research export.

Officer references, clip, incident and camera ids, and the user names of coders (and of whoever exported) become ``HMAC-SHA256(key, "bwvtool:<kind>:<value>")``,
shown as ``<kind>-<first 16 hex digits>`` (64 bits: no collision in practice at a million clips). The kind is
part of the message, so an officer ref that happens to equal a camera id gets two unrelated pseudonyms. The same
key gives the same pseudonyms in every export, so a researcher can link a second delivery to the first; without
the key nobody can compute a pseudonym from a known identifier (unlike a plain hash, which anyone can try).

The key file stays with the force. It is text: a comment line and ``bwvtool-key-v1:<64 hex digits>`` (32 random
bytes), written with owner-only permissions by :func:`generate_key_file`. Its *fingerprint* (an HMAC of a fixed
string, not the key) is recorded in each export's manifest, so exports made with the same key can be matched.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from collections.abc import Callable, Iterable
from hashlib import sha256
from pathlib import Path
from typing import Any

from bwvtool.errors import UsageError

KEY_PREFIX = "bwvtool-key-v1:"
KINDS: tuple[str, ...] = ("clip", "incident", "officer", "camera", "coder", "stratum")
_HEX_KEY = re.compile(r"^[0-9a-f]{64}$")
_DIGITS = 16


class Pseudonymiser:
    """Turns identifiers into keyed pseudonyms, remembering each one it has computed (exports repeat ids)."""

    identified = False

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise UsageError("a pseudonymisation key must be at least 16 bytes")
        self._key = key
        self._cache: dict[tuple[str, str], str] = {}

    @property
    def fingerprint(self) -> str:
        """Identifies the key (not derived in a way that reveals it): 16 hex digits."""
        return hmac.new(self._key, b"bwvtool:key-fingerprint", sha256).hexdigest()[:_DIGITS]

    def __call__(self, kind: str, value: str | None) -> str | None:
        """The pseudonym of ``value`` as a ``kind`` identifier (None and '' stay empty)."""
        if not value:
            return None
        found = self._cache.get((kind, value))
        if found is None:
            digest = hmac.new(self._key, f"bwvtool:{kind}:{value}".encode(), sha256).hexdigest()
            found = self._cache[(kind, value)] = f"{kind}-{digest[:_DIGITS]}"
        return found

    def person(self, name: str) -> str:
        """The pseudonym of a coder's (or any user's) name."""
        return self("coder", name)  # type: ignore[return-value]


class Identity:
    """The stand-in for an identified export: identifiers pass through unchanged."""

    identified = True
    fingerprint = None

    def __call__(self, kind: str, value: str | None) -> str | None:
        return value or None


def generate_key_file(path: str | Path) -> str:
    """Write a new random key to ``path`` (refusing to overwrite one); returns its fingerprint."""
    path = Path(path)
    if path.exists():
        raise UsageError(
            f"{path} already exists: a key is never overwritten (pseudonyms made with it would be lost)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    text = (
        "# bwvtool pseudonymisation key. Keep it with the force; never send it with an export.\n"
        f"{KEY_PREFIX}{key.hex()}\n"
    )
    # Created owner-only from the start (no window in which others could read it).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
    return Pseudonymiser(key).fingerprint


def load_key_file(path: str | Path) -> Pseudonymiser:
    """The pseudonymiser of the key in ``path``; UsageError naming the problem when it is not a key file."""
    from bwvtool.safe_files import read_text

    path = Path(path)
    try:
        text = read_text(path, "key file")
    except FileNotFoundError:
        raise UsageError(f"no key file {path} (make one with 'bwvtool export keygen {path}')") from None
    except OSError as exc:
        raise UsageError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(KEY_PREFIX):
            value = line[len(KEY_PREFIX) :].lower()
            if _HEX_KEY.match(value):
                return Pseudonymiser(bytes.fromhex(value))
            raise UsageError(f"{path}: the key must be 64 hexadecimal digits after {KEY_PREFIX!r}")
    raise UsageError(f"{path} is not a bwvtool key file (no line starting {KEY_PREFIX!r})")


def scrubber(replacements: Iterable[tuple[str, str]]) -> Callable[[str], str]:
    """A function that replaces each known identifier inside free text by its pseudonym.

    Identifiers are found anywhere in the text and in any case — inside a longer token too (``C0012_note``,
    ``pc1234's``) — longest first, so an identifier that extends another is replaced whole. An identifier of
    letters only (a login such as ``sam``) or digits only (a collar number) is a part of ordinary words and numbers
    too, so it is replaced only where it is not inside a run of its own kind: ``sam's`` and ``(SAM)`` are
    replaced, ``sample`` and ``13770`` are not. Used for labels and for text a user chose to keep. The identifiers
    are compiled into one trie-shaped pattern, so the cost per text stays flat however many identifiers an export
    holds.
    """
    table: dict[str, str] = {}
    for old, new in replacements:
        if old and new and old != new:
            table.setdefault(old.casefold(), new)
    if not table:
        return lambda text: text
    pattern = re.compile(_trie_pattern(sorted(table)), re.IGNORECASE)

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        if _inside_its_own_kind(found, match.string, match.start(), match.end()):
            return found
        return table.get(found.casefold(), found)

    return lambda text: text if not text else pattern.sub(swap, text)


def _inside_its_own_kind(found: str, text: str, start: int, end: int) -> bool:
    """Is ``found`` (all letters, or all digits) part of a longer run of letters (digits) in ``text``?"""
    for kind in (str.isalpha, str.isdigit):
        if kind(found):
            return (start > 0 and kind(text[start - 1])) or (end < len(text) and kind(text[end]))
    return False


def _trie_pattern(words: list[str]) -> str:
    """A regular expression matching any of ``words`` (longest first at each position), shaped as their trie."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True
    return _node_pattern(trie)


def _node_pattern(node: dict[str, Any]) -> str:
    branches = [re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here: the longer words are tried first, then this one alone
        return f"(?:{body})?"
    return body
