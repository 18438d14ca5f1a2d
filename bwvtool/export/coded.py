"""A sample's coding as the analyses' input: :class:`~bwvtool.analysis.events.Clip`,
:class:`~bwvtool.analysis.events.CodedEvent` and review answers, for reliability and sequences.

Who coded a clip: every coder with an event or a clip review on it, or whose assignment to it is complete (a
coder who watched a clip and found nothing to code still agrees with "none"). A reliability assignment that is
not yet coded does not count: that coder is missing, not silent. A state the coder never ended runs to the end
of the clip.

Events coded on incident time (the incident window, ``bwvtool incident code``) belong to their **incident**, not
to the camera they were coded on: they form one unit of analysis, ``incident:<id>``, on the incident clock (as
long as the incident's cameras filmed), coded by every coder with such an event there. Two coders who saw the
same moment on different cameras agree; the order of events across cameras is their order in the incident.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwvtool.analysis.events import Clip, CodedEvent
from bwvtool.errors import UsageError
from bwvtool.store import Workspace
from bwvtool.store import exports as rows_of
from bwvtool.store import incidents as incident_rows
from bwvtool.store import samples as sample_rows
from bwvtool.store.codebooks import StoredCodebook, get_codebook_by_id

if TYPE_CHECKING:
    from bwvtool.analysis.sequences import Transitions


INCIDENT_UNIT = "incident:"


def incident_unit(incident_id: str) -> str:
    """The unit of analysis of events coded on ``incident_id``'s time."""
    return INCIDENT_UNIT + incident_id


@dataclass
class SampleCoding:
    sample: dict[str, Any]
    clips: list[Clip]
    events: list[CodedEvent]
    reviews: dict[str, dict[str, dict[str, Any]]]
    codebooks: list[StoredCodebook]
    reliability_pending: list[tuple[str, str]] = field(
        default_factory=list
    )  # (clip, coder) assigned, not coded

    @property
    def double_coded(self) -> list[Clip]:
        return [clip for clip in self.clips if len(clip.coders) >= 2]

    def tracks(self) -> list[str]:
        return list(dict.fromkeys(t.id for s in self.codebooks for t in s.codebook.tracks))

    def review_levels(self) -> dict[str, tuple[str, ...]]:
        from bwvtool.analysis.reviews import levels_from_codebook

        levels: dict[str, tuple[str, ...]] = {}
        for stored in self.codebooks:
            for item, item_levels in levels_from_codebook(
                stored.codebook.data().get("review_items", [])
            ).items():
                if item_levels:
                    levels.setdefault(item, item_levels)
        return levels

    def counts(self) -> dict[str, int]:
        return {
            "clips": len(self.clips),
            "coded": sum(bool(c.coders) for c in self.clips),
            "double_coded": len(self.double_coded),
            "reliability_pending": len(self.reliability_pending),
            "events": len(self.events),
        }


def load_sample_coding(ws: Workspace, sample_id: int, *, coder: str | None = None) -> SampleCoding:
    """Every coded clip of the sample with its events and review answers (one coder's only, if given)."""
    sample = sample_rows.get_sample(ws.conn, sample_id)
    if sample is None:
        raise UsageError(f"no sample {sample_id} (see 'bwvtool sample list')")
    with rows_of.snapshot(ws.conn) as conn:
        books = [get_codebook_by_id(conn, i) for i in rows_of.codebook_ids(conn, sample_id, coder)]
        is_state = {(s.id, c.id): c.is_state for s in books for c in s.codebook.codes}
        clip_rows = list(rows_of.clip_rows(conn, sample_id))
        durations = {row[0]: round(float(row[6]) * 1000) for row in clip_rows}
        incident_of = {row[0]: row[1] for row in clip_rows}
        coders_of = rows_of.coders_by_clip(conn, sample_id)
        if coder is not None:
            coders_of = {clip: who & {coder} for clip, who in coders_of.items()}
        on_incident = incident_rows.incident_times(conn, list(durations))
        incident_ends = incident_rows.incident_ends(conn, sorted({v[0] for v in on_incident.values()}))
        events = []
        incident_coders: dict[str, set[str]] = {}
        clip_level: dict[str, set[str]] = {}  # who coded events on the clip itself
        for row in rows_of.event_rows(conn, sample_id, coder):
            event_id, clip_id, _, who, codebook_id, track, code, actor, onset, _, offset = row[:11]
            placed = on_incident.get(event_id)
            if placed is not None and placed[0] in incident_ends:
                clip_id, length = incident_unit(placed[0]), round(incident_ends[placed[0]])
                onset = max(0, round(placed[1]))
                offset = None if placed[2] is None else max(onset, round(placed[2]))
                durations.setdefault(clip_id, length)
                incident_coders.setdefault(clip_id, set()).add(who)
            else:
                clip_level.setdefault(clip_id, set()).add(who)
            if offset is None and is_state.get((codebook_id, code), False):
                offset = max(onset, durations[clip_id])  # an open state runs to the end of the clip
            events.append(CodedEvent(clip_id, who, track, code, actor, onset, offset))
        reviews: dict[str, dict[str, dict[str, Any]]] = {}
        for clip_id, _, who, _, _, answers, _, _ in rows_of.review_rows(conn, sample_id, coder):
            reviews.setdefault(clip_id, {})[who] = json.loads(answers)
        # A coder who coded an incident on its clock coded its cameras there: a camera they neither coded on
        # its own nor reviewed is not theirs to agree on (silence there would count as agreeing on "none").
        for clip_id, who in list(coders_of.items()):
            unit = incident_unit(incident_of[clip_id]) if incident_of.get(clip_id) else None
            elsewhere = (
                incident_coders.get(unit, set())
                - clip_level.get(clip_id, set())
                - set(reviews.get(clip_id, {}))
            )
            coders_of[clip_id] = who - elsewhere
        coders_of = {**coders_of, **incident_coders}
        pending = [
            (clip_id, who)
            for clip_id, who, role, _ in rows_of.assignment_rows(conn, sample_id)
            if role == "reliability" and who not in coders_of.get(clip_id, set())
        ]
    clips = [
        Clip(clip_id, durations[clip_id], tuple(sorted(coders_of.get(clip_id, ())))) for clip_id in durations
    ]
    return SampleCoding(sample, clips, events, reviews, books, pending)


