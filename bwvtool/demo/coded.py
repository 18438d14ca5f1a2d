"""Synthetic review work for the demo workspace: samples, assignments, coded events and completed reviews.

What it makes (deterministic for a seed; run again, it finds its audit marker and changes nothing):

* **Weekly PIOSS samples** drawn with the built-in ``pioss_weekly`` plan, one per week of the catalogue, handed to
  three demo reviewers. The demo's copy of the plan (named "PIOSS weekly (demo)") drops the "media present" rule,
  since only the newest demo clips have video, and fills the weekly capacity with a borough-stratified random
  sample, as a unit reviewing "a sufficient sample" would.
* **An S&S research sample** from the built-in ``ss_research_study`` plan, scaled to the demo (the last 90 days,
  60 encounters, the demo reviewers as coders; a share double-coded for reliability).
* **Featured encounters**: for each kind of clip a supervisor would debrief (an Op Hampshire assault, a PAVA use, a
  stop and search that escalated and one that stayed calm) the newest sampled clip with video is keyed in through
  :class:`~bwvtool.coding.session.CodingSession` as a reviewer would, at exact frames of the real file: commands,
  reasons, warnings, resistance, assault, force, escalation and de-escalation linked to their causes, turning
  points, demeanour, notes and stars.
* **Outline coding of every other reviewed clip** from its catalogue facts (the tactics and assaults the
  catalogue records, a command and a reason, escalation markers, compliance), inserted through the coding commands
  in one transaction per sample; at the file's exact frames when the clip has video, else at a nominal 25 fps.
* **Completed reviews** with PIOSS outcomes (about 10% support offered, more after an assault on the officer),
  welfare concerns and learning points, and coded learning themes that agree with them (:func:`learning_themes`:
  mostly "no learning identified" when there are no learning points); the newest week is partly still in the
  queue (the backlog), and a few older incidents were never finished (some near their retention date).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bwvtool import sampling
from bwvtool.catalogue.clips import clip_details
from bwvtool.codebook import Codebook
from bwvtool.coding import review as reviews
from bwvtool.coding.commands import AddEvent
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodebookCodes, CodingSession
from bwvtool.errors import BwvError
from bwvtool.report.themes import ITEM as THEMES_ITEM
from bwvtool.report.themes import NO_LEARNING, themes_of
from bwvtool.store import Workspace, audit, browse
from bwvtool.store import queue as queue_rows
from bwvtool.store import reviews as review_rows
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook, lock_if_unlocked

SEED = 2021
CODERS = ("rev.adams", "rev.bailey", "rev.clarke")
MARKER = "demo.code"
NOMINAL_FPS = 25  # the catalogue gives no frame rate; outline coding of clips without video assumes 25 fps


# -- samples -------------------------------------------------------------------------------------------------
def _edited(text: str, edits: Sequence[tuple[str, str]]) -> str:
    """``text`` with each edit applied where its old text occurs exactly once (a reworded plan stays valid)."""
    for old, new in edits:
        if text.count(old) == 1:
            text = text.replace(old, new)
    return text


def weekly_plan_text() -> str:
    """The built-in PIOSS weekly plan as the demo uses it (see the module docstring)."""
    text = _edited(
        sampling.builtin_plan_text("pioss_weekly"),
        [
            ("name: PIOSS weekly\n", "name: PIOSS weekly (demo)\n"),
            ("      - {field: media, op: present}\n", ""),
            (
                "  capacity: 200\n",
                "  capacity: 170\n  sample: {method: stratified, strata: [borough], allocation: proportional,"
                " allow_unsampled_strata: true}\n",
            ),
        ],
    )
    return text + f"\nassignment:\n  coders: [{', '.join(CODERS)}]\n  balance: duration\n"


def research_plan_text() -> str:
    """The built-in S&S research plan scaled to the demo (see the module docstring)."""
    return _edited(
        sampling.builtin_plan_text("ss_research_study"),
        [
            ("name: Stop and search study\n", "name: Stop and search study (demo)\n"),
            ("  window: {relative: last_days, days: 365}\n", "  window: {relative: last_days, days: 90}\n"),
            ("    n: 500\n", "    n: 60\n"),
            # 60 encounters are too few for one from every stratum: proportional, small strata accepted unsampled
            (
                "    allocation: minimum       # one from every non-empty stratum, the rest in proportion\n",
                "",
            ),
            ("    per_stratum: 1\n", "    allocation: proportional\n    allow_unsampled_strata: true\n"),
            ("        min: 150\n", "        min: 20\n"),
            ("assignment:\n", f"assignment:\n  coders: [{', '.join(CODERS)}]\n"),
        ],
    )


def draw_dates(first: date, last: date) -> list[date]:
    """The Monday after each ISO week from ``first`` to ``last``: the weekly plan draws the week before it."""
    monday = first - timedelta(days=first.weekday()) + timedelta(days=7)
    dates = []
    while monday <= last + timedelta(days=7):
        dates.append(monday)
        monday += timedelta(days=7)
    return dates


def draw_samples(ws: Workspace, seed: int, actor: str | None) -> list[int]:
    span = browse.recorded_range(ws.conn)
    if span is None:
        return []
    ids = []
    plans = [(weekly_plan_text(), day) for day in draw_dates(*span)] + [
        (research_plan_text(), span[1] + timedelta(days=1))
    ]
    for number, (text, day) in enumerate(plans):
        try:
            ids.append(sampling.draw(ws, text, seed=seed + number, as_of=day.isoformat(), actor=actor))
        except BwvError:
            continue  # a tiny demo catalogue may leave a plan nothing to draw
    return ids


# -- scripted encounters on the clips with video ---------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One key press: at a share of the clip's length, a code for an actor (a state code starts or ends it)."""

    at: float
    code: str
    actor: str = "officer_1"
    mods: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    star: bool = False
    key: str | None = None  # a name later steps can give as their cause
    cause: str | None = None


