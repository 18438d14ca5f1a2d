"""Which coding a coder works on: the assignment (sample, clip, coder) and the codebook it is coded with.

A sample names its codebook, so every assignment of the sample is coded with it, whatever was coded before on
the same clip for another sample. One clip in two samples for one coder is two codings: events and reviews carry
the assignment they were coded for. Work outside any assignment is clip-level (``assignment_id`` None) and is
coded with the codebook the coder chooses. An event keeps the codebook version it was coded with: a coding that
has events goes on with their version even after a newer version of the sample's codebook is imported.
See docs/coding.md ("Assignments and codebooks").
"""

from __future__ import annotations

from dataclasses import dataclass

from bwvtool.codebook import Codebook
from bwvtool.errors import UsageError
from bwvtool.store import Workspace
from bwvtool.store import codebooks as codebook_rows
from bwvtool.store import events as event_rows
from bwvtool.store import queue as queue_rows
from bwvtool.store import reviews as review_rows
from bwvtool.store.queue import QueueItem


@dataclass(frozen=True)
class Coding:
    """One coder's work on one clip for one assignment (or clip-level), with the codebook it uses."""

    clip_id: str
    coder_id: int
    assignment: QueueItem | None
    codebook_id: int
    codebook: Codebook

    @property
    def assignment_id(self) -> int | None:
        return None if self.assignment is None else self.assignment.assignment_id

    def describe(self) -> str:
        """'sample 3 (Stop and search study (2026-12-04)), codebook ss_language_behaviour v1', for messages."""
        book = f"codebook {self.codebook.key} v{self.codebook.version}"
        if self.assignment is None:
            return f"clip-level work, {book}"
        return f"sample {self.assignment.sample_id} ({self.assignment.sample_name}), {book}"


def assignment_for(
    ws: Workspace,
    clip_id: str,
    coder_id: int,
    *,
    assignment_id: int | None = None,
    sample_id: int | None = None,
) -> QueueItem | None:
    """The coder's assignment of ``clip_id`` to work on: the one named (by id or by sample), else their only one;
    None when they have none (clip-level work).

    :raises UsageError: the named assignment is not theirs on this clip, or they have several and named none.
    """
    mine = queue_rows.for_clip(ws.conn, clip_id, coder_id)
    if assignment_id is not None or sample_id is not None:
        found = [
            a
            for a in mine
            if (assignment_id is None or a.assignment_id == assignment_id)
            and (sample_id is None or a.sample_id == sample_id)
        ]
        if not found:
            which = f"sample {sample_id}" if sample_id is not None else f"assignment {assignment_id}"
            raise UsageError(f"{clip_id} is not assigned to you in {which}")
        return found[0]
    if len(mine) > 1:
        listed = "; ".join(f"sample {a.sample_id}: {a.sample_name}" for a in mine)
        raise UsageError(
            f"{clip_id} is assigned to you in {len(mine)} samples ({listed}): say which with --sample"
        )
    return mine[0] if mine else None


def coding_for(
    ws: Workspace, clip_id: str, coder_id: int, assignment: QueueItem | None, key: str | None = None
) -> Coding:
    """The codebook of one coding: the version its events (or review) already use, else the latest version of
    the sample's codebook, else ``key`` (clip-level work, or an old sample that names no codebook).

    :raises UsageError: ``key`` differs from the sample's codebook or from what the coding already uses, or no
        codebook is known.
    """
    bound = None if assignment is None else assignment.codebook
    if key and bound and key != bound:
        raise UsageError(
            f"sample {assignment.sample_id} ({assignment.sample_name}) is coded with {bound}, not {key}"  # type: ignore[union-attr]
        )
    known = known_coding(ws, clip_id, coder_id, assignment)
    if known is not None:
        if key and known.codebook.key != key:
            raise UsageError(f"{clip_id} is already coded by this coder with {known.codebook.key}, not {key}")
        return known
    if not key:
        raise UsageError("say which codebook to code with (--codebook KEY)")
    stored = codebook_rows.get_codebook(ws.conn, key)
    return Coding(clip_id, coder_id, assignment, stored.id, stored.codebook)


def known_coding(ws: Workspace, clip_id: str, coder_id: int, assignment: QueueItem | None) -> Coding | None:
    """The coding with the codebook it already uses (its events', else its review's), else its sample's; None
    when neither is known (clip-level work not begun, or an old sample naming no codebook): the coder chooses."""
    assignment_id = None if assignment is None else assignment.assignment_id
    used = event_rows.codebook_coded_with(ws.conn, clip_id, coder_id, assignment_id)
    if used is None:
        review = review_rows.get(ws.conn, clip_id, coder_id, assignment_id)
        used = None if review is None else review.codebook_id
    if used is not None:
        stored = codebook_rows.get_codebook_by_id(ws.conn, used)
    elif assignment is not None and assignment.codebook is not None:
        stored = codebook_rows.get_codebook(ws.conn, assignment.codebook)
    else:
        return None
    return Coding(clip_id, coder_id, assignment, stored.id, stored.codebook)


def open_coding(
    ws: Workspace,
    clip_id: str,
    coder_id: int,
    *,
    key: str | None = None,
    assignment_id: int | None = None,
    sample_id: int | None = None,
) -> Coding:
    """:func:`assignment_for` then :func:`coding_for`: what the CLI and the desk open."""
    assignment = assignment_for(ws, clip_id, coder_id, assignment_id=assignment_id, sample_id=sample_id)
    return coding_for(ws, clip_id, coder_id, assignment, key)
