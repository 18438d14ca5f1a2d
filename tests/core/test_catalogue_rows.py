"""The hand-written row validator mirrors schemas/catalogue_row.schema.json, and normalises rows as documented."""

from __future__ import annotations

import json
import string

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bwvtool.catalogue import rows, vocab
from bwvtool.catalogue.rows import COLUMNS, Normaliser, RowError
from bwvtool.resources import load_json
from bwvtool.store.catalogue import CLIP_COLUMNS

SCHEMA = load_json("catalogue_row.schema.json")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def _schema_valid(row: dict) -> bool:
    return VALIDATOR.is_valid(row)


def _ours_valid(row: dict, *, text: bool = False) -> bool:
    return Normaliser(text=text).is_valid([row.get(c) for c in COLUMNS])


GOOD = {
    "clip_id": "BWV1",
    "recorded_at": "2021-03-04T10:11:12.5+01:00",
    "duration_s": 61.5,
    "officer_ref": "1234AS",
    "borough": "Lambeth",
}


# -- the schema file and the code agree on names, vocabularies and patterns -----------------------------------------
def test_schema_is_valid_2020_12_and_lists_the_columns():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"].endswith("2020-12/schema")
    assert tuple(SCHEMA["properties"]) == COLUMNS
    assert tuple(SCHEMA["required"]) == rows.REQUIRED
    assert SCHEMA["additionalProperties"] is True


def test_schema_vocabularies_are_vocab_py():
    props = SCHEMA["properties"]
    for name, (values, _) in vocab.LIST_FIELDS.items():
        assert props[name]["items"]["enum"] == list(values)
    for name, values in vocab.CHOICE_FIELDS.items():
        assert props[name]["enum"] == [*values, None]
    assert len(vocab.UOF_TACTICS) == 25
    published = [t["tactic"] for t in load_json("reference/mps_use_of_force_2021.json")["tactics"]]
    assert sorted(published) == sorted(vocab.UOF_TACTICS)


def test_schema_patterns_are_the_code_patterns():
    props = SCHEMA["properties"]
    assert props["recorded_at"]["pattern"] == rows.RECORDED_AT_PATTERN
    assert props["retention_until"]["pattern"] == rows.DATE_PATTERN
    assert props["sha256"]["pattern"] == rows.SHA256_PATTERN
    for name in ("clip_id", "incident_id", "officer_ref", "borough", "camera_id", "bcu"):
        assert props[name]["pattern"] == rows.ID_PATTERN


def test_normalised_fields_lead_the_clips_table():
    assert CLIP_COLUMNS[: len(rows.NORMALISED_FIELDS)] == rows.NORMALISED_FIELDS


# -- generated good and bad rows: the validator agrees with jsonschema ------------------------------------------------
_digits = st.integers
_times = st.builds(
    lambda y, mo, d, h, mi, s, frac, tz: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}{tz}",
    _digits(1990, 2030),
    _digits(1, 12),
    _digits(1, 31),  # includes impossible days (Feb 30): both must refuse them
    _digits(0, 23),
    _digits(0, 59),
    _digits(0, 59),
    st.sampled_from(["", ".5", ".123", ".123456", ".123456789"]),
    st.sampled_from(["Z", "+01:00", "-05:30", "+00:00", "", "z", "+0100", " "]),  # the last four are bad
)
_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=string.printable.replace("\n", "").replace("\r", ""), max_size=12),
    st.lists(st.text(max_size=3), max_size=2),
)
_id = st.one_of(st.text(alphabet="AB1 -/", min_size=0, max_size=6), _junk)


def _list_of(values):
    good = st.lists(st.sampled_from(values), max_size=3, unique=True)
    return st.one_of(good, st.none(), st.lists(st.sampled_from([*values, "bogus"]), max_size=3), _junk)


def _choice(values):
    return st.one_of(st.sampled_from([*values, None]), _junk)


_FIELDS = {
    "clip_id": _id,
    "incident_id": _id,
    "recorded_at": st.one_of(_times, _junk),
    "duration_s": st.one_of(st.floats(-10, 1e6, allow_nan=False), st.integers(-3, 10**6), _junk),
    "officer_ref": _id,
    "borough": _id,
    "camera_id": _id,
    "bcu": _id,
    "media_path": st.one_of(st.text(max_size=10), _junk),
    "sha256": st.one_of(st.text(alphabet="0123456789abcdefABCDEFg", min_size=63, max_size=65), _junk),
    "sources": _list_of(vocab.SOURCES),
    "uof_tactics": _list_of(vocab.UOF_TACTICS),
    "assault_types": _list_of(vocab.ASSAULT_TYPES),
    "ss_power": _choice(vocab.SS_POWERS),
    "ss_outcome": _choice(vocab.SS_OUTCOMES),
    "mtip": st.one_of(st.booleans(), st.none(), _junk),
    "subject_age_band": _choice(vocab.AGE_BANDS),
    "subject_gender": _choice(vocab.GENDERS),
    "subject_ethnicity": _choice(vocab.ETHNICITIES),
    "retention_until": st.one_of(
        st.builds(
            lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", _digits(2000, 2030), _digits(0, 13), _digits(0, 32)
        ),
        _junk,
    ),
    "notes": st.one_of(st.text(max_size=20), _junk),
}


