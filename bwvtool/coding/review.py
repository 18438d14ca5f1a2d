"""The clip review form's core: answers checked against the codebook, saved as a draft on every change,
and marked complete only when every required item is answered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bwvtool.codebook import Codebook
from bwvtool.codebook.model import is_unanswered
from bwvtool.errors import BwvError
from bwvtool.store import Workspace
from bwvtool.store import queue as queue_rows
from bwvtool.store import reviews as review_rows
from bwvtool.store.codebooks import lock_if_unlocked


class ReviewIncomplete(BwvError):
    """Required review items are unanswered, or an answer is not allowed."""


@dataclass(frozen=True)
class LoadedReview:
    """A review as read: answers, status ('draft', 'complete', or 'new' when nothing is saved), and the version
    a save must name (0: nothing saved yet)."""

    answers: dict[str, Any]
    status: str
    version: int


def load_review(ws: Workspace, clip_id: str, coder_id: int, assignment_id: int | None = None) -> LoadedReview:
    """The coder's saved review of one assignment (None: clip-level)."""
    stored = review_rows.get(ws.conn, clip_id, coder_id, assignment_id)
    if stored is None:
        return LoadedReview({}, "new", 0)
    return LoadedReview(stored.answers, stored.status, stored.version)


def load_answers(
    ws: Workspace, clip_id: str, coder_id: int, assignment_id: int | None = None
) -> tuple[dict[str, Any], str]:
    """The coder's saved answers and status ('draft', 'complete', or 'new' when nothing is saved)."""
    loaded = load_review(ws, clip_id, coder_id, assignment_id)
    return loaded.answers, loaded.status


def save_answer(
    ws: Workspace,
    *,
    clip_id: str,
    coder: str,
    codebook: Codebook,
    codebook_id: int,
    item_id: str,
    value: Any,
    assignment_id: int | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """Set one answer (``None``, ``""`` or an empty list clears it) and commit; a completed review returns to
    draft when changed. A multiple answer is stored as a sorted list of option ids. ``version``: the review's
    version as read (0: none was saved); the save then raises its version by one, or, when someone else saved
    it meanwhile, writes nothing and raises :class:`~bwvtool.errors.ChangedElsewhere`."""
    if item_id in {i.id for i in codebook.review_items}:
        value = codebook.review_item(item_id).normalise(value)
    with ws.transaction(coder) as tx:
        coder_id = ws.coder_id(tx, coder)
        stored = review_rows.get(tx.conn, clip_id, coder_id, assignment_id)
        answers = dict(stored.answers) if stored else {}
        if is_unanswered(value):
            answers.pop(item_id, None)
        else:
            answers[item_id] = value
        problems = codebook.review_problems(answers)
        if problems:
            raise ReviewIncomplete("; ".join(problems))
        lock_if_unlocked(tx, codebook_id)
        review_rows.save(
            tx,
            clip_id=clip_id,
            coder_id=coder_id,
            codebook_id=codebook_id,
            answers=answers,
            status="draft",
            assignment_id=assignment_id,
            version=version,
        )
        tx.audit(
            "review.answer",
            "clip_review",
            f"{clip_id}/{coder}",
            {"item": item_id, "value": value, "assignment": assignment_id},
        )
    return answers


def complete(
    ws: Workspace,
    *,
    clip_id: str,
    coder: str,
    codebook: Codebook,
    codebook_id: int,
    assignment_id: int | None = None,
    version: int | None = None,
) -> None:
    """Mark the review complete (and its assignment; every assignment of the coder's on the clip for clip-level
    work); refused (nothing changes) while a required item is unanswered, or (``version``, as in
    :func:`save_answer`) when someone else saved the review since it was read."""
    with ws.transaction(coder) as tx:
        coder_id = ws.coder_id(tx, coder)
        stored = review_rows.get(tx.conn, clip_id, coder_id, assignment_id)
        answers = stored.answers if stored else {}
        problems = codebook.review_problems(answers, complete=True)
        if problems:
            raise ReviewIncomplete("review not complete: " + "; ".join(problems))
        lock_if_unlocked(tx, codebook_id)
        review_rows.save(
            tx,
            clip_id=clip_id,
            coder_id=coder_id,
            codebook_id=codebook_id,
            answers=answers,
            status="complete",
            assignment_id=assignment_id,
            version=version,
        )
        changed = queue_rows.set_status(
            tx, clip_id=clip_id, coder_id=coder_id, status="complete", assignment_id=assignment_id
        )
        tx.audit(
            "review.complete",
            "clip_review",
            f"{clip_id}/{coder}",
            {"answers": len(answers), "assignments": changed, "assignment": assignment_id},
        )


def flag_clip(
    ws: Workspace, *, clip_id: str, coder: str, reason: str, assignment_id: int | None = None
) -> None:
    """Flag the coder's assignment of a clip (media problem, needs a second look …) with a reason."""
    if not reason.strip():
        raise BwvError("say why the clip is flagged")
    with ws.transaction(coder) as tx:
        coder_id = ws.coder_id(tx, coder)
        changed = queue_rows.set_status(
            tx, clip_id=clip_id, coder_id=coder_id, status="flagged", assignment_id=assignment_id
        )
        tx.audit("assignment.flag", "clip", clip_id, {"reason": reason.strip(), "assignments": changed})
