"""Controlled vocabularies of the clip catalogue.

The order of each list is part of the stored format: list fields are also kept as bit masks (bit ``i`` set when
the clip carries value ``i``), so a value may be appended to a list but never moved or removed.
"""

from __future__ import annotations

from collections.abc import Iterable

SOURCES: tuple[str, ...] = (
    "op_hampshire",
    "dcb",
    "stop_search",
    "use_of_force",
    "vehicle_stop",
    "social_media",
    "self_referral",
    "manager_referral",
    "complaint",
    "cmg_request",
)

# The 25 Home Office use-of-force tactic categories, spelt as in the published MPS figures.
UOF_TACTICS: tuple[str, ...] = (
    "Compliant handcuffing",
    "Tactical communications",
    "Non-compliant handcuffing",
    "Unarmed skills",
    "Ground restraint",
    "Limb/body restraints",
    "Other/improvised",
    "CED (Taser) red-dotted",
    "CED (Taser) drawn",
    "Spit guard",
    "Firearm aimed",
    "Baton drawn",
    "CED (Taser) aimed",
    "Irritant spray - drawn",
    "CED (Taser) fired",
    "Irritant spray - used",
    "Baton used",
    "Dog deployed",
    "Shield",
    "Dog bite",
    "CED (Taser) arced",
    "AEP aimed",
    "CED (Taser) drive stun",
    "CED (Taser) angle drive stun",
    "Firearm fired",
)

ASSAULT_TYPES: tuple[str, ...] = (
    "spitting",
    "biting",
    "punching",
    "kicking",
    "weapon",
    "pushing",
    "verbal_threat",
    "other",
)

SS_POWERS: tuple[str, ...] = ("s1_pace", "s23_mda", "s60_cjpoa", "s47a_tact", "s43_tact", "other")
SS_OUTCOMES: tuple[str, ...] = (
    "nfa",
    "arrest",
    "community_resolution",
    "penalty_notice",
    "cannabis_warning",
    "summons",
    "other",
)
AGE_BANDS: tuple[str, ...] = ("0-10", "11-17", "18-34", "35-49", "50-64", "65+")
GENDERS: tuple[str, ...] = ("female", "male", "other", "unknown")
ETHNICITIES: tuple[str, ...] = ("asian", "black", "white", "mixed", "other", "not_stated")

# Fields holding lists of vocabulary values, with the column that stores their bit mask.
LIST_FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "sources": (SOURCES, "sources_mask"),
    "uof_tactics": (UOF_TACTICS, "uof_mask"),
    "assault_types": (ASSAULT_TYPES, "assault_mask"),
}

# Single-valued fields restricted to a vocabulary.
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "ss_power": SS_POWERS,
    "ss_outcome": SS_OUTCOMES,
    "subject_age_band": AGE_BANDS,
    "subject_gender": GENDERS,
    "subject_ethnicity": ETHNICITIES,
}


def mask_of(values: Iterable[str], vocabulary: tuple[str, ...]) -> int:
    """The bit mask of ``values`` over ``vocabulary`` (raises ``ValueError`` for an unknown value)."""
    index = {v: i for i, v in enumerate(vocabulary)}
    mask = 0
    for value in values:
        mask |= 1 << index[value]
    return mask


def values_of(mask: int, vocabulary: tuple[str, ...]) -> list[str]:
    """The values whose bits are set in ``mask``, in vocabulary order."""
    return [v for i, v in enumerate(vocabulary) if mask >> i & 1]
