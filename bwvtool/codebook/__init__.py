"""Codebooks: what can be coded, validated against a JSON Schema, versioned and locked once used.

- :mod:`.load` reads a YAML/JSON file, validates it (schema, then :mod:`.checks`), names each problem's place;
- :mod:`.model` holds the immutable objects (Codebook, Track, Code, ModifierSet, ReviewItem) and lookups;
- :mod:`.keys` is the one list of keys the player reserves (codebook shortcuts may not use them);
- :mod:`.render` writes an editable YAML copy.

Storing, versioning and locking are in :mod:`bwvtool.store.codebooks`.
"""

from bwvtool.codebook.issues import CodebookInvalid, Issue
from bwvtool.codebook.keys import PLAYER_KEYS, RESERVED_CHARS, PlayerKey, reserved_by
from bwvtool.codebook.load import (
    check_file,
    check_text,
    default_codebook_files,
    load_codebook,
    load_default_codebook,
    parse_codebook,
)
from bwvtool.codebook.model import (
    ACTOR_KINDS,
    Code,
    Codebook,
    ModifierSet,
    Option,
    ReviewItem,
    Track,
    from_data,
)

__all__ = [
    "ACTOR_KINDS",
    "PLAYER_KEYS",
    "RESERVED_CHARS",
    "Code",
    "Codebook",
    "CodebookInvalid",
    "Issue",
    "ModifierSet",
    "Option",
    "PlayerKey",
    "ReviewItem",
    "Track",
    "check_file",
    "check_text",
    "default_codebook_files",
    "from_data",
    "load_codebook",
    "load_default_codebook",
    "parse_codebook",
    "reserved_by",
]
