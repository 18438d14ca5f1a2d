"""The weekly picture as terminal text and as a self-contained HTML page (tables and inline SVG charts)."""

from __future__ import annotations

from html import escape

from bwvtool.report.weekly import ThemeCount, WeeklyReport
from bwvtool.wording import count

STATUS_WORDS = {"below": "below the target", "within": "within the target", "above": "above the target"}
TOP_CODES = 8
TOP_BOROUGHS = 12


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def support_text(report: WeeklyReport) -> str:
    s = report.support
    if s.share is None:
        return "no reviews with a PIOSS outcome"
    return f"{s.support_offered} of {s.reviews} reviews ({percent(s.share)}, 95% CI {percent(s.low)}–{percent(s.high)})"


def _sources(theme: ThemeCount) -> str:
    """Where a theme's count came from, when not only from coded answers."""
    if not theme.keywords:
        return ""
    return f": {theme.coded} coded, {theme.keywords} by keywords"


def themes_source_text(report: WeeklyReport) -> str:
    """Which reviews the learning themes were counted from."""
    text = (
        f"Counted from the coded learning themes of {report.coded_reviews} completed reviews"
        f" ({report.no_learning_reviews} with no learning identified)"
    )
    if report.keyword_reviews:
        text += (
            f"; {report.keyword_reviews} older reviews without coded themes were counted by keywords in their"
            " learning points"
        )
    return text + "."


def weekly_text(report: WeeklyReport) -> str:
    """A compact plain-text summary for the terminal."""
    lines = [
        f"Weekly picture {report.week} ({report.start} to {report.end})",
        f"  Incidents: {report.in_catalogue} in the catalogue, {report.sampled} sampled, {report.reviewed} reviewed"
        f" — {STATUS_WORDS[report.status]} of {report.target_low}–{report.target_high}",
        "",
        f"  {'Programme':<22}{'catalogue':>10}{'sampled':>9}{'reviewed':>10}",
    ]
    for p in report.programmes:
        lines.append(f"  {p.label:<22}{p.in_catalogue:>10}{p.sampled:>9}{p.reviewed:>10}")
    b = report.backlog
    lines += [
        "",
        f"  Backlog (12 weeks, as of {b.as_of}): {b.incidents} incidents, {b.clips} clips;"
        f" {len(b.near_retention)} clips within 7 days of their retention date, {b.past_retention} past it",
        f"  Support offered: {support_text(report)}",
        f"  Carried over: {carry_over_text(report)}",
    ]
    themes = [f"{t.label} ({t.reviews}{_sources(t)})" for t in report.themes if t.reviews]
    lines.append(f"  Learning themes: {', '.join(themes) if themes else 'none recorded'}")
    lines.append(f"    {themes_source_text(report)}")
    top = list(report.code_totals.items())[:TOP_CODES]
    lines.append(f"  Most coded: {', '.join(f'{c} ({n})' for c, n in top) if top else 'nothing coded'}")
    lines.append("")
    lines.append("  Trend    " + "  ".join(f"{p.week[-3:]:>4}" for p in report.trend))
    lines.append("  reviewed " + "  ".join(f"{p.reviewed:>4}" for p in report.trend))
    lines.append("  support  " + "  ".join(f"{percent(p.support.share, 0):>4}" for p in report.trend))
    return "\n".join(lines)


# -- HTML -------------------------------------------------------------------------------------------------------
_CSS = """
body { font-family: "Segoe UI", Helvetica, Arial, sans-serif; color: #1b2631; max-width: 1000px; margin: 24px auto;
       font-size: 14px; }
h1 { font-size: 24px; margin-bottom: 2px; } h2 { font-size: 17px; margin-top: 26px; border-bottom: 2px solid #d5d8dc; }
.muted { color: #566573; }
.tiles { display: flex; gap: 12px; flex-wrap: wrap; }
.tile { flex: 1 1 180px; border: 1px solid #d5d8dc; border-radius: 6px; padding: 10px 14px; }
.tile .value { font-size: 26px; font-weight: bold; } .tile .label { color: #566573; font-size: 12px; }
.below { color: #b03a2e; } .within { color: #1e8449; } .above { color: #b9770e; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e5e8e8; text-align: right; overflow-wrap: anywhere; }
th:first-child, td:first-child { text-align: left; }
"""


