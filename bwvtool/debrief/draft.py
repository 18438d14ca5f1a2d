"""The first draft of a note's narrative, written from the review and the coded events for the supervisor to edit.

Nothing here is a judgement the supervisor has not seen: the draft repeats the reviewer's own answers (learning
points, PIOSS outcome, welfare concern) and states plain facts from the coding (a reason was given before the
first command; de-escalation codes were used; where the encounter calmed). The supervisor rewrites it freely.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bwvtool.debrief.model import NARRATIVE_IDS, ClipFacts, ReviewSummary, clock
from bwvtool.debrief.moments import FORCE_TRACK, code_of, escalation_of, event_title, is_force
from bwvtool.wording import count

if TYPE_CHECKING:
    from bwvtool.codebook import Codebook
    from bwvtool.coding.model import Event

# Officer language and behaviour worth recognising (Voigt et al. 2017; Todak & James 2018; PACE Code A).
POSITIVE_CODES = frozenset(
    {
        "reason_given",
        "explains_process",
        "invites_voice",
        "active_listening",
        "reassurance",
        "safety_concern",
        "formal_address",
        "apology_thanks",
        "offer_help",
        "self_introduction",
    }
)
DE_ESCALATION_TRACK = "de_escalation"


def _first(events: Sequence[Event], code_id: str) -> Event | None:
    return next((e for e in events if e.code == code_id), None)


def went_well(events: Sequence[Event], codebook: Codebook) -> list[str]:
    """Plain statements of what the coding shows went well (empty when it shows nothing)."""
    lines: list[str] = []
    command, reason = _first(events, "command"), _first(events, "reason_given")
    if reason is not None and (command is None or reason.onset_ms <= command.onset_ms):
        when = f" (at {clock(reason.onset_ms)})"
        after = f", before the first command at {clock(command.onset_ms)}" if command else ""
        lines.append(f"Explained the reason for acting early{when}{after}.")
    skills = Counter(
        e.code
        for e in events
        if e.actor.startswith("officer")
        and (e.code in POSITIVE_CODES or e.track == DE_ESCALATION_TRACK)
        and e.code != "reason_given"
    )
    if skills:
        named = []
        for code_id, count in skills.most_common():
            code = code_of(codebook, code_id)
            label = (code.label if code else code_id).lower()
            named.append(f"{label} ({count}×)" if count > 1 else label)
        lines.append("Used communication and de-escalation skills: " + ", ".join(named) + ".")
    by_id = {e.id: e for e in events}
    for event in events:
        if escalation_of(codebook, event) == "down":
            cause = by_id.get(event.caused_by) if event.caused_by else None
            because = f" after: {event_title(codebook, cause).lower()}" if cause else ""
            lines.append(f"The encounter calmed at {clock(event.onset_ms)}{because}.")
    return lines


def command_before_reason(events: Sequence[Event]) -> str | None:
    """A learning prompt when the first command came before any reason (Rho et al. 2023), else None."""
    command, reason = _first(events, "command"), _first(events, "reason_given")
    if command is None or (reason is not None and reason.onset_ms <= command.onset_ms):
        return None
    later = f"; the first reason followed at {clock(reason.onset_ms)}" if reason else "; no reason was coded"
    return (
        f"The first command came at {clock(command.onset_ms)}{later}. Giving the reason first tends to keep "
        "encounters calmer."
    )


def summary(facts: ClipFacts, review: ReviewSummary, events: Sequence[Event]) -> str:
    """Plain sentences with labels, never ids; force from the catalogue and from the coding each named as such,
    so the summary cannot contradict the facts table above it."""
    codebook = review.codebook
    kinds = Counter(escalation_of(codebook, e) for e in events)
    parts = [
        f"Clip {facts.clip_id} ({facts.officer_ref}), recorded {facts.recorded_at[:10]} in {facts.borough}."
    ]
    if facts.assault_types:
        parts.append(f"Assault on the officer recorded ({', '.join(facts.assault_types).replace('_', ' ')}).")
    parts.append(force_sentence(facts, review, events))
    markers = [
        count(kinds["up"], "escalation"),
        count(kinds["down"], "de-escalation"),
        count(kinds["turning"], "turning point"),
    ]
    parts.append(
        f"{review.coder} coded {count(len(events), 'event')}"
        + (f", among them {_join([m for m in markers if not m.startswith('0 ')])}."
           if kinds["up"] or kinds["down"] or kinds["turning"] else
           "; none marks an escalation, a de-escalation or a turning point.")
    )  # fmt: skip
    return " ".join(parts)


def coded_force(review: ReviewSummary, events: Sequence[Event]) -> list[str] | None:
    """The force coded by the reviewer (labels, in order), or None when the codebook does not code force."""
    if not any(track.id == FORCE_TRACK for track in review.codebook.tracks):
        return None
    return list(dict.fromkeys(event_title(review.codebook, e) for e in events if is_force(e)))


def force_sentence(facts: ClipFacts, review: ReviewSummary, events: Sequence[Event]) -> str:
    """Use of force as the catalogue records it and as the review coded it, each labelled with its source."""
    catalogue = ", ".join(facts.tactics) if facts.tactics else "none"
    coded = coded_force(review, events)
    if coded is None:
        return f"Use of force in the catalogue: {catalogue} (the {review.codebook.title} codebook does not code force)."
    return f"Use of force in the catalogue: {catalogue}; coded by the reviewer: {', '.join(coded) or 'none'}."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def support(review: ReviewSummary) -> str:
    outcome = review.answer_label("outcome")
    if outcome is None:
        has_item = any(item.id == "outcome" for item in review.codebook.review_items)
        return "" if has_item else f"The review ({review.codebook.title}) does not record a PIOSS outcome."
    text = f"PIOSS outcome: {outcome}."
    if review.answers.get("welfare_concern") == "yes":
        text += " The reviewer recorded a welfare concern for the officer."
    return text


def draft_narrative(facts: ClipFacts, review: ReviewSummary, events: Sequence[Event]) -> dict[str, str]:
    """The narrative a new note starts from (every field present, some possibly empty)."""
    codebook = review.codebook
    individual = str(review.answers.get("individual_learning") or "").strip()
    prompt = command_before_reason(events)
    if prompt and not individual:
        individual = prompt
    draft = {
        "summary": summary(facts, review, events),
        "went_well": "\n".join(went_well(events, codebook)),
        "individual_learning": individual,
        "organisational_learning": str(review.answers.get("organisational_learning") or "").strip(),
        "support": support(review),
        "next_steps": "",
    }
    return {key: draft[key] for key in NARRATIVE_IDS}
