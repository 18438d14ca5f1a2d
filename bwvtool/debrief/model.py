"""What a debrief note holds: the clip's facts, the review, the key moments, and the supervisor's narrative.

The objects are plain data built by :mod:`bwvtool.debrief.build`; the renderers (:mod:`.html`, the app's PDF
writer) only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bwvtool.coding.actors import actor_label  # noqa: F401 (re-exported: the desk's names for actors)

if TYPE_CHECKING:  # the codebook package loads jsonschema: not needed to hold a note
    from bwvtool.codebook import Codebook
    from bwvtool.coding.model import Event


@dataclass(frozen=True)
class NarrativeField:
    """One part of the note the supervisor writes (or edits from the review's draft)."""

    id: str
    label: str
    help: str


NARRATIVE_FIELDS: tuple[NarrativeField, ...] = (
    NarrativeField("summary", "Summary", "What happened, in two or three sentences."),
    NarrativeField("went_well", "What went well", "Skills to recognise and keep using."),
    NarrativeField(
        "individual_learning", "Learning points for the officer", "Supportive, specific, practical."
    ),
    NarrativeField(
        "organisational_learning",
        "Learning points for the organisation",
        "Training, equipment, policy, tasking.",
    ),
    NarrativeField("support", "Support offered", "PIOSS outcome, welfare, who follows up."),
    NarrativeField("next_steps", "Agreed next steps", "What the officer and supervisor agreed, and by when."),
)
NARRATIVE_IDS: tuple[str, ...] = tuple(f.id for f in NARRATIVE_FIELDS)

SOURCE_LABELS: dict[str, str] = {
    "op_hampshire": "Op Hampshire (assault on an officer or staff member)",
    "dcb": "Daily command briefing",
    "stop_search": "Stop and search",
    "use_of_force": "Use of force",
    "vehicle_stop": "Vehicle stop",
    "social_media": "Social media",
    "self_referral": "Self-referral",
    "manager_referral": "Line-manager referral",
    "complaint": "Complaint",
    "cmg_request": "Community monitoring group request",
}

SS_POWER_LABELS: dict[str, str] = {
    "s1_pace": "s1 PACE",
    "s23_mda": "s23 Misuse of Drugs Act",
    "s60_cjpoa": "s60 CJPOA",
    "s47a_tact": "s47A Terrorism Act",
    "s43_tact": "s43 Terrorism Act",
    "other": "Other power",
}
SS_OUTCOME_LABELS: dict[str, str] = {
    "nfa": "No further action",
    "arrest": "Arrest",
    "community_resolution": "Community resolution",
    "penalty_notice": "Penalty notice",
    "cannabis_warning": "Cannabis warning",
    "summons": "Summons",
    "other": "Other outcome",
}


def humanise(value: str) -> str:
    """``verbal_threat`` -> ``Verbal threat``."""
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


def clock(ms: float) -> str:
    """A time in the clip as ``MM:SS.mmm`` (``H:MM:SS.mmm`` past an hour)."""
    total = int(max(ms, 0))
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    head = f"{hours}:{minutes:02d}" if hours else f"{minutes:02d}"
    return f"{head}:{seconds:02d}.{millis:03d}"


@dataclass(frozen=True)
class ClipFacts:
    """What a supervisor may see about the clip: no subject demographics."""

    clip_id: str
    incident_id: str
    recorded_at: str
    duration_s: float
    officer_ref: str
    borough: str
    bcu: str | None
    sources: tuple[str, ...]
    tactics: tuple[str, ...]
    assault_types: tuple[str, ...]
    ss_power: str | None
    ss_outcome: str | None
    media_path: str | None
    media_status: str

    @classmethod
    def from_clip(cls, clip: dict[str, Any]) -> ClipFacts:
        """From :func:`bwvtool.catalogue.clips.clip_details`."""
        return cls(
            clip_id=clip["clip_id"],
            incident_id=clip["incident_id"],
            recorded_at=clip["recorded_at"],
            duration_s=float(clip["duration_s"]),
            officer_ref=clip["officer_ref"],
            borough=clip["borough"],
            bcu=clip.get("bcu"),
            sources=tuple(clip.get("sources") or ()),
            tactics=tuple(clip.get("uof_tactics") or ()),
            assault_types=tuple(clip.get("assault_types") or ()),
            ss_power=clip.get("ss_power"),
            ss_outcome=clip.get("ss_outcome"),
            media_path=clip.get("media_path"),
            media_status=clip.get("media_status") or "unchecked",
        )


@dataclass(frozen=True)
class ReviewSummary:
    """The completed review the note is built from."""

    coder: str
    coder_id: int
    codebook: Codebook
    codebook_id: int
    completed_at: str
    answers: dict[str, Any]

    def answer_label(self, item_id: str) -> str | None:
        """The answer to ``item_id`` as its label (``Support offered``), or None when unanswered/unknown."""
        value = self.answers.get(item_id)
        if value in (None, ""):
            return None
        try:
            item = self.codebook.review_item(item_id)
        except KeyError:
            return str(value)
        if item.type == "multiple":  # several options: their labels, in the codebook's order
            return item.answer_text(value) or None
        for option in item.options:
            if option.id == value:
                return option.label
        if item.type == "yes_no":
            return "Yes" if value == "yes" else "No"
        if item.type == "scale_0_4" and item.anchors:
            return f"{value} ({item.anchors[int(value)]})"
        return str(value)

    @property
    def outcome(self) -> str | None:
        """The PIOSS outcome id (``support_offered`` …), when the codebook asks for one."""
        value = self.answers.get("outcome")
        return str(value) if value else None


@dataclass(frozen=True)
class KeyMoment:
    """An event worth talking about, why it was picked, and the frame on screen at that moment.

    :param reasons: e.g. ``("starred by the reviewer", "first command")``.
    :param still_png: the frame at the event's onset as PNG bytes (None when the video could not be read).
    :param still_problem: why there is no still.
    """

    number: int
    event: Event
    title: str
    detail: str
    reasons: tuple[str, ...]
    still_png: bytes | None = None
    still_size: tuple[int, int] | None = None
    still_problem: str | None = None

    def with_still(self, png: bytes | None, size: tuple[int, int] | None, problem: str | None) -> KeyMoment:
        return replace(self, still_png=png, still_size=size, still_problem=problem)


@dataclass(frozen=True)
class DebriefNote:
    """Everything a debrief note shows. ``version`` is None for a draft not yet saved."""

    facts: ClipFacts
    review: ReviewSummary
    events: tuple[Event, ...]
    moments: tuple[KeyMoment, ...]
    narrative: dict[str, str]
    version: int | None = None
    saved_at: str | None = None
    saved_by: str | None = None
    generated_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def codebook(self) -> Codebook:
        return self.review.codebook

    def with_narrative(self, narrative: dict[str, str]) -> DebriefNote:
        return replace(self, narrative=dict(narrative), version=None, saved_at=None, saved_by=None)

    def with_moments(self, moments: tuple[KeyMoment, ...]) -> DebriefNote:
        return replace(self, moments=moments)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready outline (no images) for the command line."""
        return {
            "clip_id": self.facts.clip_id,
            "officer_ref": self.facts.officer_ref,
            "recorded_at": self.facts.recorded_at,
            "borough": self.facts.borough,
            "coder": self.review.coder,
            "codebook": self.codebook.label,
            "review_completed_at": self.review.completed_at,
            "outcome": self.review.outcome,
            "events": len(self.events),
            "version": self.version,
            "saved_at": self.saved_at,
            "saved_by": self.saved_by,
            "key_moments": [
                {
                    "number": m.number,
                    "at_ms": m.event.onset_ms,
                    "frame": m.event.onset_frame,
                    "title": m.title,
                    "reasons": list(m.reasons),
                    "note": m.event.note,
                    "still": m.still_png is not None,
                    "still_problem": m.still_problem,
                }
                for m in self.moments
            ],
            "narrative": dict(self.narrative),
        }