@st.composite
def mostly_good_rows(draw):
    """A valid row with a few fields replaced by drawn values (some good, some bad) and some left out."""
    row = dict(GOOD)
    for name in draw(st.lists(st.sampled_from(COLUMNS), max_size=4, unique=True)):
        value = draw(_FIELDS[name])
        if value is None and draw(st.booleans()):
            row.pop(name, None)
        else:
            row[name] = value
    if draw(st.booleans()):
        row["unknown_column"] = draw(_junk)
    return row


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mostly_good_rows())
def test_validator_agrees_with_jsonschema(row):
    assert _ours_valid(row) == _schema_valid(row), row


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=_FIELDS))
def test_validator_agrees_with_jsonschema_on_arbitrary_rows(row):
    assert _ours_valid(row) == _schema_valid(row), row


def _as_csv_cells(row: dict) -> dict:
    cells = {}
    for key, value in row.items():
        if value is None:
            continue
        if isinstance(value, bool):
            cells[key] = "true" if value else "false"
        elif isinstance(value, list):
            cells[key] = ";".join(value)
        else:
            cells[key] = repr(value) if isinstance(value, float) else str(value)
    return cells


@settings(max_examples=400, deadline=None)
@given(mostly_good_rows())
def test_text_rows_normalise_like_typed_rows(row):
    """A valid typed row written as CSV cells normalises to the same stored row (same hash too)."""
    if not _schema_valid(row) or any(v == "" or v == [] for v in row.values()):
        return  # an empty cell means "absent" in CSV, so only rows without empty values translate
    typed = Normaliser(text=False).normalise([row.get(c) for c in COLUMNS])
    cells = _as_csv_cells(row)
    text = Normaliser(text=True).normalise([cells.get(c) for c in COLUMNS])
    assert text == typed


# -- normalisation --------------------------------------------------------------------------------------------------
def _norm(text: bool = False, **fields) -> dict:
    row = GOOD | fields
    values = Normaliser(text=text).normalise([row.get(c) for c in COLUMNS])
    return dict(zip(rows.NORMALISED_FIELDS, values, strict=True))


def test_recorded_at_becomes_utc_milliseconds_and_epoch_seconds():
    out = _norm()
    assert out["recorded_at"] == "2021-03-04T09:11:12.500Z"
    assert out["recorded_ts"] == 1614849072
    assert _norm(recorded_at="2021-03-04T09:11:12Z")["recorded_at"] == "2021-03-04T09:11:12.000Z"
    assert _norm(recorded_at="2021-03-04T23:30:00.987654-01:00")["recorded_at"] == "2021-03-05T00:30:00.987Z"


def test_lists_masks_and_flags():
    out = _norm(text=True, sources="stop_search; use_of_force", mtip="Yes", duration_s="12")
    assert json.loads(out["sources"]) == ["stop_search", "use_of_force"]
    assert out["sources_mask"] == vocab.mask_of(["stop_search", "use_of_force"], vocab.SOURCES)
    assert out["mtip"] == 1 and out["duration_s"] == 12.0
    assert out["incident_id"] == "BWV1"  # defaults to the clip id
    assert out["uof_tactics"] == "[]" and out["uof_mask"] == 0
    tactics = _norm(uof_tactics=["Irritant spray - used", "Baton used"])
    assert tactics["uof_mask"] == vocab.mask_of(["Irritant spray - used", "Baton used"], vocab.UOF_TACTICS)


def test_lists_are_stored_in_vocabulary_order():
    a, b = _norm(sources=["dcb", "op_hampshire"]), _norm(sources=["op_hampshire", "dcb"])
    assert a["sources"] == b["sources"] == '["op_hampshire", "dcb"]'
    assert a["row_hash"] == b["row_hash"]


def test_row_hash_changes_with_content_only():
    assert _norm()["row_hash"] == _norm()["row_hash"]
    assert _norm()["row_hash"] != _norm(notes="x")["row_hash"]
    assert _norm(sha256="AB" * 32)["sha256"] == "ab" * 32


@pytest.mark.parametrize(
    ("fields", "column", "words"),
    [
        ({"clip_id": None}, "clip_id", "required"),
        ({"recorded_at": "04/03/2021 10:11Z"}, "recorded_at", "ISO 8601"),
        ({"recorded_at": "2021-03-04T10:11:12"}, "recorded_at", "no UTC offset"),
        ({"recorded_at": "2021-02-30T10:11:12Z"}, "recorded_at", "not a real date"),
        ({"duration_s": "0"}, "duration_s", "above 0"),
        ({"duration_s": "nan"}, "duration_s", "finite"),
        ({"duration_s": "ten"}, "duration_s", "not a number"),
        ({"sources": "dcb;nope"}, "sources", "unknown value 'nope'"),
        ({"sources": "dcb;dcb"}, "sources", "twice"),
        ({"mtip": "maybe"}, "mtip", "true or false"),
        ({"ss_power": "s99"}, "ss_power", "not one of"),
        ({"retention_until": "2021-13-01"}, "retention_until", "not a real date"),
        ({"sha256": "abc"}, "sha256", "64 hexadecimal"),
        ({"borough": "  "}, "borough", "blank"),
    ],
)
def test_each_bad_value_names_its_column_and_reason(fields, column, words):
    with pytest.raises(RowError) as caught:
        _norm(text=True, **fields)
    problems = caught.value.problems
    assert [p.column for p in problems] == [column]
    assert words in problems[0].reason


def test_every_problem_in_a_row_is_listed():
    with pytest.raises(RowError) as caught:
        _norm(text=True, duration_s="-1", mtip="perhaps", officer_ref=None)
    assert {p.column for p in caught.value.problems} == {"duration_s", "mtip", "officer_ref"}