S1 = "subject_1"
PIOSS_ASSAULT = (
    Step(
        0.02,
        "demeanour",
        S1,
        {"level": "agitated", "apparent_condition": ["intoxicated"]},
        "Shouting at door staff as officers arrive",
    ),
    Step(0.05, "command", note="'Step away from the door, now.' First words to him.", key="cmd"),
    Step(0.09, "verbal_resistance", S1, note="Refuses to move, swearing"),
    Step(0.13, "reason_given", note="Explains he has been asked to leave and is being moved on"),
    Step(0.17, "escalation_up", S1, note="Squares up to PC when told to leave", cause="cmd"),
    Step(0.21, "threat_warning", note="'Calm down or you will be arrested.'"),
    Step(0.28, "active_resistance", S1, key="resist"),
    Step(
        0.31,
        "assault_on_officer",
        S1,
        {"assault_type": ["kicking", "spitting"]},
        "Kicks out at PC 1 and spits towards her face",
        star=True,
        key="assault",
    ),
    Step(0.33, "turning_point", note="Second officer arrives; PC 1 takes hold", cause="assault"),
    Step(0.35, "restraint", mods={"tactic": "unarmed_skills"}, note="Arm lock, taken against the wall"),
    Step(0.41, "restraint"),  # ended before the cuffs: one running state per track and actor in the session
    Step(
        0.43,
        "handcuffing",
        mods={"tactic": "non_compliant"},
        note="Cuffed to the rear as a colleague holds his arm",
        star=True,
    ),
    Step(0.50, "spit_guard", note="Spit guard after a second attempt to spit"),
    Step(0.55, "active_resistance", S1),
    Step(0.56, "demeanour", S1),
    Step(0.57, "demeanour", S1, {"level": "distressed"}),
    Step(0.60, "tactical_communications", note="Lowers voice, tells him what happens next", key="talk"),
    Step(0.63, "escalation_down", note="He stops struggling as PC 1 explains", cause="talk", star=True),
    Step(0.67, "complies", S1, note="Walks to the van"),
    Step(0.72, "reason_given", note="Explains the arrest for assault on an emergency worker"),
    Step(0.92, "tactical_communications"),
)
PIOSS_PAVA = (
    Step(0.04, "demeanour", S1, {"level": "hostile"}, "Holding a bottle, shouting"),
    Step(0.09, "command", note="'Drop the bottle!'", key="cmd"),
    Step(0.16, "threat_warning", note="'Put it down or you will be sprayed.'"),
    Step(0.22, "active_resistance", S1),
    Step(0.27, "escalation_up", S1, note="Advances on the officers", cause="cmd"),
    Step(0.32, "irritant_spray", mods={"tactic": "drawn"}),
    Step(0.40, "assault_on_officer", S1, {"assault_type": ["pushing"]}, "Pushes PC 1 backwards", star=True),
    Step(
        0.45, "irritant_spray", mods={"tactic": "used"}, note="One short burst, 1-2 m", star=True, key="pava"
    ),
    Step(0.50, "turning_point", note="Drops the bottle after PAVA", cause="pava"),
    Step(0.55, "handcuffing", mods={"tactic": "non_compliant"}),
    Step(0.60, "active_resistance", S1),
    Step(0.70, "escalation_down", note="Aftercare: water, reassurance", cause="pava"),
    Step(0.80, "complies", S1),
    Step(0.88, "reason_given", note="Reason for the arrest given only after the cuffs"),
)
SS_CALM = (
    Step(0.03, "self_introduction", note="Gives name and station"),
    Step(0.08, "formal_address", note="'Sir'"),
    Step(0.11, "demeanour", S1, {"level": "anxious"}),
    Step(0.15, "reason_given", note="Grounds: smell of cannabis from the car", key="reason"),
    Step(0.24, "explains_process", note="Says what the search involves and how long it takes"),
    Step(0.31, "command", note="'Take your hands out of your pockets, please.'"),
    Step(0.36, "verbal_resistance", S1, note="'Why is it always me?'", key="protest"),
    Step(0.42, "escalation_up", S1, cause="protest"),
    Step(0.47, "active_listening", note="Acknowledges his frustration", star=True, key="listen"),
    Step(0.50, "calm"),
    Step(0.55, "invites_voice", note="'Is there anything you want to tell me?'"),
    Step(0.61, "escalation_down", note="He calms and agrees to the search", cause="listen"),
    Step(
        0.62, "turning_point", note="Listening rather than repeating the command", cause="listen", star=True
    ),
    Step(0.66, "verbal_resistance", S1),
    Step(0.67, "demeanour", S1),
    Step(0.68, "demeanour", S1, {"level": "calm"}),
    Step(0.74, "complies", S1),
    Step(0.84, "reassurance", note="'You are not in trouble; this is routine.'"),
    Step(0.92, "apology_thanks", note="Thanks him for his patience"),
    Step(0.96, "calm"),
)
SS_SHARP = (
    Step(
        0.04, "command", note="'Stop there. Hands where I can see them.' No greeting, no reason.", key="cmd"
    ),
    Step(0.09, "demeanour", S1, {"level": "agitated"}),
    Step(0.14, "verbal_resistance", S1, note="'What have I done?'"),
    Step(
        0.19, "escalation_up", S1, note="Reacts to being stopped with no explanation", cause="cmd", star=True
    ),
    Step(0.27, "informal_title", note="'Mate'"),
    Step(0.34, "reason_given", note="Grounds given after the first command: matches a description"),
    Step(0.41, "passive_resistance", S1),
    Step(0.49, "threat_warning", note="'You'll be handcuffed if you don't stand still.'"),
    Step(0.55, "active_resistance", S1, key="pull"),
    Step(0.60, "escalation_up", S1, cause="pull"),
    Step(0.68, "honest_disclosure", note="Explains he is detained for a search and why", key="explain"),
    Step(0.72, "turning_point", cause="explain"),
    Step(0.76, "active_resistance", S1),
    Step(0.80, "escalation_down", cause="explain"),
    Step(0.86, "complies", S1),
)


