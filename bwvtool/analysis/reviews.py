"""Krippendorff's alpha for clip-review items: one unit per clip, one value per coder, missing allowed.

Levels of measurement per item come from the codebook when the caller has it
(:func:`levels_from_codebook`: ``choice`` and ``yes_no`` are nominal, ``scale_0_4`` is ordinal and interval,
``multiple`` is nominal per option, free ``text`` is not analysed). Without it they are inferred from the answers:
all numbers (not booleans) give ordinal and interval; anything else (strings, booleans, a mix) gives nominal;
dictionaries are skipped with a note. An unanswered item (missing key or None) is missing data.

A **multiple-choice** item (answers are lists of option ids) is analysed one option at a time, as a nominal 0/1
item named ``item=option`` (chosen or not by each coder who answered the item): one alpha per option that any
coder chose, since agreement on "which themes" is agreement on each theme.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from bwvtool.analysis.alpha import LEVELS, alpha_from_coincidences, encode_values, grouped_coincidences
from bwvtool.analysis.bootstrap import Bootstrap, figure
from bwvtool.analysis.events import Reviews
from bwvtool.errors import UsageError

CODEBOOK_LEVELS: dict[str, tuple[str, ...]] = {
    "choice": ("nominal",),
    "yes_no": ("nominal",),
    "scale_0_4": ("ordinal", "interval"),
    "multiple": ("nominal",),  # per option, as 0/1
    "text": (),
}


def levels_from_codebook(review_items: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Levels per review item id from codebook ``review_items`` (dicts with ``id`` and ``type``)."""
    return {item["id"]: CODEBOOK_LEVELS.get(item["type"], ("nominal",)) for item in review_items}


def infer_levels(values: Iterable[Any]) -> tuple[str, ...] | None:
    """Levels for an item from its answers; None when the answers are mappings (not analysed). Lists (multiple
    choice) are nominal, per option."""
    answers = [v for v in values if v is not None]
    if any(isinstance(v, dict) for v in answers):
        return None
    if any(isinstance(v, list | tuple | set) for v in answers):
        return ("nominal",)
    if answers and all(isinstance(v, int | float) and not isinstance(v, bool) for v in answers):
        return ("ordinal", "interval")
    return ("nominal",)


def review_alpha(
    reviews: Reviews,
    coders_of: Mapping[str, Sequence[str]],
    bootstrap: Bootstrap,
    levels: Mapping[str, Sequence[str]] | None = None,
) -> list[dict[str, Any]]:
    """One entry per review item and level: alpha with its bootstrap interval over clips."""
    clip_ids = sorted(reviews)
    coders = sorted({coder for clip_id in clip_ids for coder in coders_of.get(clip_id, ())})
    items = sorted(
        {item for clip_id in clip_ids for answers in reviews[clip_id].values() for item in answers}
    )
    if levels is not None:
        items = [item for item in items if item in levels]
    entries = []
    for item in items:
        data = [
            [
                reviews[clip_id].get(coder, {}).get(item) if coder in coders_of.get(clip_id, ()) else None
                for clip_id in clip_ids
            ]
            for coder in coders
        ]
        item_levels = (
            tuple(levels[item]) if levels is not None else infer_levels(v for row in data for v in row)
        )
        if item_levels is None:
            entries.append(
                {"item": item, "level": None, "alpha": None, "note": "answers are mappings: skipped"}
            )
            continue
        for level in item_levels:
            if level not in LEVELS:
                raise UsageError(
                    f"review item {item!r}: unknown level {level!r} (choose from {', '.join(LEVELS)})"
                )
        if any(isinstance(v, list | tuple | set) for row in data for v in row):
            for option, binary in _per_option(data):
                alpha = _item_alpha(binary, "nominal", bootstrap)
                entries.append(
                    {"item": f"{item}={option}", "option": option, "level": "nominal", "alpha": alpha}
                )
            continue
        for level in item_levels:
            entries.append({"item": item, "level": level, "alpha": _item_alpha(data, level, bootstrap)})
    return entries


def _per_option(data: list[list[Any]]) -> list[tuple[str, list[list[Any]]]]:
    """A multiple-choice item's answers as one 0/1 table per option any coder chose (sorted by option id); a coder
    who did not answer the item (or whose answer is not a list) is missing for every option."""
    options = sorted(
        {o for row in data for v in row if isinstance(v, list | tuple | set) for o in v if isinstance(o, str)}
    )
    return [
        (
            option,
            [[int(option in v) if isinstance(v, list | tuple | set) else None for v in row] for row in data],
        )
        for option in options
    ]


def _item_alpha(data: list[list[Any]], level: str, bootstrap: Bootstrap) -> dict[str, Any]:
    codes, domain = encode_values(data, level)
    n_units = codes.shape[1]
    tables = grouped_coincidences(codes, np.arange(n_units), n_units, max(len(domain), 1))
    tables = tables[tables.sum(axis=(1, 2)) > 0]
    values = np.asarray(domain, dtype=float) if level in ("interval", "ratio") else None

    def why(total: np.ndarray) -> str:
        if total.sum() == 0:
            return "alpha undefined: no clip has this item answered by two or more coders"
        return "alpha undefined: every answer is the same (no variation)"

    return figure(tables, lambda o: alpha_from_coincidences(o, level, values), bootstrap, undefined=why)
