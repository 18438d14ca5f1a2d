"""Reliability and sequence results shaped as readable tables (title, columns, rows) for the terminal.

The command line prints each :class:`Section` with its plain table formatter; the numbers come unchanged from
:func:`~bwvtool.analysis.report.reliability_report` and :class:`~bwvtool.analysis.sequences.Transitions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]


def _value(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def figure_cells(fig: dict[str, Any] | None) -> dict[str, str]:
    """``value``, ``95% CI`` and ``flag`` cells of one headline figure (``n/a`` with the reason when undefined)."""
    if fig is None:
        return {"value": "n/a", "95% CI": "", "flag": ""}
    if fig.get("value") is None:
        return {"value": "n/a", "95% CI": "", "flag": fig.get("note") or ""}
    ci = "" if fig.get("ci_low") is None else f"[{_value(fig['ci_low'])}, {_value(fig['ci_high'])}]"
    return {"value": _value(fig["value"]), "95% CI": ci, "flag": fig.get("flag") or ""}


_FIG = ["value", "95% CI", "flag"]


def _pair(coders: list[str]) -> str:
    return "/".join(coders)


def reliability_sections(report: dict[str, Any]) -> list[Section]:
    """Every figure of the report, one table per kind of statistic."""
    sections = []
    rows = []
    for ts in report["time_sliced"]:
        for pair in ts["pairs"]:
            base = {"track": ts["track"], "coders": _pair(pair["coders"]), "clips": pair["n_clips"]}
            rows.append({**base, "code": "(all)", "bins": pair["n_bins"], **figure_cells(pair["kappa"]),
                         "raw agr.": _value(pair["raw_agreement"])})  # fmt: skip
            rows += [{**base, "code": c["code"], **figure_cells(c["kappa"])} for c in pair["per_code"]]
    for pooled in report["time_sliced_all_tracks"]:
        rows.append({"track": "(all tracks)", "coders": _pair(pooled["coders"]), "clips": pooled["n_clips"],
                     "code": "(all)", **figure_cells(pooled["kappa"]), "raw agr.": _value(pooled["raw_agreement"])})  # fmt: skip
    sections.append(Section("Time-sliced Cohen's kappa (per track, actors pooled; per code: present vs absent)",
                            ["track", "code", "coders", "clips", "bins", *_FIG, "raw agr."], rows))  # fmt: skip

    rows = []
    for ts in report["time_sliced_by_actor"]:
        for pair in ts["pairs"]:
            rows.append({"track": ts["track"], "actor": ts["actor"], "coders": _pair(pair["coders"]),
                         "clips": pair["n_clips"], **figure_cells(pair["kappa"])})  # fmt: skip
    sections.append(
        Section(
            "Time-sliced Cohen's kappa per track x actor", ["track", "actor", "coders", "clips", *_FIG], rows
        )
    )

    rows = []
    for ts in report["time_sliced"]:
        rows.append(
            {"track": ts["track"], "statistic": "Krippendorff's alpha (nominal)", **figure_cells(ts["alpha"])}
        )
        if ts.get("fleiss"):
            rows.append({"track": ts["track"], "statistic": f"Fleiss' kappa ({ts['fleiss']['raters']} raters)",
                         **figure_cells(ts["fleiss"]["kappa"])})  # fmt: skip
    sections.append(
        Section("All coders together, per track (time slices)", ["track", "statistic", *_FIG], rows)
    )

    rows = []
    for entry in report["modified_kappa"]:
        base = {"track": entry["track"] or "(all tracks)", "coders": _pair(entry["coders"])}
        incl, excl = (
            figure_cells(entry["kappa_including_unmatched"]),
            figure_cells(entry["kappa_excluding_unmatched"]),
        )
        rows.append({**base, "code": "(all)", "linked": _value(entry["linked_share"], 2),
                     "kappa incl. unmatched": incl["value"], "CI incl.": incl["95% CI"], "flag incl.": incl["flag"],
                     "kappa excl. unmatched": excl["value"], "CI excl.": excl["95% CI"], "flag excl.": excl["flag"],
                     "raw agr.": _value(entry["raw_agreement_including_unmatched"])})  # fmt: skip
        for code in entry["per_code"]:
            cells = figure_cells(code["kappa"])
            rows.append({**base, "code": code["code"], "kappa incl. unmatched": cells["value"],
                         "CI incl.": cells["95% CI"], "flag incl.": cells["flag"]})  # fmt: skip
    sections.append(Section(
        "ELAN-style modified kappa (events linked at >= 60% overlap of the longer; points within the tolerance)",
        ["track", "code", "coders", "linked", "kappa incl. unmatched", "CI incl.", "flag incl.",
         "kappa excl. unmatched", "CI excl.", "flag excl.", "raw agr."], rows))  # fmt: skip

    rows = []
    for entry in report["onsets"]:
        tolerance = entry["tolerance_ms"]
        overall = entry["overall"]
        rows.append({"coders": _pair(entry["coders"]), "code": "(all)", "matched": overall["matched"],
                     "n first": overall["n_first"], "n second": overall["n_second"],
                     "precision": _value(overall["precision"]), "recall": _value(overall["recall"]),
                     **figure_cells(overall["f1"])})  # fmt: skip
        for code in entry["per_code"]:
            rows.append({"coders": _pair(entry["coders"]), "code": f"{code['track']}:{code['code']} ({code['actor']})",
                         "matched": code["matched"], "n first": code["n_first"], "n second": code["n_second"],
                         "precision": _value(code["precision"]), "recall": _value(code["recall"]),
                         **figure_cells(code["f1"])})  # fmt: skip
        title = f"Onset agreement within +/-{tolerance} ms (F1; the first coder is the reference)"
        sections.append(Section(title, ["coders", "code", "matched", "n first", "n second", "precision", "recall",
                                        *_FIG], rows))  # fmt: skip
        rows = []

    rows = []
    for entry in report["reviews"]:
        if entry.get("alpha") is None:
            rows.append({"item": entry["item"], "level": "", "value": "n/a", "flag": entry.get("note", "")})
        else:
            rows.append({"item": entry["item"], "level": entry["level"], "clips": entry["alpha"].get("n_clips", ""),
                         **figure_cells(entry["alpha"])})  # fmt: skip
    sections.append(
        Section("Clip reviews: Krippendorff's alpha per item", ["item", "level", "clips", *_FIG], rows)
    )
    return sections


def reliability_heading(report: dict[str, Any]) -> list[str]:
    """The lines above the tables: what was compared, with which settings, and the warnings."""
    sample, params = report.get("sample", {}), report["parameters"]
    lines = []
    if sample:
        lines.append(
            f"Sample {sample['id']} ({sample['name']}): {sample['double_coded']} double-coded clip(s) of "
            f"{sample['coded']} coded ({sample['clips']} in the sample); codebooks {', '.join(sample['codebooks'])}"
        )
    lines.append(
        f"coders {', '.join(report['coders'])}; bins {params['bin_ms']} ms, onset tolerance {params['tolerance_ms']}"
        f" ms, {params['n_boot']} bootstrap replicates over clips, {round(params['confidence'] * 100)}% intervals;"
        f" flags: reliable >= {report['thresholds']['reliable']}, tentative >= {report['thresholds']['tentative']}"
    )
    if sample.get("reliability_pending"):
        lines.append(
            f"note: {sample['reliability_pending']} reliability assignment(s) not yet coded are left out"
        )
    lines += [f"warning: {w}" for w in report["warnings"]]
    return lines


def transition_rows(
    rows: list[dict[str, Any]],
    *,
    min_abs_residual: float = 0.0,
    min_count: int = 1,
    names: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Transitions seen at least ``min_count`` times, strongest adjusted residual first, at or above
    ``min_abs_residual``; codes shown by ``names`` (codebook labels) where given."""
    names = names or {}
    kept = [
        r for r in rows
        if r["count"] >= max(min_count, 1) and abs(r["adjusted_residual"] or 0) >= min_abs_residual
    ]  # fmt: skip
    kept.sort(key=lambda r: (-(r["adjusted_residual"] or 0), r["given"], r["target"]))
    return [
        {
            "given": names.get(r["given"], r["given"]),
            "target": names.get(r["target"], r["target"]),
            "count": r["count"],
            "expected": _value(r["expected"], 2),
            "adj. residual": _value(r["adjusted_residual"], 2),
            "Yule's Q": _value(r["yules_q"], 2),
        }
        for r in kept
    ]