@dataclass(frozen=True)
class Feature:
    """A scripted encounter, the sample it is taken from, the clips it fits, and the reviewer's own words."""

    script: tuple[Step, ...]
    research: bool
    fits: Any  # clip -> bool
    answers: dict[str, Any]


# Each feature is keyed into the newest sampled clip with video that fits it, in a sample of the right kind.
FEATURES: tuple[Feature, ...] = (
    Feature(
        PIOSS_ASSAULT,
        False,
        lambda c: "op_hampshire" in c["sources"] and bool(c["assault_types"]),
        {
            "outcome": "support_offered",
            "welfare_concern": "yes",
            "individual_learning": "Give the reason before the first instruction: he heard why he was being moved on "
            "only after being told to step away. Consider the spit guard as soon as spitting starts.",
            "organisational_learning": "Spit guards were not carried by the first officers to arrive; check kit "
            "issue on this team.",
        },
    ),
    Feature(
        PIOSS_PAVA,
        False,
        lambda c: "Irritant spray - used" in c["uof_tactics"],
        {
            "outcome": "learning_identified",
            "welfare_concern": "no",
            "individual_learning": "Announce PAVA clearly before using it, and start aftercare straight away. The "
            "reason for the arrest came only after the cuffs; say it as you act.",
        },
    ),
    Feature(
        SS_SHARP,
        True,
        lambda c: "stop_search" in c["sources"] and bool(c["uof_tactics"]),
        {
            "gowisely_grounds": "partial",
            "gowisely_identity": "not_given",
            "gowisely_station": "not_given",
            "pj_voice": 1,
            "pj_dignity_respect": 2,
            "notes": "Opened with a command and no reason; grounds came after the first command, and tension rose "
            "until the officer explained the detention honestly.",
        },
    ),
    Feature(
        SS_CALM,
        True,
        lambda c: "stop_search" in c["sources"] and not c["uof_tactics"],
        {
            "gowisely_grounds": "given",
            "gowisely_identity": "given",
            "gowisely_station": "given",
            "pj_voice": 4,
            "pj_dignity_respect": 4,
            "notes": "Textbook GOWISELY; listening turned the encounter when the subject protested.",
        },
    ),
)


