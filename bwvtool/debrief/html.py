"""The debrief note as HTML: a self-contained file for browsers (images embedded as base64), and a print variant
whose images are named resources, for the app's PDF writer (Qt's rich-text engine reads a subset of HTML and CSS,
so the markup keeps to tables, headings, paragraphs, lists and images).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from bwvtool import __version__
from bwvtool.debrief.draft import coded_force
from bwvtool.debrief.model import (
    SOURCE_LABELS,
    SS_OUTCOME_LABELS,
    SS_POWER_LABELS,
    DebriefNote,
    humanise,
)
from bwvtool.debrief.timeline import timeline_svg

MARKING = "OFFICIAL-SENSITIVE"
PURPOSE = (
    "An identified, internal document for a supportive conversation between a supervisor and the officer. "
    "It is not part of any research dataset and must not be shared beyond that conversation's purpose."
)
NARROW = 560  # CSS pixels: below this the facts table uses two columns instead of four
REVIEW_ITEMS_SHOWN_ELSEWHERE = frozenset({"outcome", "individual_learning", "organisational_learning"})

# A source of an image in the markup: (name, MIME type, bytes) -> the src attribute's value.
ImageSource = Callable[[str, str, bytes], str]

_SCREEN_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
body { font-family: "Segoe UI", Helvetica, Arial, sans-serif; color: #1b2631; font-size: 10.5pt;
       line-height: 1.45; max-width: 185mm; margin: 0 auto; padding: 8mm 0; }
.marking { text-align: center; font-weight: bold; letter-spacing: 0.08em; color: #7b241c; font-size: 9pt; }
h1 { font-size: 20pt; margin: 6px 0 2px 0; }
h2 { font-size: 13.5pt; margin: 20px 0 6px 0; padding-bottom: 3px; border-bottom: 2px solid #d5d8dc;
     page-break-after: avoid; }
h3 { font-size: 11pt; margin: 12px 0 4px 0; }
.subtitle { color: #566573; font-size: 11pt; margin: 0 0 8px 0; }
.status { background: #eaf2f8; padding: 6px 10px; border-left: 4px solid #2e86c1; margin: 8px 0; }
.purpose { color: #566573; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
td, th { vertical-align: top; padding: 5px 6px; overflow-wrap: anywhere; word-wrap: break-word; text-align: left; }
table.facts td { border-bottom: 1px solid #e5e8e8; }
td.label { color: #566573; font-weight: bold; font-size: 9.5pt; }
table.moment { margin: 8px 0 12px 0; border: 1px solid #d5d8dc; page-break-inside: avoid; }
table.moment td.still { width: 42%; padding: 6px; }
img.still { width: 100%; height: auto; display: block; }
.timeline svg { width: 100%; height: auto; display: block; }
.number { display: inline-block; background: #1b2631; color: #ffffff; font-weight: bold;
          padding: 1px 7px; border-radius: 10px; }
.badge { background: #fdebd0; color: #7e5109; font-size: 8.5pt; padding: 1px 5px; border-radius: 3px; }
.meta { color: #566573; font-size: 9.5pt; }
.note { margin-top: 6px; }
.empty { color: #909497; font-style: italic; }
"""

