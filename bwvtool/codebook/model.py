"""Typed, immutable codebook objects built from a validated codebook document.

Build them with :func:`bwvtool.codebook.load_codebook` (a file) or :func:`from_data` (an already validated
document, e.g. a stored body). Defaults the schema leaves implicit are filled in here, once.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bwvtool.codebook.keys import normalise_shortcut

ActorKind = Literal["officer", "subject", "third_party"]
ACTOR_KINDS: tuple[ActorKind, ...] = ("officer", "subject", "third_party")
YES_NO: tuple[str, ...] = ("yes", "no")
SCALE_0_4: tuple[int, ...] = (0, 1, 2, 3, 4)


def canonical_json(data: Any) -> str:
    """The stored form of a document: sorted keys, no spaces, UTF-8. Its SHA-256 identifies the codebook."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class ModifierSet:
    """What the coder is asked when recording an event: one choice, several choices, or a number."""

    id: str
    label: str
    type: Literal["single", "multiple", "number"]
    options: tuple[Option, ...] = ()
    default: str | tuple[str, ...] | float | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = True
    unit: str = ""
    required: bool = False
    description: str = ""

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not an acceptable answer (None when it is). A missing answer is None."""
        if value is None:
            return f"{self.label}: an answer is required" if self.required else None
        if self.type == "single":
            if value not in self.option_ids:
                return f"{self.label}: {value!r} is not one of {', '.join(self.option_ids)}"
        elif self.type == "multiple":
            if not isinstance(value, list | tuple) or not set(value) <= set(self.option_ids):
                return f"{self.label}: expected a list of {', '.join(self.option_ids)}"
            if self.required and not value:
                return f"{self.label}: choose at least one"
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"{self.label}: expected a number"
            if self.integer and value != int(value):
                return f"{self.label}: expected a whole number"
            if not self.minimum <= value <= self.maximum:  # type: ignore[operator]
                return f"{self.label}: {value} is outside {self.minimum:g}..{self.maximum:g}"
        return None


@dataclass(frozen=True)
class Track:
    id: str
    label: str
    description: str = ""
    kinds: tuple[str, ...] = ("point", "state")
    colour: str | None = None
    exclusive: bool = True
    actors: tuple[ActorKind, ...] = ACTOR_KINDS
    default_actor: ActorKind = "officer"


@dataclass(frozen=True)
class Code:
    id: str
    label: str
    track: str
    type: Literal["point", "state"]
    description: str = ""
    shortcut: str | None = None
    actors: tuple[ActorKind, ...] = ACTOR_KINDS
    default_actor: ActorKind = "officer"
    modifiers: tuple[ModifierSet, ...] = ()
    starrable: bool = False
    escalation: Literal["up", "down"] | None = None
    links_cause: bool = False
    turning_point: bool = False

    @property
    def is_state(self) -> bool:
        return self.type == "state"

    def modifier_problems(self, values: Mapping[str, Any]) -> list[str]:
        """Why ``values`` (modifier id → answer) are not acceptable for this code; empty when fine."""
        known = {m.id for m in self.modifiers}
        problems = [f"{self.id} has no modifier {key!r}" for key in values if key not in known]
        problems += [p for m in self.modifiers if (p := m.problem(values.get(m.id))) is not None]
        return problems


def is_unanswered(value: Any) -> bool:
    """True for a missing review answer: None, an empty text, or an empty multiple choice."""
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


@dataclass(frozen=True)
class ReviewItem:
    """A question answered once per clip. A ``multiple`` item's answer is a sorted list of option ids; its
    ``exclusive_options`` (e.g. ``none``) may only be chosen alone; ``required`` means at least one option."""

    id: str
    label: str
    type: Literal["choice", "multiple", "yes_no", "scale_0_4", "text"]
    options: tuple[Option, ...] = ()
    required: bool = False
    help: str = ""
    section: str = ""
    anchors: tuple[str, ...] = ()
    exclusive_options: tuple[str, ...] = ()

    @property
    def choices(self) -> tuple[str | int, ...]:
        """The acceptable answers; for a multiple item the option ids a list may hold (empty for text)."""
        if self.type in ("choice", "multiple"):
            return tuple(o.id for o in self.options)
        return {"yes_no": YES_NO, "scale_0_4": SCALE_0_4}.get(self.type, ())

    def normalise(self, value: Any) -> Any:
        """``value`` in its stored form: a multiple answer sorted without repeats (None when empty)."""
        # Anything but a list of strings is left as it is, for problem() to name.
        if (
            self.type == "multiple"
            and isinstance(value, list | tuple)
            and all(isinstance(v, str) for v in value)
        ):
            return sorted(set(value)) or None
        return value

    def toggle(self, value: Any, option_id: str) -> list[str] | None:
        """A multiple answer after ticking or unticking ``option_id``: ticking an exclusive option (``none``)
        clears the others, and ticking any other option clears the exclusive ones."""
        chosen = set(value) if isinstance(value, list | tuple) else set()
        if option_id in chosen:
            chosen.discard(option_id)
        elif option_id in self.exclusive_options:
            chosen = {option_id}
        else:
            chosen = (chosen - set(self.exclusive_options)) | {option_id}
        return self.normalise(list(chosen))

    def parse(self, text: str) -> Any:
        """An answer typed as text (the command line): ``a,b,c`` for a multiple item, a whole number for a
        0-4 scale, anything else as it is; an empty text is no answer (None)."""
        text = text.strip()
        if not text:
            return None
        if self.type == "multiple":
            return self.normalise([part.strip() for part in text.split(",") if part.strip()])
        if self.type == "scale_0_4" and text.isdigit():
            return int(text)
        return text

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not an acceptable answer (None when it is, or when it is missing)."""
        if is_unanswered(value):
            return None
        if self.type == "text":
            return None if isinstance(value, str) else f"{self.label}: expected text"
        if self.type == "multiple":
            return self._multiple_problem(value)
        if isinstance(value, bool) or value not in self.choices:
            return f"{self.label}: {value!r} is not one of {', '.join(map(str, self.choices))}"
        return None

    def _multiple_problem(self, value: Any) -> str | None:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return f"{self.label}: expected a list of option ids among {', '.join(map(str, self.choices))}"
        unknown = [v for v in value if v not in self.choices]
        if unknown:
            listed = ", ".join(map(repr, unknown))
            return f"{self.label}: {listed} is not an option ({', '.join(map(str, self.choices))})"
        if len(set(value)) != len(value):
            return f"{self.label}: an option is chosen twice"
        for option in self.exclusive_options:
            if option in value and len(value) > 1:
                return f"{self.label}: {option!r} cannot be combined with other options"
        return None

    def answer_text(self, value: Any) -> str:
        """``value`` in words: option labels (a multiple answer's in option order), Yes/No, a scale's anchor."""
        if is_unanswered(value):
            return ""
        labels = {o.id: o.label for o in self.options}
        if self.type == "multiple" and isinstance(value, list | tuple):
            chosen = set(value)
            known = [o.label for o in self.options if o.id in chosen]
            return ", ".join(known + [str(v) for v in value if v not in labels])
        if self.type == "yes_no":
            return {"yes": "Yes", "no": "No"}.get(value, str(value))
        if self.type == "scale_0_4" and self.anchors and value in SCALE_0_4:
            return f"{value} ({self.anchors[value]})"
        return labels.get(value, str(value)) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Codebook:
    """A validated codebook. ``body`` is its canonical JSON text; ``sha256`` identifies it."""

    key: str
    version: int
    title: str
    description: str
    tracks: tuple[Track, ...]
    codes: tuple[Code, ...]
    review_items: tuple[ReviewItem, ...]
    body: str = field(repr=False)
    _by_id: dict[str, Code] = field(init=False, repr=False, compare=False)
    _by_key: dict[str, Code] = field(init=False, repr=False, compare=False)
    _tracks: dict[str, Track] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookup tables built once; the dataclass is frozen, so they are set through object.__setattr__.
        object.__setattr__(self, "_by_id", {c.id: c for c in self.codes})
        object.__setattr__(
            self, "_by_key", {normalise_shortcut(c.shortcut): c for c in self.codes if c.shortcut}
        )
        object.__setattr__(self, "_tracks", {t.id: t for t in self.tracks})

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.key} v{self.version}"

    def data(self) -> dict[str, Any]:
        """The document as written (a fresh, mutable copy)."""
        return json.loads(self.body)

    # -- lookups --------------------------------------------------------------------------------------------
    def code(self, code_id: str) -> Code:
        """The code with id ``code_id``; KeyError if there is none."""
        return self._by_id[code_id]

    def code_for_shortcut(self, key: str) -> Code | None:
        """The code bound to the one-character ``key`` (letters case-insensitive), or None."""
        return self._by_key.get(normalise_shortcut(key))

    def track(self, track_id: str) -> Track:
        return self._tracks[track_id]

    def codes_in_track(self, track_id: str) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if c.track == track_id)

    def exclusive_states(self, track_id: str) -> tuple[Code, ...]:
        """The state codes of ``track_id`` that end one another (per actor); empty if not exclusive."""
        if not self._tracks[track_id].exclusive:
            return ()
        return tuple(c for c in self.codes_in_track(track_id) if c.is_state)

    def review_item(self, item_id: str) -> ReviewItem:
        """The review item with id ``item_id``; KeyError if there is none."""
        for item in self.review_items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def review_problems(self, answers: Mapping[str, Any], *, complete: bool = False) -> list[str]:
        """Why ``answers`` (item id → answer) are not acceptable; with ``complete``, unanswered required too."""
        known = {i.id for i in self.review_items}
        problems = [f"no review item {key!r}" for key in answers if key not in known]
        for item in self.review_items:
            value = answers.get(item.id)
            if (p := item.problem(value)) is not None:
                problems.append(p)
            elif complete and item.required and is_unanswered(value):
                problems.append(f"{item.label}: an answer is required")
        return problems

    def with_version(self, version: int) -> Codebook:
        """The same codebook under another version number."""
        data = self.data()
        data["version"] = version
        return from_data(data)

    def summary(self) -> str:
        return (
            f"{self.label}: {len(self.tracks)} tracks, {len(self.codes)} codes, "
            f"{len(self.review_items)} review items"
        )


