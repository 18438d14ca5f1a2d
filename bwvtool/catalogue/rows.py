"""The catalogue row contract in code: a fast validator and normaliser for one row.

``schemas/catalogue_row.schema.json`` is the contract; checking each of a million rows with ``jsonschema`` would
take minutes, so :class:`Normaliser` checks the same rules by hand, field by field, and turns a valid row into the
tuple the store keeps. A property test checks that it accepts exactly the rows the schema accepts.

Rows arrive in one of two forms. *Typed* rows come from JSON Lines and must match the schema's types. *Text* rows
come from CSV: every cell is a string, so lists are ``;``-separated, ``duration_s`` is a decimal, ``mtip`` is
true/false and an empty cell means the column is absent; each cell is converted first, then the same rules apply.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bwvtool.catalogue import vocab

# The columns a catalogue may carry, in the order readers hand values to the normaliser.
COLUMNS: tuple[str, ...] = (
    "clip_id",
    "incident_id",
    "recorded_at",
    "duration_s",
    "officer_ref",
    "borough",
    "camera_id",
    "bcu",
    "media_path",
    "sha256",
    "sources",
    "uof_tactics",
    "assault_types",
    "ss_power",
    "ss_outcome",
    "mtip",
    "subject_age_band",
    "subject_gender",
    "subject_ethnicity",
    "retention_until",
    "notes",
)
REQUIRED: tuple[str, ...] = ("clip_id", "recorded_at", "duration_s", "officer_ref", "borough")

# What :meth:`Normaliser.normalise` returns, in this order: the clip's catalogue content, then its row hash.
NORMALISED_FIELDS: tuple[str, ...] = (
    "clip_id",
    "incident_id",
    "recorded_at",
    "recorded_ts",
    "duration_s",
    "officer_ref",
    "borough",
    "camera_id",
    "bcu",
    "media_path",
    "sha256",
    "sources",
    "sources_mask",
    "uof_tactics",
    "uof_mask",
    "assault_types",
    "assault_mask",
    "ss_power",
    "ss_outcome",
    "mtip",
    "subject_age_band",
    "subject_gender",
    "subject_ethnicity",
    "retention_until",
    "notes",
    "extra",
    "row_hash",
)

# The schema's patterns, verbatim (a test compares them with the schema file). Matched with ``re.search``, as
# JSON Schema validators do.
ID_PATTERN = r"\S"
RECORDED_AT_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"

_RECORDED_AT = re.compile(RECORDED_AT_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_SHA256 = re.compile(SHA256_PATTERN)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_CACHE_LIMIT = 100_000  # distinct list/date spellings remembered per import; bounded against odd files


@dataclass(frozen=True)
class Problem:
    """Why a row (or one of its cells) was refused. ``column`` is None for problems with the whole row."""

    column: str | None
    reason: str


class RowError(ValueError):
    """A row that breaks the contract; ``problems`` lists every broken rule, one per column."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.column}: {p.reason}" for p in problems))
        self.problems = tuple(problems)


