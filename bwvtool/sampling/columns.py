"""Catalogue columns as numpy arrays: what rules and designs compute on.

Loaded once per draw (``bwvtool.store.samples.load_columns``: the column snapshot, or a scan of a small date
window), or built directly from Python sequences in tests. List fields arrive as their bit masks; text fields
become integer codes (-1 for missing) with their categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bwvtool.sampling import fields

if TYPE_CHECKING:
    import numpy as np

    from bwvtool.sampling.plan import Plan


@dataclass
class Coded:
    """A text column as codes into ``categories`` (-1: missing)."""

    codes: np.ndarray
    categories: list[str]

    def code_of(self, value: str) -> int:
        """The code of ``value``, or -2 (matches nothing) when no row has it."""
        try:
            return self.categories.index(value)
        except ValueError:
            return -2


@dataclass
class Columns:
    """The catalogue rows of one draw, column by column (row ``i`` of every array is the same clip)."""

    # "clip_id" and "incident_id": object or numpy unicode arrays, or the column snapshot's UTF-8 Octets, decoded
    # on first use of clip_id / incident_id, or only for the rows a draw needs (ids_at, id_array)
    ids: dict[str, Any]
    recorded_ts: np.ndarray  # int64, unix seconds
    duration_s: np.ndarray  # float64
    masks: dict[str, np.ndarray] = field(default_factory=dict)  # list fields: int64 bit masks
    coded: dict[str, Coded] = field(default_factory=dict)  # choice and text fields
    numbers: dict[str, np.ndarray] = field(default_factory=dict)  # float64, NaN when missing
    flags: dict[str, np.ndarray] = field(default_factory=dict)  # bool (media)
    # Per fingerprint field, each row's digest as the column snapshot keeps it (see bwvtool.sampling.fingerprint);
    # empty when the columns were read another way
    digests: dict[str, np.ndarray] = field(default_factory=dict)
    import_ids: np.ndarray | None = (
        None  # per row, the import that last wrote it (-1: none), from the snapshot
    )

    @property
    def size(self) -> int:
        return int(self.recorded_ts.shape[0])

    @property
    def clip_id(self) -> np.ndarray:
        """Every row's clip id (object or numpy unicode)."""
        return self._every_id("clip_id")

    @property
    def incident_id(self) -> np.ndarray:
        """Every row's incident id (object or numpy unicode)."""
        return self._every_id("incident_id")

    def _every_id(self, name: str) -> np.ndarray:
        from bwvtool.store.snapshot import Octets

        found = self.ids[name]
        if isinstance(found, Octets):
            found = self.ids[name] = found.unicode()
        return found

    def ids_at(self, name: str, rows: np.ndarray) -> np.ndarray:
        """The ids ``name`` (``clip_id`` or ``incident_id``) of ``rows`` only, as held (object or numpy unicode):
        a draw sorts and names the clips of its frame, a fraction of those it read."""
        from bwvtool.store.snapshot import Octets

        found = self.ids[name]
        return found.unicode(rows) if isinstance(found, Octets) else found[rows]

    def id_array(self, name: str) -> np.ndarray:
        """Every row's id ``name`` as numpy unicode, or as UTF-8 bytes (``S``) when they came from the column
        snapshot undecoded: for hashing, which wants bytes anyway."""
        from bwvtool.store.snapshot import Octets

        found = self.ids[name]
        return found.values if isinstance(found, Octets) else found

    def text(self, name: str) -> Coded:
        """A choice or text field as codes. The ids (``clip_id``, ``incident_id``) are base columns kept as text
        for the manifest; rules and strata on them get codes made on first use."""
        found = self.coded.get(name)
        if found is None and name in ("clip_id", "incident_id"):
            found = self.coded[name] = encode(getattr(self, name))
        return self.coded[name] if found is None else found

    def number(self, name: str) -> np.ndarray:
        """A numeric field (``duration_s`` is a base column; the others live in ``numbers``)."""
        return self.duration_s if name == "duration_s" else self.numbers[name]


def needed_fields(plan: Plan) -> list[str]:
    """The catalogue fields a draw of ``plan`` reads, beyond the ids, date and duration every draw needs."""
    from bwvtool.sampling.checks import iter_rules

    names = {rule["field"] for _pointer, rule in iter_rules(plan)}
    names.update((plan.sample or {}).get("strata", []))
    names -= set(fields.BASE_COLUMNS)
    return sorted(names)


def build(raw: dict[str, Sequence[Any]], *, choice_codes: bool = False) -> Columns:
    """Columns from raw per-field sequences (as :func:`bwvtool.store.samples.load_columns` returns them).

    ``raw`` holds ``clip_id``, ``incident_id``, ``recorded_ts`` and ``duration_s`` plus any plan fields: list fields
    as int masks, ``media`` as 0/1, ``retention_until`` as unix seconds or ``None``, others as values or ``None``.
    With ``choice_codes``, choice fields are already integer codes into their vocabulary (-1: missing). Text
    fields may also arrive already coded (:class:`~bwvtool.store.snapshot.TextCodes`), numbers as float arrays.
    """
    import numpy as np

    from bwvtool.store.snapshot import DIGEST, IMPORT_ID, TextCodes

    cols = Columns(
        ids={name: _texts(raw[name]) for name in ("clip_id", "incident_id")},
        recorded_ts=np.asarray(raw["recorded_ts"], dtype=np.int64),
        duration_s=np.asarray(raw["duration_s"], dtype=np.float64),
    )
    for name, values in raw.items():
        if name in fields.BASE_COLUMNS:
            continue
        if name.startswith(DIGEST):
            cols.digests[name.removeprefix(DIGEST)] = values
            continue
        if name == IMPORT_ID:
            cols.import_ids = values
            continue
        spec = fields.field(name)
        if spec.kind == fields.LIST:
            cols.masks[name] = np.asarray(values, dtype=np.int64)
        elif spec.kind == fields.CHOICE and choice_codes:
            cols.coded[name] = Coded(np.asarray(values, dtype=np.int32), list(spec.vocabulary or ()))
        elif isinstance(values, TextCodes):
            cols.coded[name] = Coded(values.codes, values.categories)
        elif spec.kind in (fields.CHOICE, fields.TEXT):
            cols.coded[name] = encode(values)
        elif spec.kind == fields.MEDIA:
            cols.flags[name] = np.asarray(values, dtype=bool)
        elif isinstance(values, np.ndarray) and values.dtype == np.float64:
            cols.numbers[name] = values
        else:  # NUMBER and RETENTION: floats, None becomes NaN
            cols.numbers[name] = np.asarray(values, dtype=object).astype(np.float64)
    return cols


def encode(values: Sequence[Any]) -> Coded:
    """Integer codes for a text column (categories sorted); ``None`` and empty text are missing (-1)."""
    from bwvtool.store.snapshot import code_text

    return Coded(*code_text(values))


def _texts(values: Sequence[Any]) -> Any:
    """Ids as an object array, or as they come when already an object or unicode array or the snapshot's
    :class:`~bwvtool.store.snapshot.Octets`."""
    import numpy as np

    from bwvtool.store.snapshot import Octets

    if isinstance(values, Octets) or (
        isinstance(values, np.ndarray) and (values.dtype == object or values.dtype.kind == "U")
    ):
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out
