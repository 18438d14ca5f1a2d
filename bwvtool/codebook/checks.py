"""Checks the JSON Schema cannot express: unique ids, free and unique shortcuts, known tracks, sane defaults,
exclusive options (e.g. ``none``) among a multiple review item's own options.

They run on the parsed document even when it also has schema errors, so one run lists every problem; hence
every step guards against values of the wrong type (those are the schema's to report).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bwvtool.codebook.keys import normalise_shortcut, reserved_by
from bwvtool.codebook.model import ACTOR_KINDS

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """A semantic problem at ``path``; ``at_key`` points at the field's name rather than its value."""

    path: Path
    message: str
    at_key: bool = False


# Turns a path into "line N" for messages that name a second place (the first use of a duplicate).
Locate = Callable[[Path], str]


def _items(seq: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, item) for the mapping items of a list; anything else is the schema's to report."""
    if isinstance(seq, list):
        for index, item in enumerate(seq):
            if isinstance(item, dict):
                yield index, item


def _option_ids(options: Any) -> list[str]:
    ids = []
    for option in options if isinstance(options, list) else ():
        if isinstance(option, str):
            ids.append(option)
        elif isinstance(option, dict) and isinstance(option.get("id"), str):
            ids.append(option["id"])
    return ids


def _duplicates(items: Any, base: Path, what: str, locate: Locate) -> Iterator[Finding]:
    """A finding for each item whose ``id`` was already used earlier in the same list."""
    seen: dict[str, int] = {}
    for index, item in _items(items):
        item_id = item.get("id")
        if not isinstance(item_id, str):
            continue
        if item_id in seen:
            first = (*base, seen[item_id], "id")
            yield Finding(
                (*base, index, "id"), f"duplicate {what} id {item_id!r} (first used at {locate(first)})"
            )
        else:
            seen[item_id] = index


def _duplicate_options(options: Any, base: Path) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, option_id in enumerate(_option_ids(options)):
        if option_id in seen:
            yield Finding((*base, index), f"duplicate option {option_id!r}")
        seen.add(option_id)


def _actor_default(item: dict[str, Any], actors: Any, path: Path) -> Iterator[Finding]:
    default = item.get("default_actor")
    if isinstance(actors, list) and default in ACTOR_KINDS and default not in actors:
        yield Finding((*path, "default_actor"), f"default actor {default!r} is not among the actors {actors}")


def _check_tracks(doc: dict[str, Any], locate: Locate) -> Iterator[Finding]:
    yield from _duplicates(doc.get("tracks"), ("tracks",), "track", locate)
    for index, track in _items(doc.get("tracks")):
        yield from _actor_default(track, track.get("actors"), ("tracks", index))


def _check_shortcut(
    code: dict[str, Any], path: Path, used: dict[str, tuple[Path, Any]], locate: Locate
) -> Iterator[Finding]:
    key = code.get("shortcut")
    if not isinstance(key, str) or len(key) != 1 or key.isspace():
        return  # the schema reports shortcuts that are not one character
    player = reserved_by(key)
    if player is not None:
        yield Finding(
            (*path, "shortcut"),
            f"shortcut {key!r} is a player key ({player.name}: {player.purpose}); choose another key",
        )
        return
    folded = normalise_shortcut(key)
    if folded in used:
        other_path, other_id = used[folded]
        yield Finding(
            (*path, "shortcut"),
            f"shortcut {key!r} is already used by code {other_id!r} (at {locate(other_path)})",
        )
    else:
        used[folded] = ((*path, "shortcut"), code.get("id"))