class _Bad(Exception):
    """One cell's problem, raised inside a field check (cheap: no message formatting until needed)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text_id(value: Any) -> str:
    """A required-style identifier: a string with at least one non-space character."""
    if value.__class__ is not str:
        raise _Bad(f"must be text, not {_describe(value)}")
    if not value or value.isspace():
        raise _Bad("must not be blank")
    return value


class Normaliser:
    """Checks rows against the contract and returns them in stored form.

    :param text: True for CSV rows (every cell a string, empty = absent), False for typed JSON rows.

    One instance serves one import: it remembers list spellings and dates it has already checked, which is
    most of what makes a million rows fast (a catalogue repeats the same few hundred combinations).
    """

    def __init__(self, *, text: bool) -> None:
        self.text = text
        self._lists: dict[str, dict[Any, tuple[str, int]]] = {name: {} for name in vocab.LIST_FIELDS}
        self._dates: dict[str, str] = {}
        self._choices = {name: frozenset(values) for name, values in vocab.CHOICE_FIELDS.items()}
        self._checks: tuple[tuple[str, Callable[[Any], Any]], ...] = tuple(
            (column, self._check_for(column)) for column in COLUMNS
        )

    # -- the whole row -------------------------------------------------------------------------------------
    def normalise(self, values: Sequence[Any], extra: str = "{}") -> tuple:
        """Check one row and return it in stored form (see :data:`NORMALISED_FIELDS`).

        :param values: the row's values in :data:`COLUMNS` order, ``None`` where a column is absent.
        :param extra: the row's unknown columns as canonical JSON text.
        :raises RowError: listing every problem in the row.
        """
        try:
            (
                clip_id,
                incident_id,
                recorded_at,
                duration_s,
                officer_ref,
                borough,
                camera_id,
                bcu,
                media_path,
                sha256,
                sources,
                uof_tactics,
                assault_types,
                ss_power,
                ss_outcome,
                mtip,
                age_band,
                gender,
                ethnicity,
                retention_until,
                notes,
            ) = values
            # Identifiers inline (the commonest check, six times a row): text with a non-space character.
            if clip_id.__class__ is not str or not clip_id or clip_id.isspace():
                raise _Bad("")
            if incident_id is None:
                incident_id = clip_id
            elif incident_id.__class__ is not str or not incident_id or incident_id.isspace():
                raise _Bad("")
            recorded_text, recorded_ts = self._recorded_at(recorded_at)
            duration_s = self._duration(duration_s)
            for value in (officer_ref, borough):
                if value.__class__ is not str or not value or value.isspace():
                    raise _Bad("")
            for value in (camera_id, bcu):
                if value is not None and (value.__class__ is not str or not value or value.isspace()):
                    raise _Bad("")
            if media_path is not None:
                media_path = self._media_path(media_path)
            if sha256 is not None:
                sha256 = self._sha256(sha256)
            lists = self._lists
            # A text cell seen before is a dict hit; anything else goes through the full check. Written out for
            # each of the three list fields on purpose: this runs a million times per large import.
            if sources is None:
                sources_json, sources_mask = "[]", 0
            else:
                sources_json, sources_mask = (
                    sources.__class__ is str and lists["sources"].get(sources)
                ) or self._list("sources", sources)
            if uof_tactics is None:
                uof_json, uof_mask = "[]", 0
            else:
                uof_json, uof_mask = (
                    uof_tactics.__class__ is str and lists["uof_tactics"].get(uof_tactics)
                ) or self._list("uof_tactics", uof_tactics)
            if assault_types is None:
                assault_json, assault_mask = "[]", 0
            else:
                assault_json, assault_mask = (
                    assault_types.__class__ is str and lists["assault_types"].get(assault_types)
                ) or self._list("assault_types", assault_types)
            choices = self._choices
            if ss_power is not None and ss_power not in choices["ss_power"]:
                raise _Bad("")
            if ss_outcome is not None and ss_outcome not in choices["ss_outcome"]:
                raise _Bad("")
            if mtip is not None:
                mtip = self._mtip(mtip)
            if age_band is not None and age_band not in choices["subject_age_band"]:
                raise _Bad("")
            if gender is not None and gender not in choices["subject_gender"]:
                raise _Bad("")
            if ethnicity is not None and ethnicity not in choices["subject_ethnicity"]:
                raise _Bad("")
            if retention_until is not None:
                retention_until = self._dates.get(retention_until) or self._date(retention_until)
            if notes is not None:
                notes = self._notes(notes)
        except (_Bad, TypeError, ValueError, ArithmeticError):
            # The fast path only says *that* something is wrong; the field-by-field pass says what and where.
            raise RowError(
                self.problems(values) or [Problem(None, "row does not match the catalogue schema")]
            ) from None
        content = (
            clip_id,
            incident_id,
            recorded_text,
            recorded_ts,
            duration_s,
            officer_ref,
            borough,
            camera_id,
            bcu,
            media_path,
            sha256,
            sources_json,
            sources_mask,
            uof_json,
            uof_mask,
            assault_json,
            assault_mask,
            ss_power,
            ss_outcome,
            mtip,
            age_band,
            gender,
            ethnicity,
            retention_until,
            notes,
            extra,
        )
        return (*content, content_hash(content))

    def problems(self, values: Sequence[Any]) -> list[Problem]:
        """Every problem in a row, one per column (empty when the row is valid)."""
        if len(values) != len(COLUMNS):
            return [Problem(None, f"expected {len(COLUMNS)} values, got {len(values)}")]
        found = []
        for (column, check), value in zip(self._checks, values, strict=True):
            if value is None:
                if column in REQUIRED:
                    found.append(Problem(column, "required column is missing or empty"))
                continue
            try:
                check(value)
            except _Bad as bad:
                found.append(Problem(column, bad.reason))
            except (TypeError, ValueError, ArithmeticError) as exc:
                found.append(Problem(column, f"invalid value {_describe(value)} ({exc})"))
        return found

    def is_valid(self, values: Sequence[Any]) -> bool:
        try:
            self.normalise(values)
        except RowError:
            return False
        return True

    # -- one field each ------------------------------------------------------------------------------------
    def _check_for(self, column: str) -> Callable[[Any], Any]:
        if column in vocab.LIST_FIELDS:
            return lambda value: self._list(column, value)
        if column in vocab.CHOICE_FIELDS:
            return lambda value: self._choice(column, value)
        special = {
            "recorded_at": self._recorded_at,
            "duration_s": self._duration,
            "media_path": self._media_path,
            "sha256": self._sha256,
            "mtip": self._mtip,
            "retention_until": self._date,
            "notes": self._notes,
        }
        return special.get(column, _text_id)

    def _recorded_at(self, value: Any) -> tuple[str, int]:
        """Stored UTC text (``YYYY-MM-DDTHH:MM:SS.mmmZ``, milliseconds truncated) and epoch seconds."""
        if value.__class__ is not str:
            raise _Bad(f"must be text, not {_describe(value)}")
        if _RECORDED_AT.search(value) is None:
            raise _Bad(_recorded_at_reason(value))
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise _Bad(f"{_describe(value)} is not a real date and time ({exc})") from None
        offset = moment.utcoffset()
        if value[-1] == "Z":
            # Already UTC: keep the digits as written, only fix the fraction to milliseconds.
            fraction = value[19:-1]
            text = value[:19] + (fraction + "000")[:4] + "Z" if fraction else value[:19] + ".000Z"
        else:
            utc = moment.replace(tzinfo=None) - offset
            text = utc.isoformat(timespec="milliseconds") + "Z"
        return text, math.floor(moment.timestamp())

    def _duration(self, value: Any) -> float:
        if self.text and value.__class__ is str:
            try:
                number = float(value)
            except ValueError:
                raise _Bad(f"{_describe(value)} is not a number of seconds") from None
        elif value.__class__ is float or value.__class__ is int:
            number = float(value)
        else:
            raise _Bad(f"must be a number of seconds, not {_describe(value)}")
        if not number > 0 or number == math.inf:
            raise _Bad(f"must be a finite number of seconds above 0, not {_describe(value)}")
        return number

    def _media_path(self, value: Any) -> str:
        if value.__class__ is not str or not value:
            raise _Bad(f"must be a file path, not {_describe(value)}")
        return value

    def _sha256(self, value: Any) -> str:
        if value.__class__ is not str or len(value) != 64 or _SHA256.search(value) is None:
            raise _Bad(f"must be 64 hexadecimal digits, not {_describe(value)}")
        return value.lower()

    def _mtip(self, value: Any) -> int:
        if value is True or value is False:
            return int(value)
        if self.text and value.__class__ is str:
            word = value.strip().lower()
            if word in _TRUE:
                return 1
            if word in _FALSE:
                return 0
        raise _Bad(f"must be true or false, not {_describe(value)}")

    def _date(self, value: Any) -> str:
        if value.__class__ is not str or _DATE.search(value) is None:
            raise _Bad(f"must be a date YYYY-MM-DD, not {_describe(value)}")
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            raise _Bad(f"{_describe(value)} is not a real date ({exc})") from None
        if len(self._dates) < _CACHE_LIMIT:
            self._dates[value] = value
        return value

    def _notes(self, value: Any) -> str:
        if value.__class__ is not str:
            raise _Bad(f"must be text, not {_describe(value)}")
        return value

    def _choice(self, column: str, value: Any) -> str:
        if value.__class__ is not str or value not in self._choices[column]:
            allowed = ", ".join(vocab.CHOICE_FIELDS[column])
            raise _Bad(f"{_describe(value)} is not one of: {allowed}")
        return value

    def _list(self, column: str, value: Any) -> tuple[str, int]:
        """A list cell as (JSON array text, bit mask); remembered, since catalogues repeat combinations."""
        vocabulary, _ = vocab.LIST_FIELDS[column]
        if self.text and value.__class__ is str:
            items = [part.strip() for part in value.split(";")]
            items = [item for item in items if item]
            key: Any = value
        elif value.__class__ is list:
            items = value
            key = None  # lists are not hashable; typed rows are cached by their tuple below
            if all(item.__class__ is str for item in items):
                key = tuple(items)
                cached = self._lists[column].get(key)
                if cached is not None:
                    return cached
        else:
            raise _Bad(
                f"must be a list ({'; separated' if self.text else 'JSON array'}), not {_describe(value)}"
            )
        allowed = set(vocabulary)
        unknown = [item for item in items if item.__class__ is not str or item not in allowed]
        if unknown:
            raise _Bad(f"unknown value {_describe(unknown[0])} (allowed: {', '.join(vocabulary)})")
        if len(set(items)) != len(items):
            raise _Bad("lists a value twice")
        # Stored in vocabulary order, so a re-export that only reorders a list is not a change.
        mask = vocab.mask_of(items, vocabulary)
        result = (json.dumps(vocab.values_of(mask, vocabulary), ensure_ascii=False), mask)
        cache = self._lists[column]
        if key is not None and len(cache) < _CACHE_LIMIT:
            cache[key] = result
        return result


def _recorded_at_reason(value: str) -> str:
    """Why a recording time was refused, in words a user can act on."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return f"{_describe(value)} is not an ISO 8601 date-time like 2021-03-04T10:11:12Z"
    if moment.tzinfo is None:
        return f"{_describe(value)} has no UTC offset (add Z or +01:00)"
    return f"{_describe(value)} must be written YYYY-MM-DDTHH:MM:SS[.fff] followed by Z or ±HH:MM"


def content_hash(content: tuple) -> str:
    """SHA-256 of a normalised row's content: equal rows hash equal, so an unchanged re-import is skipped.

    The text hashed is the tuple's ``repr``: unambiguous (strings quoted and escaped, ``None`` distinct from
    ``"None"``), stable across Python versions for str, int, float and None, and one C call.
    """
    return hashlib.sha256(repr(content).encode("utf-8")).hexdigest()