# Qt's rich text: no border-radius, no fixed layout; widths come from the column attributes instead.
_PRINT_CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #1b2631; font-size: 10pt; }
.marking { font-weight: bold; color: #7b241c; font-size: 8pt; }
h1 { font-size: 18pt; margin-top: 0px; margin-bottom: 2px; }
h2 { font-size: 13pt; margin-top: 16px; margin-bottom: 6px; color: #1b4f72; }
h3 { font-size: 10.5pt; margin-top: 8px; margin-bottom: 3px; }
.subtitle { color: #566573; font-size: 11pt; }
.status { background-color: #eaf2f8; }
.purpose { color: #566573; font-size: 8.5pt; }
td.label { color: #566573; font-weight: bold; font-size: 9pt; }
.number { background-color: #1b2631; color: #ffffff; font-weight: bold; }
.badge { background-color: #fdebd0; color: #7e5109; font-size: 8pt; }
.meta { color: #566573; font-size: 9pt; }
.empty { color: #909497; font-style: italic; }
"""


@dataclass
class PrintDocument:
    """HTML for Qt's rich-text engine plus the images it names (name -> (MIME type, bytes))."""

    html: str
    resources: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def data_url(_name: str, mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(note: DebriefNote) -> str:
    """The note as one self-contained HTML file: CSS inline, stills as base64 PNG, the timeline as SVG."""
    return _document(note, data_url, css=_SCREEN_CSS, widths=None)


def render_print(note: DebriefNote, content_width: float) -> PrintDocument:
    """The note for Qt's PDF writer; ``content_width`` is the page's text width in the document's units."""
    doc = PrintDocument(html="")

    def named(name: str, mime: str, data: bytes) -> str:
        doc.resources[name] = (mime, data)
        return name

    doc.html = _document(note, named, css=_PRINT_CSS, widths=content_width)
    return doc


# -- the document ----------------------------------------------------------------------------------------------
def _document(note: DebriefNote, src: ImageSource, *, css: str, widths: float | None) -> str:
    facts = note.facts
    title = f"Debrief note — {facts.officer_ref}, clip {facts.clip_id}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{css}</style></head><body>",
        # Print pages carry the marking in their running header instead.
        f'<p class="marking" align="center">{MARKING}</p>' if widths is None else "",
        "<h1>Debrief note</h1>",
        f'<p class="subtitle">Officer {escape(facts.officer_ref)} · {escape(_date(facts.recorded_at))} · '
        f"{escape(facts.borough)}</p>",
        _status(note),
        f'<p class="purpose">{escape(PURPOSE)} {escape(_provenance(note))}</p>',
        "<h2>The clip</h2>",
        _facts_table(note, narrow=widths is not None and widths < NARROW),
        "<h2>Summary</h2>",  # what happened first; then the coding that shows it; then the reflection
        _text_block(note.narrative.get("summary", "")),
        "<h2>Timeline of the coded events</h2>",
        _timeline(note, src, widths),
        "<h2>Key moments</h2>",
        _moments(note, src, widths),
        "<h2>What went well</h2>",
        _text_block(note.narrative.get("went_well", "")),
        "<h2>Learning points</h2>",
        "<h3>For the officer</h3>",
        _text_block(note.narrative.get("individual_learning", "")),
        "<h3>For the organisation</h3>",
        _text_block(note.narrative.get("organisational_learning", "")),
        "<h2>Support offered</h2>",
        _text_block(note.narrative.get("support", "")),
        "<h2>Agreed next steps</h2>",
        _text_block(note.narrative.get("next_steps", "")),
    ]
    parts.append(_other_answers(note))
    parts.append("</body></html>")
    return "\n".join(parts)


def _provenance(note: DebriefNote) -> str:
    made = note.generated_at[:16].replace("T", " ")
    return (
        f"Made by bwvtool {__version__} on {made} UTC from {note.review.coder}'s completed review "
        f"({note.codebook.title} v{note.codebook.version}, {len(note.events)} coded events). Times are clip times; each still is the exact "
        "frame on screen at that moment."
    )


def _date(recorded_at: str) -> str:
    from bwvtool.timeutil import parse_iso

    try:
        return parse_iso(recorded_at).strftime("%a %d %b %Y, %H:%M UTC")
    except ValueError:
        return recorded_at


def _status(note: DebriefNote) -> str:
    if note.version is None:
        text = "Draft written from the review — not saved yet."
    else:
        when = (note.saved_at or "")[:16].replace("T", " ")
        text = f"Version {note.version}, saved {when} UTC by {note.saved_by}."
    return f'<table class="status" width="100%" cellpadding="6"><tr><td>{escape(text)}</td></tr></table>'


def _list(values: tuple[str, ...], labels: dict[str, str] | None = None) -> str:
    if not values:
        return "—"
    return ", ".join((labels or {}).get(v, humanise(v)) for v in values)


def _facts_table(note: DebriefNote, *, narrow: bool = False) -> str:
    """Four columns (label, value, label, value); two on a narrow page (the app's preview)."""
    facts, review = note.facts, note.review
    minutes, seconds = divmod(round(facts.duration_s), 60)
    ss = " / ".join(
        v
        for v in (SS_POWER_LABELS.get(facts.ss_power or "", humanise(facts.ss_power or "")),
                  SS_OUTCOME_LABELS.get(facts.ss_outcome or "", humanise(facts.ss_outcome or "")))
        if v
    )  # fmt: skip
    rows = [
        ("Recorded", _date(facts.recorded_at), "Length", f"{minutes}:{seconds:02d}"),
        ("Officer", facts.officer_ref, "Borough", facts.borough + (f" ({facts.bcu})" if facts.bcu else "")),
        ("Incident", facts.incident_id, "Clip", facts.clip_id),
        ("Sources", _list(facts.sources, SOURCE_LABELS), "Use of force (catalogue)", _list(facts.tactics)),
        ("Assault types", _list(facts.assault_types), "Stop and search", ss or "—"),
        (
            "Reviewed by",
            review.coder,
            "Review completed",
            review.completed_at[:16].replace("T", " ") + " UTC",
        ),
        (
            "Use of force (coded)",
            _coded_force(note),
            "Codebook",
            f"{note.codebook.title} v{note.codebook.version}",
        ),
    ]
    if any(item.id == "outcome" for item in note.codebook.review_items):  # only codebooks that ask for one
        rows.append(("PIOSS outcome", review.answer_label("outcome") or "not answered", "", ""))
    if narrow:
        pairs = [(a, b) for a, b, _, _ in rows] + [(c, d) for _, _, c, d in rows if c]
        body = "".join(
            f'<tr><td class="label" width="32%">{escape(a)}</td><td width="68%">{escape(b)}</td></tr>'
            for a, b in pairs
        )
    else:
        body = "".join(
            f'<tr><td class="label" width="17%">{escape(a)}</td><td width="33%">{escape(b)}</td>'
            f'<td class="label" width="17%">{escape(c)}</td><td width="33%">{escape(d)}</td></tr>'
            for a, b, c, d in rows
        )
    return f'<table class="facts" width="100%" cellpadding="4" cellspacing="0">{body}</table>'


def _timeline(note: DebriefNote, src: ImageSource, widths: float | None) -> str:
    svg = timeline_svg(note.events, note.codebook, note.facts.duration_s * 1000, note.moments)
    if widths is None:  # a browser: the SVG inline, crisp at any zoom and in print
        return f'<div class="timeline">{svg}</div>'
    name = src("timeline.svg", "image/svg+xml", svg.encode("utf-8"))
    return f'<p><img src="{escape(name)}" width="{int(widths)}"></p>'


def _moments(note: DebriefNote, src: ImageSource, widths: float | None) -> str:
    if not note.moments:
        return '<p class="empty">No key moments: nothing was starred, and there is no command, reason, use of ' \
               "force or turning point in the coding.</p>"  # fmt: skip
    blocks = []
    for moment in note.moments:
        if moment.still_png is not None and moment.still_size is not None:
            name = src(f"still-{moment.number}.png", "image/png", moment.still_png)
            alt = f"Frame {moment.event.onset_frame} at the moment {moment.number}"
            if widths is None:
                image = f'<img class="still" src="{name}" alt="{escape(alt)}">'
            else:
                width = int(widths * 0.40)
                height = round(width * moment.still_size[1] / moment.still_size[0])
                if height > width * 0.9:  # portrait video: keep the picture from running down the page
                    height = int(width * 0.9)
                    width = round(height * moment.still_size[0] / moment.still_size[1])
                image = f'<img src="{name}" width="{width}" height="{height}" alt="{escape(alt)}">'
        else:
            image = f'<p class="empty">No still: {escape(moment.still_problem or "no video")}</p>'
        reasons = " ".join(f'<span class="badge">&nbsp;{escape(r)}&nbsp;</span>' for r in moment.reasons)
        note_text = moment.event.note
        comment = (
            f'<p class="note"><b>Reviewer\'s note:</b> {escape(note_text)}</p>'
            if note_text
            else '<p class="note empty">No note from the reviewer.</p>'
        )
        blocks.append(
            '<table class="moment" width="100%" cellpadding="6" cellspacing="0" border="0"><tr>'
            f'<td class="still" width="42%">{image}</td>'
            f'<td width="58%"><p><span class="number">&nbsp;{moment.number}&nbsp;</span> '
            f"<b>{escape(moment.title)}</b></p>"
            f'<p class="meta">{escape(moment.detail)}</p><p>{reasons}</p>{comment}</td></tr></table>'
        )
    return "\n".join(blocks)


def _text_block(text: str) -> str:
    """Plain text as HTML: lines starting with '- ' or '• ' become a list, other lines paragraphs."""
    lines = [line.rstrip() for line in (text or "").splitlines()]
    if not any(line.strip() for line in lines):
        return '<p class="empty">Not recorded.</p>'
    out: list[str] = []
    bullets: list[str] = []
    for line in lines + [""]:
        stripped = line.strip()
        if stripped[:2] in ("- ", "• ", "* "):
            bullets.append(f"<li>{escape(stripped[2:].strip())}</li>")
            continue
        if bullets:
            out.append("<ul>" + "".join(bullets) + "</ul>")
            bullets = []
        if stripped:
            out.append(f"<p>{escape(stripped)}</p>")
    return "\n".join(out)


def _other_answers(note: DebriefNote) -> str:
    review = note.review
    rows = []
    for item in note.codebook.review_items:
        if item.id in REVIEW_ITEMS_SHOWN_ELSEWHERE:
            continue
        answer = review.answer_label(item.id)
        if answer is None:
            continue
        rows.append(
            f'<tr><td class="label" width="45%">{escape(item.label)}</td><td width="55%">{escape(answer)}</td></tr>'
        )
    if not rows:
        return ""
    return (
        "<h2>The reviewer's other answers</h2>"
        f'<table class="facts" width="100%" cellpadding="4" cellspacing="0">{"".join(rows)}</table>'
    )


def _coded_force(note: DebriefNote) -> str:
    coded = coded_force(note.review, note.events)
    if coded is None:
        return "not coded (this codebook has no use-of-force track)"
    return ", ".join(coded) or "none coded"