def _bars_svg(
    labels: list[str], values: list[int], *, band: tuple[int, int] | None = None, height: int = 180
) -> str:
    """A small column chart (``band``: a shaded target range)."""
    width, left, bottom = 960, 40, 24
    top_value = max([*values, band[1] if band else 0, 1])
    scale = (height - bottom - 10) / top_value
    step = (width - left) / max(len(values), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}">']
    if band:
        y1, y2 = height - bottom - band[1] * scale, height - bottom - band[0] * scale
        parts.append(
            f'<rect x="{left}" y="{y1:.1f}" width="{width - left}" height="{y2 - y1:.1f}" fill="#d5f5e3"/>'
        )
        parts.append(f'<text x="{width - 4}" y="{y1 + 12:.1f}" font-size="11" text-anchor="end" fill="#1e8449">'
                     f"target {band[0]}–{band[1]}</text>")  # fmt: skip
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * step + step * 0.15
        h = value * scale
        parts.append(f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}"'
                     ' fill="#2e86c1"/>')  # fmt: skip
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - bottom - h - 3:.1f}" font-size="11"'
                     f' text-anchor="middle">{value}</text>')  # fmt: skip
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 6}" font-size="11" text-anchor="middle"'
                     f' fill="#566573">{escape(label)}</text>')  # fmt: skip
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#888"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_weekly_html(report: WeeklyReport) -> str:
    """The weekly picture as one self-contained HTML page."""
    b, s = report.backlog, report.support
    tiles = [
        (
            f"{report.reviewed}",
            f"incidents reviewed (target {report.target_low}–{report.target_high})",
            report.status,
        ),
        (f"{report.sampled}", "incidents sampled", ""),
        (f"{b.incidents}", f"incidents in the backlog ({b.clips} clips)", ""),
        (
            f"{len(b.near_retention)}",
            f"backlog clips within 7 days of retention ({b.past_retention} past)",
            "",
        ),
        (percent(s.share), f"support offered, 95% CI {percent(s.low)}–{percent(s.high)} (n={s.reviews})", ""),
        (f"{report.carry_over.left_out}", f"carried over: {carry_over_text(report)}", ""),
    ]
    tile_html = "".join(
        f'<div class="tile"><div class="value {cls}">{escape(v)}</div><div class="label">{escape(lbl)}</div></div>'
        for v, lbl, cls in tiles
    )
    codes = list(report.code_totals)[:TOP_CODES]
    boroughs = list(report.codes_by_borough)[:TOP_BOROUGHS]
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Weekly picture {escape(report.week)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Weekly picture {escape(report.week)}</h1>",
        f'<p class="muted">Incidents first recorded {escape(report.start)} to {escape(report.end)};'
        f" made {escape(report.generated_at[:16].replace('T', ' '))} UTC.</p>",
        f'<div class="tiles">{tile_html}</div>',
        "<h2>By programme</h2>",
        _table(
            ["Programme", "In the catalogue", "Sampled", "Reviewed"],
            [[p.label, p.in_catalogue, p.sampled, p.reviewed] for p in report.programmes],
        ),
        "<h2>Reviewed incidents, last 12 weeks</h2>",
        _bars_svg(
            [p.week[-3:] for p in report.trend],
            [p.reviewed for p in report.trend],
            band=(report.target_low, report.target_high),
        ),  # fmt: skip
        _table(
            ["Week", "Sampled", "Reviewed", "Support offered", "Share", "95% CI"],
            [
                [
                    p.week,
                    p.sampled,
                    p.reviewed,
                    f"{p.support.support_offered}/{p.support.reviews}",
                    percent(p.support.share),
                    f"{percent(p.support.low)}–{percent(p.support.high)}",
                ]
                for p in report.trend
            ],
        ),  # fmt: skip
        "<h2>Learning themes</h2>",
        _table(
            ["Theme", "Reviews", "Coded", "By keywords"],
            [[t.label, t.reviews, t.coded, t.keywords] for t in report.themes],
        ),
        f'<p class="muted">{report.learning_reviews} completed reviews this week identified learning.'
        f" {escape(themes_source_text(report))}</p>",
        "<h2>Backlog near its retention date</h2>",
        _table(
            ["Clip", "Incident", "Retention until", "Days left"],
            [[r.clip_id, r.incident_id, r.retention_until, r.days_left] for r in b.near_retention],
        )
        if b.near_retention
        else '<p class="muted">No backlog clip is within 7 days of its retention date.</p>',
        "<h2>Codes by borough</h2>",
        '<p class="muted">Reviewed clips in which each code was coded.</p>',
        _table(
            ["Borough", *codes],
            [[bo, *(report.codes_by_borough[bo].get(c, 0) for c in codes)] for bo in boroughs],
        ),
        "</body></html>",
    ]
    return "\n".join(parts)


def carry_over_text(report: WeeklyReport) -> str:
    """The week's carry-over in words (the text report, the HTML page and the dashboard say the same)."""
    c = report.carry_over
    if c.sample_id is None:
        return "no weekly sample with carry-over drawn for this week"
    return (
        f"{count(c.left_out, 'incident')} left out for capacity, carried into next week's draw first;"
        f" {c.carried_in} carried in from the week before (sample {c.sample_id})"
    )