def sample_reliability(
    ws: Workspace,
    sample_id: int,
    *,
    bin_ms: int = 1000,
    tolerance_ms: int = 1000,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """:func:`~bwvtool.analysis.report.reliability_report` over the sample's double-coded clips, plus counts.

    :raises UsageError: no clip of the sample is coded by two or more coders yet.
    """
    from bwvtool.analysis.report import reliability_report

    coding = load_sample_coding(ws, sample_id)
    shared = coding.double_coded
    counts = coding.counts()
    if not shared:
        waiting = f", {counts['reliability_pending']} reliability assignment(s) not yet coded" if counts[
            "reliability_pending"] else ""  # fmt: skip
        raise UsageError(
            f"sample {sample_id}: no clip is coded by two or more coders yet ({counts['coded']} of "
            f"{counts['clips']} clips coded{waiting}); double-code a share of the clips (the plan's "
            "assignment.double_code) before computing agreement"
        )
    ids = {clip.clip_id for clip in shared}
    report = reliability_report(
        shared,
        [e for e in coding.events if e.clip_id in ids],
        {clip: answers for clip, answers in coding.reviews.items() if clip in ids},
        bin_ms=bin_ms,
        tolerance_ms=tolerance_ms,
        n_boot=n_boot,
        seed=seed,
        tracks=coding.tracks(),
        review_levels=coding.review_levels(),
    )
    report["sample"] = {"id": sample_id, "name": coding.sample["name"], **counts,
                        "codebooks": [s.codebook.label for s in coding.codebooks]}  # fmt: skip
    return report


def sample_transitions(
    ws: Workspace,
    sample_id: int,
    *,
    by_actor: bool = False,
    label_actor: bool = False,
    coder: str | None = None,
    tracks: list[str] | None = None,
) -> Transitions:
    """Lag-1 transitions of the sample's events (see :func:`bwvtool.analysis.sequences.transitions`)."""
    from bwvtool.analysis.sequences import transitions

    coding = load_sample_coding(ws, sample_id, coder=coder)
    if not coding.events:
        who = f" by {coder}" if coder else ""
        raise UsageError(f"sample {sample_id} has no coded events{who} yet")
    result = transitions(coding.events, by_actor=by_actor, label_actor=label_actor, tracks=tracks or None)
    return replace(result, names=code_names(result.labels, [book.codebook for book in coding.codebooks]))


def code_names(labels: Iterable[str], codebooks: list[Any]) -> dict[str, str]:
    """Codebook labels for transition labels: ``command`` -> ``Command``, ``officer_1:command`` ->
    ``Officer 1 · Command`` (the first codebook that knows the code names it)."""
    from bwvtool.coding.actors import actor_label

    known: dict[str, str] = {}
    for codebook in reversed(codebooks):
        known.update({code.id: code.label for code in codebook.codes})
    names = {}
    for label in labels:
        actor, _, code = label.rpartition(":")
        name = known.get(code, code)
        names[label] = f"{actor_label(actor)} · {name}" if actor else name
    return names


def write_transitions(path: str | Path, result: Transitions) -> int:
    """All given -> target rows (count, expected, adjusted residual, Yule's Q) as formula-safe CSV; row count."""
    from bwvtool.export.tables import Column, Table, TableWriter

    table = Table("transitions", [
        Column("given", "text", "The earlier event's label (code, or actor:code)."),
        Column("target", "text", "The label of the event right after it (lag 1)."),
        Column("count", "integer", "Observed transitions given -> target."),
        Column("expected", "number", "Expected count under independence, row total x column total / N."),
        Column("adjusted_residual", "number", "(observed - expected) / its standard error; |z| > 1.96: p < .05."),
        Column("yules_q", "number", "Yule's Q of the 2x2 table given/not x target/not, from -1 to 1."),
    ])  # fmt: skip
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with TableWriter(path.parent, table, "csv", path=path) as writer:
        for row in result.rows():
            writer.write([row[c.name] for c in table.columns])
    return writer.close().rows
