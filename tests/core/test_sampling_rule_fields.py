"""Every rule operator works on every field the docs list, through `bwvtool sample draw` (issue 15, part 6).

The frame each rule selects is compared with a plain-Python reading of the same rule over the catalogue rows.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from bwvtool.sampling import fields
from tests.conftest import REPO

AS_OF = "2026-11-20"
_ROWS = [
    # clip, incident, recorded, duration, officer, borough, bcu, camera, sources, tactics, assaults, power, outcome,
    # age band, gender, ethnicity, mtip, retention, media
    ("K1", "I1", "2026-11-02T10:00:00Z", 120, "PC1", "Lambeth", "Central South", "CAM1", ["stop_search"], [], [],
     "s1_pace", "nfa", "18-34", "male", "black", True, "2027-01-01", "clip.mp4"),
    ("K2", "I1", "2026-11-02T10:00:05Z", 95.5, "PC2", "Lambeth", "Central South", "CAM2",
     ["stop_search", "use_of_force"], ["Compliant handcuffing"], ["spitting"], "s23_mda", "arrest", "11-17",
     "female", "white", False, None, "absent.mp4"),
    ("K3", "I2", "2026-11-03T21:14:00Z", 300, "PC3", "Croydon", None, None, ["op_hampshire", "use_of_force"],
     ["Unarmed skills", "Compliant handcuffing"], ["spitting", "biting"], None, None, None, None, None, None,
     "2026-11-01", None),
    ("K4", "I3", "2026-11-10T08:00:00Z", 45, "PC1", "Westminster", "Central West", "CAM1", ["dcb"], [],
     ["biting"], "s60_cjpoa", "community_resolution", "35-49", "unknown", "asian", True, None, None),
    ("K5", "I4", "2026-11-12T23:59:00Z", 600, "PC4", "Croydon", "South", "CAM4", [], [], [], None, "nfa", "50-64",
     "male", "mixed", None, "2026-11-25", None),
]  # fmt: skip
_NAMES = ("clip_id", "incident_id", "recorded_at", "duration_s", "officer_ref", "borough", "bcu", "camera_id",
          "sources", "uof_tactics", "assault_types", "ss_power", "ss_outcome", "subject_age_band", "subject_gender",
          "subject_ethnicity", "mtip", "retention_until", "media_path")  # fmt: skip
ROWS = [dict(zip(_NAMES, row, strict=True)) for row in _ROWS]
LISTS = {"team": ["PC1", "PC3", "K3", "Lambeth", "I2", "s1_pace", "nfa", "male", "black", "18-34", "unchecked",
                  "ok", "CAM1", "Central South"]}  # fmt: skip


def _values(name: str) -> dict[str, object]:
    """A value for each operator that needs one, chosen so that some rows match and some do not."""
    kind = fields.field(name).kind
    if kind == fields.LIST:
        first = next(r[name][0] for r in ROWS if r[name])
        both = next(r[name] for r in ROWS if len(r[name]) > 1)
        return {"contains_any": [first], "contains_all": both, "only": both}
    if kind in (fields.CHOICE, fields.TEXT):
        if name == "media_status":
            return {"equals": "ok", "in": ["ok", "missing"], "in_list": "team"}
        present = sorted({r[name] for r in ROWS if r[name]})
        return {"equals": present[0], "in": present[:2], "in_list": "team"}
    if kind == fields.NUMBER:
        return {"equals": int(ROWS[0][name]), "range": {"min": 1, "max": 200}}  # mtip is a yes/no: 1 or 0
    if kind == fields.RETENTION:
        return {"not_passed": {"margin_days": 2}}
    return {}


def _media_status(row) -> str:
    return {"clip.mp4": "ok", "absent.mp4": "missing"}.get(row["media_path"], "unchecked")


def _list_hit(have: set[str], op: str, value: set[str]) -> bool:
    if op == "contains_any":
        return bool(have & value)
    if op == "contains_all":
        return value <= have
    if op == "only":
        return bool(have) and have <= value
    return not have if op == "missing" else bool(have)


def _expected(name: str, op: str, value) -> set[str]:
    """The clips the rule should select, read off the rows in plain Python."""
    out = set()
    for row in ROWS:
        raw = _media_status(row) if name == "media_status" else row.get(name)
        kind = fields.field(name).kind
        if kind == fields.LIST:
            hit = _list_hit(set(raw), op, set(value or ()))
        elif kind == fields.MEDIA:
            usable = row["media_path"] and _media_status(row) not in ("missing", "mismatch", "unreadable")
            hit = bool(usable) == (op == "present")
        elif kind == fields.RETENTION:
            if op in ("missing", "present"):
                hit = (raw is None) == (op == "missing")
            else:
                recorded = datetime.fromisoformat(row["recorded_at"].replace("Z", "+00:00"))
                until = (
                    datetime.fromisoformat(raw).replace(tzinfo=UTC) if raw else recorded + timedelta(days=31)
                )
                threshold = datetime.fromisoformat(AS_OF).replace(tzinfo=UTC) + timedelta(
                    days=value["margin_days"]
                )
                hit = until >= threshold
        elif op == "missing":
            hit = raw is None
        elif op == "present":
            hit = raw is not None
        elif op == "equals":
            hit = raw == value
        elif op == "in":
            hit = raw in value
        elif op == "in_list":
            hit = raw in LISTS[value]
        else:  # range
            hit = raw is not None and value["min"] <= raw <= value["max"]
        if hit:
            out.add(row["clip_id"])
    return out


CASES = [
    (name, op, _values(name).get(op)) for name, spec in sorted(fields.FIELDS.items()) for op in spec.operators
]


def test_the_cases_cover_every_documented_field_and_operator():
    documented = (REPO / "docs" / "sampling.md").read_text()
    for name in fields.FIELDS:
        assert f"`{name}`" in documented, f"{name} is not in docs/sampling.md"
    assert {(n, o) for n, o, _ in CASES} == {(n, o) for n, s in fields.FIELDS.items() for o in s.operators}


@pytest.fixture(scope="module")
def catalogue_db(tmp_path_factory):
    from bwvtool.cli import main

    folder = tmp_path_factory.mktemp("rules")
    shutil.copy(REPO / "sample_media" / "framecode_720p25.mp4", folder / "clip.mp4")
    lines = []
    for row in ROWS:
        record = {k: v for k, v in row.items() if v not in (None, [])}
        lines.append(json.dumps(record))
    (folder / "cat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "ws.sqlite"
    for args in (["init"], ["catalogue", "import", str(folder / "cat.jsonl"), "--hash"]):
        try:
            main(["--db", str(db), *args])
        except SystemExit as exc:
            assert exc.code in (0, 1, None)  # 1: the absent media file is reported
    return db


def _plan(tmp_path, name, op, value, *, n=None) -> str:
    rule = {"field": name, "op": op} | ({} if value is None else {"value": value})
    plan = {
        "name": f"rule {name} {op}",
        "unit": "clip",
        "frame": {"window": {"from": "2026-11-01", "to": "2026-11-30"}, "where": rule},
        "lists": {"team": {"ids": LISTS["team"]}},
        "design": {"sample": {"method": "simple", "n": n or len(ROWS)}},
        "seed": 7,
    }
    path = tmp_path / f"{name}-{op}.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("name", "op", "value"), CASES, ids=[f"{n}-{o}" for n, o, _ in CASES])
def test_each_operator_on_each_field_selects_the_right_clips(
    catalogue_db, run_cli, tmp_path, name, op, value
):
    expected = _expected(name, op, value)
    plan = _plan(tmp_path, name, op, value, n=max(len(expected), 1))
    code, out, err = run_cli("sample", "draw", plan, "--as-of", AS_OF, "--json", db=catalogue_db)
    assert code == 0 and "Traceback" not in err, err  # an empty frame draws nothing, with a warning
    drawn = json.loads(out)
    code, out, err = run_cli("sample", "show", str(drawn["sample_id"]), "--items", "--json", db=catalogue_db)
    assert code == 0, err
    assert {item["clip_id"] for item in json.loads(out)["items"]} == expected


def test_a_clip_id_in_rule_draws_instead_of_crashing(catalogue_db, run_cli, tmp_path):
    """Reported: `{field: clip_id, op: in, value: [...]}` stopped `sample draw` with KeyError: 'clip_id'."""
    plan = _plan(tmp_path, "clip_id", "in", ["K2", "K4", "K9"])
    code, out, err = run_cli("sample", "draw", plan, "--as-of", AS_OF, "--json", db=catalogue_db)
    assert code == 0 and json.loads(out)["frame_size"] == 2, err
