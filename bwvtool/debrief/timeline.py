"""The timeline picture of a coded clip as SVG text: one lane per track (and actor), states as bars, moments as
ticks, escalation and de-escalation highlighted across all lanes, key moments numbered above.

Drawn without Qt so the core can embed it in HTML (crisp at any zoom and in print); the app rasterises the same
SVG for its PDF. Only SVG Tiny features are used (no CSS, no ``dominant-baseline``) so Qt's renderer draws it
the same way browsers do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from bwvtool.debrief.model import KeyMoment, actor_label
from bwvtool.debrief.moments import code_of, escalation_of

if TYPE_CHECKING:
    from bwvtool.codebook import Codebook
    from bwvtool.coding.model import Event

WIDTH = 900  # user units: on an A4 page about 0.19 mm each, so 12-unit text prints at about 6.5 pt
LABEL_WIDTH = 200
RIGHT = 14
LANE = 24
GAP = 3
MOMENT_ROW = 28
AXIS = 30
LEGEND = 26
MOMENT_SPACING = 20  # the least distance between two key-moment numbers
FONT = "Helvetica, Arial, sans-serif"
UP, DOWN, TURNING = "#c0392b", "#1e8449", "#b9770e"
DEFAULT_COLOUR = "#5d6d7e"
STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)


@dataclass(frozen=True)
class Lane:
    track: str
    actor: str | None
    label: str
    colour: str
    events: tuple[Event, ...]


def _packed(events: Sequence[Event], is_state: Callable[[Event], bool], end_ms: float) -> list[list[Event]]:
    """Rows in which nothing overlaps: each state goes to the first row free for its span, each moment to the first
    row where no state covers it (first fit, in onset order), so no bar hides a moment or another bar."""
    rows: list[list[Event]] = []
    spans: list[list[tuple[float, float]]] = []
    for event in sorted(events, key=lambda e: (e.onset_ms, e.id or 0)):
        if is_state(event):
            span = (float(event.onset_ms), float(event.offset_ms if event.offset_ms is not None else end_ms))
        else:
            span = (float(event.onset_ms), float(event.onset_ms))
        for row, taken in zip(rows, spans, strict=True):
            if all(
                span[1] <= a or span[0] >= b if is_state(event) else not a <= span[0] <= b for a, b in taken
            ):
                row.append(event)
                if is_state(event):
                    taken.append(span)
                break
        else:
            rows.append([event])
            spans.append([span] if is_state(event) else [])
    return rows or [[]]


def lanes(events: Sequence[Event], codebook: Codebook, end_ms: float = float("inf")) -> list[Lane]:
    """Tracks in codebook order (then any unknown ones), split by actor when several actors have events, and
    into extra rows where states of one actor overlap (a non-exclusive track such as use of force)."""
    order = [t.id for t in codebook.tracks]
    order += sorted({e.track for e in events} - set(order))

    def is_state(event: Event) -> bool:
        code = code_of(codebook, event.code)
        return code.is_state if code is not None else event.offset_ms is not None

    found: list[Lane] = []
    for track_id in order:
        mine = [e for e in events if e.track == track_id]
        if not mine:
            continue
        try:
            track = codebook.track(track_id)
            label, colour = track.label, track.colour or DEFAULT_COLOUR
        except KeyError:
            label, colour = track_id.replace("_", " ").capitalize(), DEFAULT_COLOUR
        actors = sorted({e.actor for e in mine})
        for actor in actors:
            title = label if len(actors) == 1 else f"{label} · {actor_label(actor)}"
            for number, row in enumerate(_packed([e for e in mine if e.actor == actor], is_state, end_ms)):
                found.append(Lane(track_id, actor, title if number == 0 else "", colour, tuple(row)))
    return found


def tick_step_s(duration_s: float, most: int = 10) -> int:
    """The smallest round step giving at most ``most`` ticks."""
    return next((s for s in STEPS_S if duration_s / s <= most), STEPS_S[-1])


def _mmss(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _marker(kind: str, x: float, y: float, size: float = 6.0) -> str:
    if kind == "up":
        points = (
            f"{x:.1f},{y - size:.1f} {x + size:.1f},{y + size * 0.8:.1f} {x - size:.1f},{y + size * 0.8:.1f}"
        )
        return f'<polygon points="{points}" fill="{UP}" stroke="#ffffff" stroke-width="1"/>'
    if kind == "down":
        points = (
            f"{x:.1f},{y + size:.1f} {x + size:.1f},{y - size * 0.8:.1f} {x - size:.1f},{y - size * 0.8:.1f}"
        )
        return f'<polygon points="{points}" fill="{DOWN}" stroke="#ffffff" stroke-width="1"/>'
    points = f"{x:.1f},{y - size:.1f} {x + size:.1f},{y:.1f} {x:.1f},{y + size:.1f} {x - size:.1f},{y:.1f}"
    return f'<polygon points="{points}" fill="{TURNING}" stroke="#ffffff" stroke-width="1"/>'


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start", fill: str = "#222222",
          weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{escape(FONT)}" font-size="{size}" fill="{fill}"'
        f' font-weight="{weight}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def timeline_svg(
    events: Sequence[Event], codebook: Codebook, duration_ms: float, moments: Sequence[KeyMoment] = ()
) -> str:
    """The timeline as a standalone SVG document (``width`` 900 user units, height as the lanes need).

    Drawn back to front: lane shading, guide lines (escalation markers across all lanes, key moments), states,
    moments, then the key-moment numbers on top, so no line crosses a label or hides a point.
    """
    end_ms = max([duration_ms, *(e.offset_ms or e.onset_ms for e in events)], default=duration_ms) or 1000.0
    rows = lanes(events, codebook, end_ms)
    body = max(len(rows), 1) * (LANE + GAP)
    height = MOMENT_ROW + body + AXIS + LEGEND

    def x_of(ms: float) -> float:
        return LABEL_WIDTH + (WIDTH - RIGHT - LABEL_WIDTH) * min(max(ms, 0.0), end_ms) / end_ms

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" height="{height}"'
        f' viewBox="0 0 {WIDTH} {height}">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    parts += _lane_backgrounds(rows)
    parts += _guides(events, codebook, moments, x_of, body)
    for index, lane in enumerate(rows):
        parts += _lane_events(lane, MOMENT_ROW + index * (LANE + GAP), codebook, x_of, end_ms)
    parts += _moment_badges(moments, x_of)
    parts += _axis(end_ms, x_of, MOMENT_ROW + body)
    parts += _legend(MOMENT_ROW + body + AXIS + 10)
    parts.append("</svg>")
    return "\n".join(parts)


def _lane_backgrounds(rows: Sequence[Lane]) -> list[str]:
    parts = []
    for index, lane in enumerate(rows):
        y = MOMENT_ROW + index * (LANE + GAP)
        shade = "#f4f6f7" if index % 2 == 0 else "#fbfcfc"
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{WIDTH - RIGHT - LABEL_WIDTH}" height="{LANE}"'
                     f' fill="{shade}"/>')  # fmt: skip
        parts.append(f'<rect x="4" y="{y + 6}" width="6" height="{LANE - 12}" fill="{lane.colour}"/>')
        parts.append(_text(16, y + LANE / 2 + 4, _fit(lane.label, 30), size=12))
    if not rows:
        parts.append(_text((LABEL_WIDTH + WIDTH) / 2, MOMENT_ROW + LANE / 2 + 4, "No coded events",
                           anchor="middle", fill="#777777"))  # fmt: skip
    return parts


def _guides(events: Sequence[Event], codebook: Codebook, moments: Sequence[KeyMoment], x_of: Callable[[float], float],
            body: float) -> list[str]:  # fmt: skip
    """Escalation, de-escalation and turning points across every lane; a faint line under each key moment."""
    parts = []
    bottom = MOMENT_ROW + body - GAP
    for event in events:
        kind = escalation_of(codebook, event)
        if kind in ("up", "down", "turning"):
            colour = {"up": UP, "down": DOWN, "turning": TURNING}[kind]
            x = x_of(event.onset_ms)
            parts.append(f'<line x1="{x:.1f}" y1="{MOMENT_ROW}" x2="{x:.1f}" y2="{bottom}" stroke="{colour}"'
                         ' stroke-width="1.2" stroke-dasharray="3,3" stroke-opacity="0.8"/>')  # fmt: skip
    for moment in moments:
        x = x_of(moment.event.onset_ms)
        parts.append(f'<line x1="{x:.1f}" y1="{MOMENT_ROW - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#1b2631"'
                     ' stroke-width="0.8" stroke-opacity="0.3"/>')  # fmt: skip
    return parts


def _lane_events(
    lane: Lane, y: float, codebook: Codebook, x_of: Callable[[float], float], end_ms: float
) -> list[str]:
    """States as bars (labelled when there is room), then moments on top of them."""
    parts, points = [], []
    middle = y + LANE / 2
    for event in lane.events:
        code = code_of(codebook, event.code)
        if code is None or not code.is_state:
            points.append(event)
            continue
        x = x_of(event.onset_ms)
        width = max(x_of(event.offset_ms if event.offset_ms is not None else end_ms) - x, 2.0)
        dash = "" if event.offset_ms is not None else ' stroke-dasharray="4,2"'
        parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" height="{LANE - 8}" rx="3" ry="3"'
                     f' fill="{lane.colour}" fill-opacity="0.78" stroke="{lane.colour}" stroke-width="1"{dash}/>')  # fmt: skip
        if width > 6.3 * len(code.label) + 8:
            parts.append(_text(x + 4, middle + 4, code.label, size=10, fill="#ffffff", weight="bold"))
    for event in points:
        x = x_of(event.onset_ms)
        kind = escalation_of(codebook, event)
        if kind is not None:
            parts.append(_marker(kind, x, middle))
            continue
        parts.append(f'<line x1="{x:.1f}" y1="{y + 3}" x2="{x:.1f}" y2="{y + LANE - 3}" stroke="#ffffff"'
                     ' stroke-width="4"/>')  # fmt: skip
        parts.append(f'<line x1="{x:.1f}" y1="{y + 4}" x2="{x:.1f}" y2="{y + LANE - 4}" stroke="{lane.colour}"'
                     ' stroke-width="2"/>')  # fmt: skip
        parts.append(f'<circle cx="{x:.1f}" cy="{middle:.1f}" r="4" fill="{lane.colour}" stroke="#ffffff"'
                     ' stroke-width="1.2"/>')  # fmt: skip
    return parts


def _moment_badges(moments: Sequence[KeyMoment], x_of: Callable[[float], float]) -> list[str]:
    """Numbered circles above the lanes; numbers too close to each other step aside with a short leader."""
    parts, label_x = [], float("-inf")
    for moment in sorted(moments, key=lambda m: m.event.onset_ms):
        x = x_of(moment.event.onset_ms)
        label_x = min(max(x, label_x + MOMENT_SPACING), WIDTH - 10.0)
        if abs(label_x - x) > 0.5:
            parts.append(f'<line x1="{label_x:.1f}" y1="{MOMENT_ROW / 2 + 8:.1f}" x2="{x:.1f}" y2="{MOMENT_ROW - 4}"'
                         ' stroke="#1b2631" stroke-width="0.8" stroke-opacity="0.6"/>')  # fmt: skip
        parts.append(f'<circle cx="{label_x:.1f}" cy="{MOMENT_ROW / 2 - 1:.1f}" r="9" fill="#1b2631"/>')
        parts.append(_text(label_x, MOMENT_ROW / 2 + 3, str(moment.number), size=11, anchor="middle",
                           fill="#ffffff", weight="bold"))  # fmt: skip
    return parts


def _axis(end_ms: float, x_of: Callable[[float], float], axis_y: float) -> list[str]:
    parts = [f'<line x1="{LABEL_WIDTH}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" stroke="#555555"/>']
    step = tick_step_s(end_ms / 1000)
    for second in range(0, int(end_ms / 1000) + 1, step):
        x = x_of(second * 1000)
        parts.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}" stroke="#555555"/>')
        parts.append(_text(x, axis_y + 17, _mmss(second), size=10, anchor="middle", fill="#444444"))
    parts.append(_text(LABEL_WIDTH - 24, axis_y + 17, "clip time", size=10, anchor="end", fill="#777777"))
    return parts


def _legend(y: float) -> list[str]:
    items = [("up", "escalation"), ("down", "de-escalation"), ("turning", "turning point")]
    parts, x = [], 16.0
    for kind, text in items:
        parts.append(_marker(kind, x + 6, y - 4, 5))
        parts.append(_text(x + 16, y, text, size=11, fill="#444444"))
        x += 30 + 6.8 * len(text)
    moment = "key moment (see below)"
    parts.append(f'<circle cx="{x + 7:.1f}" cy="{y - 4:.1f}" r="7" fill="#1b2631"/>')
    parts.append(_text(x + 7, y - 0.5, "1", size=9, anchor="middle", fill="#ffffff", weight="bold"))
    parts.append(_text(x + 19, y, moment, size=11, fill="#444444"))
    x += 30 + 6.8 * len(moment)
    parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="22" height="10" rx="2" fill="{DEFAULT_COLOUR}"'
                 ' fill-opacity="0.78"/>')  # fmt: skip
    parts.append(_text(x + 28, y, "state (dashed: runs to the end)", size=11, fill="#444444"))
    return parts


def _fit(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