def _options(raw: list[Any] | None) -> tuple[Option, ...]:
    return tuple(
        Option(o, o) if isinstance(o, str) else Option(o["id"], o["label"], o.get("description", ""))
        for o in raw or ()
    )


def _modifier(raw: Mapping[str, Any]) -> ModifierSet:
    default = raw.get("default")
    if isinstance(default, list):
        default = tuple(default)
    return ModifierSet(
        id=raw["id"],
        label=raw["label"],
        type=raw["type"],
        options=_options(raw.get("options")),
        default=default,
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        integer=raw.get("integer", True),
        unit=raw.get("unit", ""),
        required=raw.get("required", False),
        description=raw.get("description", ""),
    )


def _track(raw: Mapping[str, Any]) -> Track:
    actors = tuple(raw.get("actors", ACTOR_KINDS))
    return Track(
        id=raw["id"],
        label=raw["label"],
        description=raw.get("description", ""),
        kinds=tuple(raw.get("kinds", ("point", "state"))),
        colour=raw.get("colour"),
        exclusive=raw.get("exclusive", True),
        actors=actors,
        default_actor=raw.get("default_actor", actors[0]),
    )


def _code(raw: Mapping[str, Any], track: Track | None) -> Code:
    # A code inherits its actors from its track unless it names its own.
    actors = tuple(raw.get("actors", track.actors if track else ACTOR_KINDS))
    inherited_default = track.default_actor if track and track.default_actor in actors else actors[0]
    return Code(
        id=raw["id"],
        label=raw["label"],
        track=raw["track"],
        type=raw["type"],
        description=raw.get("description", ""),
        shortcut=raw.get("shortcut"),
        actors=actors,
        default_actor=raw.get("default_actor", inherited_default),
        modifiers=tuple(_modifier(m) for m in raw.get("modifiers", ())),
        starrable=raw.get("starrable", False),
        escalation=raw.get("escalation"),
        links_cause=raw.get("links_cause", False),
        turning_point=raw.get("turning_point", False),
    )


def _review_item(raw: Mapping[str, Any]) -> ReviewItem:
    return ReviewItem(
        id=raw["id"],
        label=raw["label"],
        type=raw["type"],
        options=_options(raw.get("options")),
        required=raw.get("required", False),
        help=raw.get("help", ""),
        section=raw.get("section", ""),
        anchors=tuple(raw.get("anchors", ())),
        exclusive_options=tuple(raw.get("exclusive_options", ())),
    )


def from_data(data: Mapping[str, Any]) -> Codebook:
    """Build a :class:`Codebook` from a document that has already passed validation."""
    data = copy.deepcopy(dict(data))
    tracks = tuple(_track(t) for t in data["tracks"])
    by_id = {t.id: t for t in tracks}
    return Codebook(
        key=data["key"],
        version=data["version"],
        title=data["title"],
        description=data.get("description", ""),
        tracks=tracks,
        codes=tuple(_code(c, by_id.get(c["track"])) for c in data["codes"]),
        review_items=tuple(_review_item(i) for i in data.get("review_items", ())),
        body=canonical_json(data),
    )
