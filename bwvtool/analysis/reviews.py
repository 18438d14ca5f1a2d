"""Krippendorff's alpha for clip-review items: one unit per clip, one value per coder, missing allowed.

Levels of measurement per item come from the codebook when the caller has it
(:func:`levels_from_codebook`: ``choice`` and ``yes_no`` are nominal, ``scale_0_4`` is ordinal and interval,
free ``text`` is not analysed). Without it they are inferred from the answers: all numbers (not booleans)
give ordinal and interval; anything else (strings, booleans, a mix) gives nominal; lists and dictionaries
(e.g. multiple choice) are skipped with a note. An unanswered item (missing key or None) is missing data.
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
    "text": (),
}


def levels_from_codebook(review_items: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Levels per review item id from codebook ``review_items`` (dicts with ``id`` and ``type``)."""
    return {item["id"]: CODEBOOK_LEVELS.get(item["type"], ("nominal",)) for item in review_items}


def infer_levels(values: Iterable[Any]) -> tuple[str, ...] | None:
    """Levels for an item from its answers; None when the answers are not single values."""
    answers = [v for v in values if v is not None]
    if any(isinstance(v, list | tuple | dict | set) for v in answers):
        return None
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
                {"item": item, "level": None, "alpha": None, "note": "answers are lists or mappings: skipped"}
            )
            continue
        for level in item_levels:
            if level not in LEVELS:
                raise UsageError(
                    f"review item {item!r}: unknown level {level!r} (choose from {', '.join(LEVELS)})"
                )
            entries.append({"item": item, "level": level, "alpha": _item_alpha(data, level, bootstrap)})
    return entries


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