def choose_features(candidates: Sequence[tuple[dict[str, Any], bool]]) -> dict[str, Feature]:
    """Clip id -> feature: for each, the newest clip with video that fits it (``candidates``: (clip, in research))."""
    chosen: dict[str, Feature] = {}
    newest_first = sorted(
        candidates, key=lambda pair: (pair[0]["recorded_at"], pair[0]["clip_id"]), reverse=True
    )
    for feature in FEATURES:
        for clip, in_research in newest_first:
            usable = (
                clip.get("media_path") and in_research == feature.research and clip["clip_id"] not in chosen
            )
            if usable and feature.fits(clip):
                chosen[clip["clip_id"]] = feature
                break
    return chosen


def _as_recorded(step: Step, clip: dict[str, Any]) -> dict[str, Any]:
    """The step's modifiers, with the handcuffing kind the clip's use-of-force form records (when it records one)."""
    tactics = set(clip.get("uof_tactics", []))
    if (
        step.code == "handcuffing"
        and step.mods
        and tactics & {"Compliant handcuffing", "Non-compliant handcuffing"}
    ):
        return {"tactic": "non_compliant" if "Non-compliant handcuffing" in tactics else "compliant"}
    return step.mods


def code_with_video(
    ws: Workspace, clip: dict[str, Any], script: tuple[Step, ...], coder: str, codebook: Codebook, codebook_id: int,
    rng: random.Random, *, second_coder: bool = False, assignment_id: int | None = None,
) -> int:  # fmt: skip
    """Key in the clip's scripted encounter at exact frames of its video; a second coder differs a little."""
    from bwvtool.media.frametimes import frame_at, frame_ms
    from bwvtool.media.probe import frame_times

    path = Path(clip["media_path"])
    times = frame_times(path)
    session = CodingSession(ws, clip_id=clip["clip_id"], coder=coder, codebook_id=codebook_id,
                            codes=CodebookCodes(codebook), assignment_id=assignment_id)  # fmt: skip
    if len(session):
        return 0
    named: dict[str, int] = {}
    for step in script:
        if second_coder and step.note is None and rng.random() < 0.2:
            continue  # the second coder misses a few unremarkable moments
        jitter = rng.randint(-2, 2) if second_coder else 0
        index = min(max(frame_at(times, step.at * times.end_ms) + jitter, 0), len(times) - 1)
        event = session.code_key(step.code, at_ms=frame_ms(times, index), at_frame=index, actor=step.actor,
                                 modifiers=_as_recorded(step, clip) or None, note=step.note)  # fmt: skip
        if event.offset_ms is not None:
            continue  # the key ended a running state
        changes: dict[str, Any] = {}
        if step.star and not (second_coder and rng.random() < 0.3):
            changes["starred"] = True
        if step.cause and step.cause in named:
            changes["caused_by"] = named[step.cause]
        if changes:
            session.edit(event.id, **changes)  # type: ignore[arg-type]
        if step.key:
            named[step.key] = event.id  # type: ignore[assignment]
    return len(session)


# -- outline coding of clips without video ---------------------------------------------------------------------
# Home Office tactic -> (code, modifiers) in the PIOSS codebook.
TACTIC_CODES: dict[str, tuple[str, dict[str, Any]]] = {
    "Compliant handcuffing": ("handcuffing", {"tactic": "compliant"}),
    "Non-compliant handcuffing": ("handcuffing", {"tactic": "non_compliant"}),
    "Unarmed skills": ("restraint", {"tactic": "unarmed_skills"}),
    "Ground restraint": ("restraint", {"tactic": "ground_restraint"}),
    "Limb/body restraints": ("restraint", {"tactic": "limb_body_restraints"}),
    "Other/improvised": ("restraint", {"tactic": "other_improvised"}),
    "CED (Taser) drawn": ("ced", {"tactic": "drawn"}),
    "CED (Taser) aimed": ("ced", {"tactic": "aimed"}),
    "CED (Taser) red-dotted": ("ced", {"tactic": "red_dotted"}),
    "CED (Taser) arced": ("ced", {"tactic": "arced"}),
    "CED (Taser) fired": ("ced", {"tactic": "fired"}),
    "CED (Taser) drive stun": ("ced", {"tactic": "drive_stun"}),
    "CED (Taser) angle drive stun": ("ced", {"tactic": "angle_drive_stun"}),
    "Irritant spray - drawn": ("irritant_spray", {"tactic": "drawn"}),
    "Irritant spray - used": ("irritant_spray", {"tactic": "used"}),
    "Baton drawn": ("baton", {"tactic": "drawn"}),
    "Baton used": ("baton", {"tactic": "used"}),
    "Spit guard": ("spit_guard", {}),
    "Shield": ("shield", {}),
    "AEP aimed": ("aep", {}),
    "Firearm aimed": ("firearm", {"tactic": "aimed"}),
    "Firearm fired": ("firearm", {"tactic": "fired"}),
    "Dog deployed": ("dog", {"tactic": "deployed"}),
    "Dog bite": ("dog", {"tactic": "bite"}),
    "Tactical communications": ("tactical_communications", {}),
}


