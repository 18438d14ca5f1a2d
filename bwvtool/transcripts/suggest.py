"""Suggesting language codes from a transcript, and a reviewer's decision on each suggestion.

Suggestions are marks, never codes: :func:`accept` turns one into an event (or a review answer) through the same
core calls a key press makes, and the suggestion keeps the event's id, so every accepted code says where it came
from. Accepting again after a crash between the two steps finds the event already made instead of coding twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bwvtool.errors import UsageError
from bwvtool.store import Workspace
from bwvtool.store import events as event_rows
from bwvtool.store import transcripts as rows
from bwvtool.transcripts.rules import Rule, RuleSet

_WORD = r"[\w']+"


@dataclass(frozen=True)
class Hit:
    """One rule matching one utterance."""

    rule: Rule
    utterance_index: int
    onset_ms: int
    evidence: str


def _speaks(rule: Rule, rules: RuleSet, speaker: str | None) -> bool:
    officer = rules.is_officer(speaker)
    return rule.speaker == "any" or (rule.speaker == "officer") == officer


def _match(rule: Rule, text: str) -> Any:
    if any(p.search(text) for p in rule.exclude):
        return None
    return next((m for p in rule.patterns if (m := p.search(text))), None)


def _onset(utterance: Any, text: str, start: int) -> int:
    """The matched word's time when the transcript has word times, else the utterance's start."""
    import re

    words = getattr(utterance, "words", None)
    if not words:
        return utterance.start_ms
    index = len(re.findall(_WORD, text[:start]))
    return int(words[min(index, len(words) - 1)][0])


def find(rules: RuleSet, utterances: list[Any]) -> list[Hit]:
    """Every rule's hits on ``utterances`` (objects with start_ms, end_ms, speaker, text, optional words)."""
    import re

    hits: list[Hit] = []
    for rule in (r for r in rules.rules if r.kind == "match"):
        for i, u in enumerate(utterances):
            if _speaks(rule, rules, u.speaker) and (m := _match(rule, u.text)):
                hits.append(Hit(rule, i, _onset(u, u.text, m.start()), m.group(0)))
    for rule in (r for r in rules.rules if r.kind == "opening"):
        first, before = rules.rule(rule.first or ""), rules.rule(rule.before or "")
        words_seen = 0
        for i, u in enumerate(utterances):
            if not rules.is_officer(u.speaker):
                continue
            words = re.findall(_WORD, u.text)
            room = rule.within_words - words_seen
            if room <= 0:
                break
            opening = " ".join(words[:room])  # the part of this utterance inside the first N words
            reason, command = _match(before, opening), _match(first, opening)
            if reason and (not command or reason.start() < command.start()):
                break  # a reason came first
            if command:
                hits.append(Hit(rule, i, _onset(u, opening, command.start()), command.group(0)))
                break
            words_seen += len(words)
    return hits


def suggest_for_clip(
    ws: Workspace, clip_id: str, rules: RuleSet, *, actor: str | None = None
) -> tuple[rows.StoredTranscript, int, list[dict[str, Any]]]:
    """Apply ``rules`` to the clip's newest transcript; store new suggestions (earlier ones are kept as decided).

    :returns: the transcript, how many suggestions are new, and all of the clip's suggestions.
    :raises UsageError: unknown clip or no transcript.
    """
    from bwvtool.transcripts.library import transcript_of

    found = transcript_of(ws, clip_id)
    if found is None:
        raise UsageError(f"{clip_id} has no transcript (bwvtool transcript import {clip_id} FILE)")
    utterances = found.utterances
    new_rows = [
        {
            "clip_id": clip_id,
            "transcript_id": found.transcript.id,
            "utterance_id": utterances[h.utterance_index].id,
            "rule": h.rule.id,
            "rules_sha256": rules.sha256,
            "target": h.rule.target,
            "code": h.rule.code,
            "onset_ms": h.onset_ms,
            "offset_ms": utterances[h.utterance_index].end_ms,
            "evidence": h.evidence,
            "reason": h.rule.reason,
        }  # fmt: skip
        for h in find(rules, utterances)
    ]
    with ws.transaction(actor) as tx:
        added = rows.insert_suggestions(tx, new_rows)
        tx.audit("suggestion.run", "clip", clip_id,
                 {"transcript_id": found.transcript.id, "rules_sha256": rules.sha256, "new": added})  # fmt: skip
    return found.transcript, added, rows.suggestions(ws.conn, clip_id)


