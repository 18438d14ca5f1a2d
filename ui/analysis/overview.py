"""The Reliability view's overview: one row per coder pair and track, with the headline figures side by side.

Plain Python (no Qt): it only picks figures out of the report of
:func:`~bwvtool.analysis.report.reliability_report`; every number is the report's own.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

ALL_TRACKS = "All tracks"
FIGURE_KEYS = ("kappa", "alpha", "modified", "f1")


def overview_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per coder pair: an "All tracks" row, then one row per track (``pair`` holds the two coders' names).

    Cells ``kappa`` (time-sliced Cohen's kappa), ``alpha`` (nominal Krippendorff's alpha of all coders, per track),
    ``modified`` (ELAN-style modified kappa including unmatched events) and ``f1`` (onset F1, over all codes) hold
    the report's figure dicts, or None where the report has no such figure for the row.
    """
    kappa = {(ts["track"], tuple(p["coders"])): p for ts in report["time_sliced"] for p in ts["pairs"]}
    alpha = {ts["track"]: ts["alpha"] for ts in report["time_sliced"]}
    pooled = {tuple(p["coders"]): p["kappa"] for p in report["time_sliced_all_tracks"]}
    modified = {
        (e["track"], tuple(e["coders"])): e["kappa_including_unmatched"] for e in report["modified_kappa"]
    }
    onsets = {tuple(e["coders"]): e["overall"]["f1"] for e in report["onsets"]}
    rows = []
    for shared in report["clips"]["pairs"]:
        pair = tuple(shared["coders"])
        coders = " / ".join(pair)
        base = {"pair": list(pair), "coders": coders}
        rows.append(
            {**base, "track": ALL_TRACKS, "clips": shared["n_clips"], "kappa": pooled.get(pair), "alpha": None,
             "modified": modified.get((None, pair)), "f1": onsets.get(pair)}
        )  # fmt: skip
        for ts in report["time_sliced"]:
            entry = kappa.get((ts["track"], pair))
            if entry is None:
                continue
            rows.append(
                {**base, "track": ts["track"], "clips": entry["n_clips"], "kappa": entry["kappa"],
                 "alpha": alpha[ts["track"]], "modified": modified.get((ts["track"], pair)), "f1": None}
            )  # fmt: skip
    return rows


def flag_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many overview figures are reliable, tentative, unreliable or undefined (an alpha is counted once)."""
    counted: Counter[str] = Counter()
    seen: set[int] = set()
    for row in rows:
        for key in FIGURE_KEYS:
            fig = row[key]
            if fig is None or id(fig) in seen:
                continue
            seen.add(id(fig))
            counted[fig["flag"] or "undefined"] += 1
    return {flag: counted[flag] for flag in ("reliable", "tentative", "unreliable", "undefined")}