Outline = tuple[
    str, str, int, int | None, dict[str, Any], str | None
]  # code, actor, onset, offset, mods, cause


def outline_events(clip: dict[str, Any], codebook_key: str, rng: random.Random) -> Iterator[Outline]:
    """A plausible outline of the encounter from the clip's catalogue facts, in time order."""
    span = int(min(clip["duration_s"], 240) * 1000)
    t = rng.randint(0, max(span // 12, 1))

    def later() -> int:
        nonlocal t
        t = min(t + rng.randint(span // 40 + 1, span // 12 + 2), span - 1)
        return t

    forced = [TACTIC_CODES[x] for x in clip.get("uof_tactics", []) if x in TACTIC_CODES]
    if codebook_key != "pioss_review":
        forced = []  # the S&S codebook codes language and behaviour, not force
    hostile = bool(clip.get("assault_types")) or any(code != "tactical_communications" for code, _ in forced)
    level = rng.choice(("agitated", "hostile")) if hostile else rng.choice(("calm", "calm", "anxious"))
    if rng.random() < 0.8:
        yield "demeanour", "subject_1", t, span, {"level": level}, None
    reason_first = rng.random() < (0.45 if hostile else 0.7)
    if reason_first:
        yield "reason_given", "officer_1", later(), None, {}, None
    if codebook_key != "pioss_review":
        for code in rng.sample(
            ("explains_process", "formal_address", "self_introduction", "invites_voice"), 2
        ):
            yield code, "officer_1", later(), None, {}, None
    if rng.random() < 0.85:
        yield "command", "officer_1", later(), None, {}, None
    if hostile or rng.random() < 0.15:
        yield "escalation_up", "subject_1", later(), None, {}, "command"
        start = later()
        yield (
            "active_resistance",
            "subject_1",
            start,
            min(start + rng.randint(span // 20 + 1, span // 4 + 2), span),
            {},
            None,
        )
    if clip.get("assault_types"):
        yield (
            "assault_on_officer",
            "subject_1",
            later(),
            None,
            {"assault_type": list(clip["assault_types"])},
            None,
        )
    for code, mods in forced:
        onset = later()
        state = code in ("handcuffing", "restraint", "tactical_communications")
        yield (
            code,
            "officer_1",
            onset,
            min(onset + rng.randint(span // 10 + 1, span // 3 + 2), span) if state else None,
            mods,
            None,
        )
    if not reason_first and rng.random() < 0.8:
        yield "reason_given", "officer_1", later(), None, {}, None
    if hostile:
        yield "escalation_down", "officer_1", later(), None, {}, "reason_given"
    if rng.random() < 0.7:
        yield "complies", "subject_1", later(), None, {}, None


def add_outline(tx: Any, clip: dict[str, Any], coder_id: int, codebook: Codebook, codebook_id: int,
                times: Any, rng: random.Random, assignment_id: int | None = None) -> int:  # fmt: skip
    """Insert the outline through the coding commands (one audit row each) in the caller's transaction.

    ``times``: the video's :class:`~bwvtool.media.timestamps.FrameTimes` (events land on exact frames), or None.
    """
    from bwvtool.media.frametimes import frame_at, frame_ms

    def at(ms: int | None) -> tuple[int | None, int | None]:
        if ms is None:
            return None, None
        if times is None:
            return ms, ms * NOMINAL_FPS // 1000
        index = frame_at(times, ms)
        return frame_ms(times, index), index

    ids: dict[str, int] = {}
    count = 0
    for code_id, actor, onset, offset, mods, cause in outline_events(clip, codebook.key, rng):
        code = codebook.code(code_id)
        (onset_ms, onset_frame), (offset_ms, offset_frame) = at(onset), at(offset)
        if offset_ms is not None and offset_ms <= onset_ms:  # type: ignore[operator]
            continue  # it would start on the clip's last frame: a state needs at least one frame
        event = Event(
            clip_id=clip["clip_id"], coder_id=coder_id, codebook_id=codebook_id, track=code.track, code=code_id,
            actor=actor, onset_ms=onset_ms, onset_frame=onset_frame,  # type: ignore[arg-type]
            offset_ms=None if offset_ms is None else max(offset_ms, onset_ms),  # type: ignore[type-var]
            offset_frame=None if offset_frame is None else max(offset_frame, onset_frame),  # type: ignore[type-var]
            modifiers=mods, caused_by=ids.get(cause) if cause else None,
            starred=code_id == "assault_on_officer" and rng.random() < 0.5, assignment_id=assignment_id,
        )  # fmt: skip
        command = AddEvent(event, label=f"add {code_id}")
        command.apply(tx)
        ids.setdefault(code_id, command.event.id)  # type: ignore[arg-type]
        count += 1
    return count


# -- reviews ------------------------------------------------------------------------------------------------------
def _always(clip: dict[str, Any]) -> bool:
    return True


def _tactic(word: str) -> Any:
    return lambda clip: any(word in t for t in clip.get("uof_tactics", []))


def _source(name: str) -> Any:
    return lambda clip: name in clip.get("sources", [])


def _assault(kind: str) -> Any:
    return lambda clip: kind in clip.get("assault_types", [])


# Learning points a reviewer might write, each with the clips it fits.
INDIVIDUAL_LEARNING: tuple[tuple[str, Any], ...] = (
    ("Give the reason before the first instruction: he only heard why he was being stopped after being told "
     "what to do.", _always),
    ("Good use of time and distance; say out loud what you are doing so that colleagues can follow.", _always),
    ("Announce PAVA clearly before using it, and start aftercare straight away.", _tactic("Irritant spray")),
    ("Keep the camera recording until the handover: the recording stops before the custody desk.", _always),
    ("Introduce yourself and your station early (GOWISELY); it settles most people.", _source("stop_search")),
    ("Stand off at an angle rather than square on once he became agitated.", _always),
    ("Good handcuffing under pressure; double-lock and check tightness sooner.", _tactic("handcuffing")),
    ("Use plain, respectful language rather than 'mate' with members of the public.", _always),
    ("Well-judged tactical communication: the calm tone de-escalated the encounter.", _always),
    ("After the spitting assault, look after your own welfare: occupational health and TRiM are available.",
     _assault("spitting")),
    ("Consider a spit guard as soon as spitting starts, not after a second attempt.", _assault("spitting")),
    ("The Taser was drawn before any warning; give the warning first when there is time.", _tactic("CED")),
)  # fmt: skip
ORGANISATIONAL_LEARNING: tuple[tuple[str, Any], ...] = (
    ("Spit guards were not carried by the first officers to arrive; check kit issue on this team.", _always),
    ("Radio coverage inside the premises was poor and the request for backup was delayed.", _always),
    ("A refresher on stop and search grounds (PACE Code A) would help: grounds came late in several stops.",
     _source("stop_search")),
    ("Body-worn video was switched on late; remind teams to record before arriving.", _always),
    ("The custody handover took over an hour; review van availability at weekends.", _always),
    ("A single-crewed officer attended a known violent address; review tasking for this location.", _always),
)  # fmt: skip


def _learning(bank: Sequence[tuple[str, Any]], clip: dict[str, Any], rng: random.Random) -> str:
    return rng.choice([text for text, fits in bank if fits(clip)])


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def review_answers(codebook: Codebook, clip: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A completed review's answers for the clip: PIOSS outcomes at the published rates, or S&S ratings."""
    answers: dict[str, Any] = {}
    assaulted = bool(clip.get("assault_types"))
    force = bool(clip.get("uof_tactics"))
    support = 0.34 if assaulted else 0.13 if force else 0.07
    for item in codebook.review_items:
        if item.id == "outcome":
            answers[item.id] = _pick(rng, [("support_offered", support), ("learning_identified", 0.2),
                                           ("referral_professional_standards", 0.012),
                                           ("no_action", 1 - support - 0.212)])  # fmt: skip
        elif item.id == "welfare_concern":
            answers[item.id] = (
                "yes"
                if rng.random() < (0.75 if answers.get("outcome") == "support_offered" else 0.03)
                else "no"
            )
        elif item.id == "individual_learning":
            if answers.get("outcome") in ("learning_identified", "support_offered") and rng.random() < 0.85:
                answers[item.id] = _learning(INDIVIDUAL_LEARNING, clip, rng)
        elif item.id == "organisational_learning":
            if answers.get("outcome") in ("learning_identified", "support_offered") and rng.random() < 0.35:
                answers[item.id] = _learning(ORGANISATIONAL_LEARNING, clip, rng)
        elif item.id == "notes":
            answers[item.id] = "Coded for the S&S study; see the timeline for the escalation sequence."
        elif item.type == "yes_no":
            answers[item.id] = "yes" if rng.random() < 0.88 else "no"
        elif item.type == "scale_0_4":
            answers[item.id] = _pick(rng, [(4, 0.3), (3, 0.4), (2, 0.2), (1, 0.1)])
        elif item.type == "choice":
            ids = [o.id for o in item.options]
            answers[item.id] = (
                _pick(rng, [(ids[0], 0.7), (ids[1], 0.2), (ids[2], 0.1)]) if len(ids) > 2 else ids[0]
            )
    if THEMES_ITEM in {i.id for i in codebook.review_items}:
        answers[THEMES_ITEM] = learning_themes(answers)
    return answers


def learning_themes(answers: dict[str, Any]) -> list[str]:
    """The coded learning themes a reviewer would tick for these answers (no random draws, so the demo's other
    figures stay as they were): the themes the learning points mention, officer welfare after a support offer
    for a welfare concern; for an S&S review, which has no learning points, grounds not fully given, a low dignity
    rating or an incomplete recording. ``none`` when nothing applies."""
    text = " ".join(str(answers.get(k) or "") for k in ("individual_learning", "organisational_learning"))
    found = set(themes_of(text))
    if answers.get("welfare_concern") == "yes" and answers.get("outcome") == "support_offered":
        found.add("officer_welfare")
    if answers.get("gowisely_grounds") in ("partial", "not_given"):
        found.add("reasons_grounds")
    if isinstance(answers.get("pj_dignity_respect"), int) and answers["pj_dignity_respect"] <= 1:
        found.add("language_manner")
    if "gowisely_grounds" in answers and answers.get("whole_encounter_recorded") == "no":
        found.add("bwv_recording")
    return sorted(found) or [NO_LEARNING]


def complete_review(ws: Workspace, clip_id: str, coder: str, codebook: Codebook, codebook_id: int,
                    answers: dict[str, Any], assignment_id: int | None = None) -> None:  # fmt: skip
    """Answer and complete the review through the review form's own functions (each answer audited)."""
    for item_id, value in answers.items():
        reviews.save_answer(ws, clip_id=clip_id, coder=coder, codebook=codebook, codebook_id=codebook_id,
                            item_id=item_id, value=value, assignment_id=assignment_id)  # fmt: skip
    reviews.complete(ws, clip_id=clip_id, coder=coder, codebook=codebook, codebook_id=codebook_id,
                     assignment_id=assignment_id)  # fmt: skip


def _assignment_of(conn: Any, sample_id: int, clip_id: str, coder: str) -> int | None:
    """The coder's assignment of the clip in the sample: the demo codes each sample's clips for that sample."""
    found = [
        a for a in queue_rows.for_coder(conn, coder) if a.sample_id == sample_id and a.clip_id == clip_id
    ]
    return found[0].assignment_id if found else None


@dataclass
class CodedReport:
    """What :func:`code_demo` made (all zero with ``skipped`` when the demo was coded before)."""

    samples: int = 0
    reviews: int = 0
    drafts: int = 0
    events: int = 0
    unreviewed_incidents: int = 0
    with_video: list[str] = field(default_factory=list)
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "reviews": self.reviews,
            "drafts": self.drafts,
            "events": self.events,
            "unreviewed_incidents": self.unreviewed_incidents,
            "coded_with_video": self.with_video,
            "skipped": self.skipped,
        }


def left_open(age: int) -> float:
    """Share of a weekly sample's incidents still unreviewed, by the sample's age in weeks (0: the newest)."""
    return (0.45, 0.12)[age] if age < 2 else 0.03


def code_demo(ws: Workspace, *, seed: int = SEED, actor: str | None = None) -> CodedReport:
    """Draw the demo's samples and do its synthetic review work (see the module docstring); run once per
    workspace (an audit row marks it done)."""
    if audit.recent(ws.conn, 1, entity="demo_coding"):
        return CodedReport(skipped=True)
    ensure_default_codebooks(ws, actor=actor)
    with ws.transaction(actor) as tx:  # the demo's reviewers, before any draw hands them work
        for name in CODERS:
            ws.coder_id(tx, name)
    books = {key: get_codebook(ws.conn, key) for key in ("pioss_review", "ss_language_behaviour")}
    sample_ids = draw_samples(ws, seed, actor)
    report = CodedReport(samples=len(sample_ids))
    rng = random.Random(seed)
    research = [s for s in sample_ids if sampling.get_sample(ws, s)["codebook"] == "ss_language_behaviour"]
    weekly = [s for s in sample_ids if s not in research]
    work = {s: sampling.sample_items(ws, s) for s in research + weekly}
    clips = {i["clip_id"]: clip_details(ws, i["clip_id"]) for items in work.values() for i in items}
    featured = choose_features(
        [(clips[i["clip_id"]], s in research) for s, items in work.items() for i in items]
    )
    done: set[str] = set()  # clips reviewed already (a research clip may be drawn in a weekly sample too)
    for sample_id in research + weekly:
        stored = books["ss_language_behaviour" if sample_id in research else "pioss_review"]
        open_share = left_open(len(weekly) - 1 - weekly.index(sample_id)) if sample_id in weekly else 0.0
        by_incident: dict[str, list[dict[str, Any]]] = {}
        for item in work[sample_id]:
            by_incident.setdefault(item["incident_id"], []).append(item)
        outline: list[tuple[dict[str, Any], str, bool]] = []
        for incident in sorted(by_incident):
            items = [i for i in by_incident[incident] if i["clip_id"] not in done]
            if not items:
                continue
            if not any(i["clip_id"] in featured for i in items) and rng.random() < open_share:
                report.unreviewed_incidents += 1
                if rng.random() < 0.3:  # opened, not finished: a draft review
                    outline.append((clips[items[0]["clip_id"]], items[0]["coder"], False))
                continue
            for item in items:
                clip = clips[item["clip_id"]]
                feature = featured.get(clip["clip_id"])
                if feature is not None and feature.research != (sample_id in research):
                    continue  # keyed in where its codebook is used: in its other sample
                done.add(clip["clip_id"])
                coders = [(item["coder"], False)]
                coders += [(c, True) for c in (item["reliability_coder"] or "").split(";") if c]
                for coder, second in coders:
                    if feature is None:
                        outline.append((clip, coder, True))
                        continue
                    assignment_id = _assignment_of(ws.conn, sample_id, clip["clip_id"], coder)
                    report.events += code_with_video(ws, clip, feature.script, coder, stored.codebook, stored.id, rng,
                                                     second_coder=second, assignment_id=assignment_id)  # fmt: skip
                    answers = review_answers(stored.codebook, clip, rng)
                    if not second:
                        answers.update(feature.answers)
                        if THEMES_ITEM in answers:  # the reviewer's own learning points: themes to match
                            answers[THEMES_ITEM] = learning_themes(answers)
                    complete_review(
                        ws, clip["clip_id"], coder, stored.codebook, stored.id, answers, assignment_id
                    )
                    report.with_video.append(clip["clip_id"])
                    report.reviews += 1
        _write_outlines(ws, sample_id, outline, stored.codebook, stored.id, rng, report, actor)
    report.with_video = sorted(set(report.with_video))
    with ws.transaction(actor) as tx:
        tx.audit(MARKER, "demo_coding", None, {"seed": seed, **report.as_dict()})
    return report


def _write_outlines(ws: Workspace, sample_id: int, work: list[tuple[dict[str, Any], str, bool]], codebook: Codebook,
                    codebook_id: int, rng: random.Random, report: CodedReport, actor: str | None) -> None:  # fmt: skip
    """Outline events and reviews of one sample's clips (all but the featured ones), in one transaction."""
    if not work:
        return
    from bwvtool.media.frametimes import FrameTimesCache

    videos = FrameTimesCache()
    with ws.transaction(actor) as tx:
        lock_if_unlocked(tx, codebook_id)
        for clip, coder, complete in work:
            coder_id = ws.coder_id(tx, coder)
            assignment_id = _assignment_of(tx.conn, sample_id, clip["clip_id"], coder)
            times = None
            if clip.get("media_path"):
                try:
                    times = videos.read(clip["media_path"])[1]
                except BwvError:
                    times = None  # unreadable video: nominal frames, as for a clip without one
            if complete:
                report.events += add_outline(
                    tx, clip, coder_id, codebook, codebook_id, times, rng, assignment_id
                )
            answers = review_answers(codebook, clip, rng)
            if not complete:
                answers = {
                    k: v for k, v in answers.items() if k in ("whole_encounter_recorded", "audio_quality")
                }
            problems = codebook.review_problems(answers, complete=complete)
            if problems:
                raise BwvError("demo review answers do not fit the codebook: " + "; ".join(problems))
            status = "complete" if complete else "draft"
            review_rows.save(tx, clip_id=clip["clip_id"], coder_id=coder_id, codebook_id=codebook_id,
                             answers=answers, status=status, assignment_id=assignment_id)  # fmt: skip
            # The queue follows, as when a reviewer works through it: in progress, then complete.
            changed = queue_rows.set_status(
                tx,
                clip_id=clip["clip_id"],
                coder_id=coder_id,
                status="complete" if complete else "in_progress",
                assignment_id=assignment_id,
            )
            action = "review.complete" if complete else "review.answer"
            detail = {"answers": len(answers), "assignments": changed, "demo": True}
            tx.audit(action, "clip_review", f"{clip['clip_id']}/{coder}", detail)
            if complete:
                report.reviews += 1
            else:
                report.drafts += 1
