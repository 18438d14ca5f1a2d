"""The catalogue fields a sampling plan may name, what kind each is, and which operators apply to it.

The JSON Schema (``schemas/sampling_plan.schema.json``) repeats the field names and the operator lists so that
editors can check plans without bwvtool; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from bwvtool.catalogue import vocab

LIST, CHOICE, TEXT, NUMBER, MEDIA, RETENTION = "list", "choice", "text", "number", "media", "retention"

OPERATORS: dict[str, tuple[str, ...]] = {
    LIST: ("contains_any", "contains_all", "only", "missing", "present"),
    CHOICE: ("equals", "in", "in_list", "missing", "present"),
    TEXT: ("equals", "in", "in_list", "missing", "present"),
    NUMBER: ("equals", "range", "missing", "present"),
    MEDIA: ("present", "missing"),
    RETENTION: ("not_passed", "missing", "present"),
}

MEDIA_STATUSES: tuple[str, ...] = ("unchecked", "ok", "missing", "mismatch", "unreadable")

# Stratum label for a unit whose stratifying field is empty.
MISSING_LABEL = "(missing)"


@dataclass(frozen=True)
class Field:
    """One catalogue field as rules see it."""

    name: str
    kind: str
    vocabulary: tuple[str, ...] | None = None

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind]

    @property
    def stratifiable(self) -> bool:
        return self.kind in (CHOICE, TEXT)


def _build() -> dict[str, Field]:
    fields = [Field(name, LIST, vocabulary) for name, (vocabulary, _mask) in vocab.LIST_FIELDS.items()]
    fields += [Field(name, CHOICE, vocabulary) for name, vocabulary in vocab.CHOICE_FIELDS.items()]
    fields.append(Field("media_status", CHOICE, MEDIA_STATUSES))
    fields += [
        Field(name, TEXT) for name in ("officer_ref", "borough", "bcu", "camera_id", "incident_id", "clip_id")
    ]
    fields += [Field("duration_s", NUMBER), Field("mtip", NUMBER)]
    fields += [Field("media", MEDIA), Field("retention_until", RETENTION)]
    return {f.name: f for f in fields}


FIELDS: dict[str, Field] = _build()

# Columns every draw needs whatever the plan says: unit ids, the date window, and durations (for `take: longest`
# and workload balancing).
BASE_COLUMNS: tuple[str, ...] = ("clip_id", "incident_id", "recorded_ts", "duration_s")


def field(name: str) -> Field:
    """The field called ``name`` (``KeyError`` when there is none; plans are validated before this is used)."""
    return FIELDS[name]
