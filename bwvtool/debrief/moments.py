"""Which coded events a debrief dwells on, and how an event reads in words.

Key moments are the events the reviewer starred, plus the first command, the first reason given, the first use
of force and every turning point (one event may be several of these; it is listed once with all its reasons).
Codes are recognised by their ids and flags in the codebook, so the shipped PIOSS and S&S codebooks and edited
copies of them behave the same:

* ``command`` and ``reason_given`` are the language codes of Rho et al. (2023): escalated stops open with a
  command and no reason;
* use of force is any code of the ``officer_force`` track except ``tactical_communications`` (a Home Office
  category, but talk rather than force);
* a turning point is a code with ``turning_point: true``; escalation markers are codes with ``escalation``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bwvtool.debrief.model import KeyMoment, actor_label, clock, humanise

if TYPE_CHECKING:
    from bwvtool.codebook import Code, Codebook
    from bwvtool.coding.model import Event

FORCE_TRACK = "officer_force"
NOT_FORCE = frozenset({"tactical_communications"})
FIRST_OF: tuple[tuple[str, str], ...] = (("command", "first command"), ("reason_given", "first reason given"))
STARRED = "starred by the reviewer"
FIRST_FORCE = "first use of force"
TURNING_POINT = "turning point"


def code_of(codebook: Codebook, code_id: str) -> Code | None:
    try:
        return codebook.code(code_id)
    except KeyError:
        return None


def is_force(event: Event) -> bool:
    return event.track == FORCE_TRACK and event.code not in NOT_FORCE


def escalation_of(codebook: Codebook, event: Event) -> str | None:
    """``up``, ``down``, ``turning`` or None: how the event marks the encounter's direction."""
    code = code_of(codebook, event.code)
    if code is None:
        return None
    if code.turning_point:
        return "turning"
    return code.escalation


def event_title(codebook: Codebook, event: Event) -> str:
    """The event in words: ``CED (Taser) drawn``, ``Assault on officer: kicking, spitting``, ``Demeanour: calm``."""
    code = code_of(codebook, event.code)
    if code is None:
        return humanise(event.code)
    answers: list[str] = []
    for modifier in code.modifiers:
        value = event.modifiers.get(modifier.id)
        if value in (None, "", [], ()):
            continue
        labels = {o.id: o.label for o in modifier.options}
        if modifier.type == "single":
            if modifier.id == "tactic":  # the option label is the full Home Office category
                return labels.get(value, humanise(str(value)))
            answers.append(labels.get(value, humanise(str(value))))
        elif modifier.type == "multiple":
            answers.append(", ".join(labels.get(v, humanise(str(v))).lower() for v in value))
        else:
            answers.append(f"{value:g} {modifier.unit}".strip())
    return f"{code.label}: {'; '.join(answers)}" if answers else code.label


def event_detail(event: Event) -> str:
    """Who, when (clip time and frame) and, for a state, how long."""
    parts = [actor_label(event.actor), f"{clock(event.onset_ms)} (frame {event.onset_frame})"]
    if event.offset_ms is not None and event.offset_ms > event.onset_ms:
        parts.append(f"for {(event.offset_ms - event.onset_ms) / 1000:.1f} s")
    return " · ".join(p for p in parts if p)


def key_moment_reasons(events: Iterable[Event], codebook: Codebook) -> list[tuple[Event, tuple[str, ...]]]:
    """The key moments in time order, each with why it was picked."""
    ordered = sorted(events, key=lambda e: (e.onset_ms, e.id or 0))
    reasons: dict[int, list[str]] = {}

    def add(event: Event | None, why: str) -> None:
        if event is not None and event.id is not None:
            reasons.setdefault(event.id, []).append(why)

    for event in ordered:
        if event.starred:
            add(event, STARRED)
    for code_id, why in FIRST_OF:
        add(next((e for e in ordered if e.code == code_id), None), why)
    add(next((e for e in ordered if is_force(e)), None), FIRST_FORCE)
    for event in ordered:
        code = code_of(codebook, event.code)
        if code is not None and code.turning_point:
            add(event, TURNING_POINT)
    return [(e, tuple(reasons[e.id])) for e in ordered if e.id in reasons]  # type: ignore[index]


def key_moments(events: Sequence[Event], codebook: Codebook) -> tuple[KeyMoment, ...]:
    """Numbered key moments (1, 2, …) without stills; :func:`bwvtool.debrief.build.attach_stills` adds them."""
    return tuple(
        KeyMoment(
            number=number,
            event=event,
            title=event_title(codebook, event),
            detail=event_detail(event),
            reasons=reasons,
        )
        for number, (event, reasons) in enumerate(key_moment_reasons(events, codebook), start=1)
    )