def _check_modifier(mod: dict[str, Any], path: Path) -> Iterator[Finding]:
    kind = mod.get("type")
    options = mod.get("options")
    ids = _option_ids(options)
    default = mod.get("default")
    yield from _duplicate_options(options, (*path, "options"))
    if kind == "number":
        if "options" in mod:
            yield Finding((*path, "options"), "a number modifier has min and max, not options", at_key=True)
        low, high = mod.get("min"), mod.get("max")
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
        if numeric and low > high:
            yield Finding((*path, "min"), f"min {low} is greater than max {high}")
        if isinstance(default, int | float) and not isinstance(default, bool):
            if numeric and not low <= default <= high:
                yield Finding((*path, "default"), f"default {default} is outside min..max ({low}..{high})")
            if mod.get("integer", True) and default != int(default):
                yield Finding(
                    (*path, "default"), f"default {default} is not a whole number (set integer: false)"
                )
        elif default is not None:
            yield Finding(
                (*path, "default"), f"the default of a number modifier must be a number, not {default!r}"
            )
        return
    for numeric_field in ("min", "max", "integer", "unit"):
        if numeric_field in mod:
            yield Finding(
                (*path, numeric_field), f"{numeric_field!r} is only for number modifiers", at_key=True
            )
    if kind == "single" and default is not None:
        if not isinstance(default, str):
            yield Finding(
                (*path, "default"), f"the default of a single choice is one option id, not {default!r}"
            )
        elif default not in ids:
            yield Finding((*path, "default"), f"default {default!r} is not among the options {ids}")
    if kind == "multiple" and default is not None:
        if not isinstance(default, list):
            yield Finding(
                (*path, "default"),
                f"the default of a multiple choice is a list of option ids, not {default!r}",
            )
        else:
            for index, value in enumerate(default):
                if value not in ids:
                    yield Finding(
                        (*path, "default", index), f"default {value!r} is not among the options {ids}"
                    )


def _check_codes(doc: dict[str, Any], locate: Locate) -> Iterator[Finding]:
    tracks = {t.get("id"): t for _, t in _items(doc.get("tracks"))}
    used_keys: dict[str, tuple[Path, Any]] = {}
    yield from _duplicates(doc.get("codes"), ("codes",), "code", locate)
    for index, code in _items(doc.get("codes")):
        path: Path = ("codes", index)
        track_id = code.get("track")
        track = tracks.get(track_id)
        if isinstance(track_id, str) and track is None:
            known = ", ".join(str(t) for t in tracks) or "none"
            yield Finding((*path, "track"), f"unknown track {track_id!r} (tracks: {known})")
        if track is not None:
            kinds = track.get("kinds")
            if (
                isinstance(kinds, list)
                and code.get("type") in ("point", "state")
                and code["type"] not in kinds
            ):
                yield Finding(
                    (*path, "type"),
                    f"track {track_id!r} holds only {', '.join(map(str, kinds))} codes, not {code['type']}",
                )
        actors = code.get("actors", track.get("actors") if track else None)
        yield from _actor_default(code, actors, path)
        yield from _check_shortcut(code, path, used_keys, locate)
        yield from _duplicates(code.get("modifiers"), (*path, "modifiers"), "modifier", locate)
        for mod_index, mod in _items(code.get("modifiers")):
            yield from _check_modifier(mod, (*path, "modifiers", mod_index))


def _check_review_items(doc: dict[str, Any], locate: Locate) -> Iterator[Finding]:
    yield from _duplicates(doc.get("review_items"), ("review_items",), "review item", locate)
    for index, item in _items(doc.get("review_items")):
        path: Path = ("review_items", index)
        kind = item.get("type")
        yield from _duplicate_options(item.get("options"), (*path, "options"))
        if "options" in item and kind in ("yes_no", "scale_0_4", "text"):
            yield Finding(
                (*path, "options"), f"options are only for choice and multiple items, not {kind}", at_key=True
            )
        if "anchors" in item and kind in ("choice", "multiple", "yes_no", "text"):
            yield Finding(
                (*path, "anchors"), f"anchors are only for scale_0_4 items, not {kind}", at_key=True
            )
        yield from _check_exclusive_options(item, path)


def _check_exclusive_options(item: dict[str, Any], path: Path) -> Iterator[Finding]:
    """``exclusive_options`` belong to multiple items and name their options."""
    exclusive = item.get("exclusive_options")
    if exclusive is None:
        return
    kind = item.get("type")
    if kind in ("choice", "yes_no", "scale_0_4", "text"):
        yield Finding(
            (*path, "exclusive_options"),
            f"exclusive_options are only for multiple items, not {kind}",
            at_key=True,
        )
        return
    ids = _option_ids(item.get("options"))
    for index, value in enumerate(exclusive if isinstance(exclusive, list) else ()):
        if isinstance(value, str) and value not in ids:
            yield Finding(
                (*path, "exclusive_options", index),
                f"exclusive option {value!r} is not among the options {ids}",
            )


def semantic_findings(doc: Any, locate: Locate) -> list[Finding]:
    """Every semantic problem of the parsed document ``doc`` (a dict if the file was a mapping)."""
    if not isinstance(doc, dict):
        return []
    return [*_check_tracks(doc, locate), *_check_codes(doc, locate), *_check_review_items(doc, locate)]