def _open(ws: Workspace, suggestion_id: int) -> dict[str, Any]:
    found = rows.suggestion(ws.conn, suggestion_id)
    if found is None:
        raise UsageError(f"no suggestion {suggestion_id}")
    if found["status"] != "open":
        raise UsageError(f"suggestion {suggestion_id} is already {found['status']}")
    return found


def accept(
    ws: Workspace, suggestion_id: int, *, coder: str, codebook_key: str | None = None
) -> dict[str, Any]:
    """Code what suggestion ``suggestion_id`` proposes, as ``coder``, and mark it accepted with the event's id.

    A code target becomes a point event at the frame on screen at the suggested time; a review-item target answers
    that item "given" in the coder's review. :raises UsageError: unknown or decided suggestion, a code the
    clip's codebook lacks, a clip without readable media.
    """
    from bwvtool.coding.scripted import add_event, open_session

    found = _open(ws, suggestion_id)
    clip_id = found["clip_id"]
    if found["target"] == "review_item":
        _answer_review(ws, found, coder, codebook_key)
        event_id = None
    else:
        session = open_session(ws, clip_id, coder, codebook_key)
        earlier = _event_made_for(ws, found, session.coder_id)
        event = earlier or add_event(
            ws,
            clip_id=clip_id,
            coder=coder,
            code=found["code"],
            at_ms=found["onset_ms"],
            codebook_key=codebook_key,
        )
        event_id = event.id
    return mark_accepted(ws, suggestion_id, coder=coder, event_id=event_id)


def mark_accepted(ws: Workspace, suggestion_id: int, *, coder: str, event_id: int | None) -> dict[str, Any]:
    """Record that ``coder`` accepted the suggestion, naming the event made from it (the desk codes the event
    through its own session first). :raises UsageError: unknown or already decided."""
    _open(ws, suggestion_id)
    with ws.transaction(coder) as tx:
        if not rows.decide(tx, suggestion_id, "accepted", event_id):
            raise UsageError(f"suggestion {suggestion_id} was decided meanwhile")
    return rows.suggestion(ws.conn, suggestion_id)  # type: ignore[return-value]


def _event_made_for(ws: Workspace, found: dict[str, Any], coder_id: int) -> Any:
    """An event this coder already has for the suggestion (an accept cut short before it was marked)."""
    for event in event_rows.for_clip(ws.conn, found["clip_id"], coder_id):
        near = event.code == found["code"] and 0 <= found["onset_ms"] - event.onset_ms <= 100
        if near and rows.suggestion_for_event(ws.conn, event.id) is None:
            return event
    return None


def _answer_review(ws: Workspace, found: dict[str, Any], coder: str, codebook_key: str | None) -> None:
    from bwvtool.coding.review import save_answer
    from bwvtool.coding.scripted import codebook_for

    with ws.transaction(coder) as tx:
        coder_id = ws.coder_id(tx, coder)
    codebook_id, codebook = codebook_for(ws, found["clip_id"], coder_id, codebook_key)
    if found["code"] not in {item.id for item in codebook.review_items}:
        raise UsageError(f"{codebook.key} has no review item {found['code']}")
    save_answer(ws, clip_id=found["clip_id"], coder=coder, codebook=codebook, codebook_id=codebook_id,
                item_id=found["code"], value="given")  # fmt: skip


def dismiss(ws: Workspace, suggestion_id: int, *, coder: str) -> dict[str, Any]:
    """Mark an open suggestion dismissed (audited). :raises UsageError: unknown or already decided."""
    _open(ws, suggestion_id)
    with ws.transaction(coder) as tx:
        if not rows.decide(tx, suggestion_id, "dismissed"):
            raise UsageError(f"suggestion {suggestion_id} was decided meanwhile")
    return rows.suggestion(ws.conn, suggestion_id)  # type: ignore[return-value]
