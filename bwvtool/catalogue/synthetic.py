"""Synthetic clip catalogues that look like a London force's BWV export, for demos, tests and benchmarks.

The mix follows the published 2021 Metropolitan Police use-of-force figures shipped in
``schemas/reference/mps_use_of_force_2021.json``: boroughs weighted by their use-of-force incidents, tactics by
their counts, subjects by the published gender × age × ethnicity shares. On top of that, a plausible shape:
incidents filmed by 1–4 officers of one borough team, log-normal clip lengths, stop and search as a large share
of encounters, Op Hampshire (assault on an officer) incidents with their assault types, retention 31 days after
recording unless the footage is evidential. Everything is drawn with numpy from one seed, so a seed gives the
same catalogue every time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bwvtool.catalogue import vocab
from bwvtool.catalogue.rows import COLUMNS
from bwvtool.resources import load_json

REFERENCE = "reference/mps_use_of_force_2021.json"

# Boroughs → basic command units (the MPS's 12 BCUs; Heathrow is policed by Aviation, out-of-force by none).
BCU_OF_BOROUGH: dict[str, str | None] = {
    "Westminster": "CW",
    "Kensington and Chelsea": "CW",
    "Hammersmith and Fulham": "CW",
    "Camden": "CN",
    "Islington": "CN",
    "Lambeth": "AS",
    "Southwark": "AS",
    "Hackney": "CE",
    "Tower Hamlets": "CE",
    "Barking and Dagenham": "EA",
    "Havering": "EA",
    "Redbridge": "EA",
    "Enfield": "NA",
    "Haringey": "NA",
    "Newham": "NE",
    "Waltham Forest": "NE",
    "Barnet": "NW",
    "Brent": "NW",
    "Harrow": "NW",
    "Bromley": "SN",
    "Croydon": "SN",
    "Sutton": "SN",
    "Bexley": "SE",
    "Greenwich": "SE",
    "Lewisham": "SE",
    "Kingston upon Thames": "SW",
    "Merton": "SW",
    "Richmond upon Thames": "SW",
    "Wandsworth": "SW",
    "Ealing": "WA",
    "Hillingdon": "WA",
    "Hounslow": "WA",
    "Heathrow": "AV",
    "Out of force": None,
}

# Kinds of encounter and their share of incidents (stop and search is the largest single kind of filmed
# encounter; "routine" clips carry no programme flag at all).
KINDS = ("stop_search", "use_of_force", "vehicle_stop", "routine")
KIND_SHARES = (0.38, 0.27, 0.12, 0.23)
OFFICERS_PER_INCIDENT = (0.38, 0.34, 0.18, 0.10)  # 1, 2, 3, 4 cameras
SS_POWER_SHARES = {
    "s23_mda": 0.62,
    "s1_pace": 0.27,
    "s60_cjpoa": 0.05,
    "s47a_tact": 0.005,
    "s43_tact": 0.01,
    "other": 0.045,
}
SS_OUTCOME_SHARES = {
    "nfa": 0.71,
    "arrest": 0.14,
    "community_resolution": 0.06,
    "cannabis_warning": 0.04,
    "penalty_notice": 0.02,
    "summons": 0.01,
    "other": 0.02,
}
ASSAULT_SHARES = {
    "pushing": 0.24,
    "punching": 0.20,
    "kicking": 0.14,
    "spitting": 0.16,
    "biting": 0.07,
    "weapon": 0.05,
    "verbal_threat": 0.11,
    "other": 0.03,
}
# Incident-level flags that any kind of encounter may carry, with their rates.
FLAG_RATES = {
    "dcb": 0.010,
    "social_media": 0.003,
    "self_referral": 0.004,
    "manager_referral": 0.005,
    "complaint": 0.010,
    "cmg_request": 0.004,
}
PAVA_USED, BATON_USED = "Irritant spray - used", "Baton used"
_HOUR_WEIGHTS = (3, 2, 2, 1, 1, 1, 1, 2, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 8, 7, 6, 4)
_ETHNICITY = {
    "Asian": "asian",
    "Black": "black",
    "White": "white",
    "Other": "other",
    "Don't know": "not_stated",
}
_AGE = {"65 and over": "65+"}


def synthetic_rows(
    n: int, *, seed: int = 0, start: datetime | None = None, end: datetime | None = None
) -> Iterator[dict]:
    """``n`` catalogue rows (typed, as in JSON Lines) in recording order, the same for the same arguments.

    :param n: number of clips.
    :param seed: random seed.
    :param start: earliest recording time (aware; default 2021-01-01 UTC).
    :param end: latest recording time (aware; default start + 90 days).
    """
    import numpy as np

    start = start or datetime(2021, 1, 1, tzinfo=UTC)
    end = end or start + timedelta(days=90)
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must carry a time zone")
    if end <= start:
        raise ValueError("end must be after start")
    if n <= 0:
        return
    rng = np.random.default_rng(seed)
    ref = load_json(REFERENCE)

    # Incidents: enough to cover n clips, each with 1–4 officers; the last one is cut to fit exactly.
    per = rng.choice(4, size=n, p=OFFICERS_PER_INCIDENT) + 1
    cum = np.cumsum(per)
    m = int(np.searchsorted(cum, n) + 1)
    per = per[:m]
    per[-1] -= int(cum[m - 1] - n)

    areas = [a["area"] for a in ref["areas"]]
    area_w = np.array([a["incidents_2021"] for a in ref["areas"]], dtype=float)
    borough = rng.choice(len(areas), size=m, p=area_w / area_w.sum())
    kind = rng.choice(len(KINDS), size=m, p=KIND_SHARES)

    # Start times: uniform days, hours weighted towards the evening.
    span_days = max((end - start).total_seconds() / 86400.0, 1e-6)
    hours = np.array(_HOUR_WEIGHTS, dtype=float)
    day = np.floor(rng.random(m) * span_days)
    second_of_day = rng.choice(24, size=m, p=hours / hours.sum()) * 3600 + rng.integers(0, 3600, size=m)
    # Incidents start early enough for every camera (switched on up to 4 minutes later) to start before ``end``.
    latest = max((end - start).total_seconds() - 241, 0)
    offset_s = np.minimum(day * 86400 + second_of_day, latest)
    offset_s = np.sort(np.maximum(offset_s, 0))  # incidents in time order, so clip ids follow recording time

    tactics = _tactic_masks(rng, ref, kind, m)
    assaults = _assault_masks(rng, kind, m)
    flags = np.zeros(m, dtype=np.int64)
    for name, rate in FLAG_RATES.items():
        flags |= (rng.random(m) < rate).astype(np.int64) << vocab.SOURCES.index(name)
    ss_power = _choose(rng, SS_POWER_SHARES, m)
    ss_outcome = _choose(rng, SS_OUTCOME_SHARES, m)
    demo = _demographics(rng, ref, m)
    mtip_draw = rng.random(m)
    arrested = (kind == KINDS.index("stop_search")) & (ss_outcome == vocab.SS_OUTCOMES.index("arrest"))
    evidential = (assaults != 0) | arrested | (rng.random(m) < 0.04)
    keep_days = np.where(evidential, rng.choice([365, 730, 2555], size=m, p=[0.6, 0.3, 0.1]), 31)

    # Officers belong to borough teams: a pool per borough sized by its workload; an incident's officers are
    # neighbours in the pool (one team), and the same officers turn up again and again.
    pool = np.maximum(4, np.round(area_w / area_w.sum() * max(40, n / 30))).astype(np.int64)
    pool_start = np.concatenate([[0], np.cumsum(pool)[:-1]])
    team_base = rng.integers(0, 1 << 30, size=m)

    # Clips: one row per officer per incident.
    inc = np.repeat(np.arange(m), per)
    j = np.arange(n) - np.repeat(np.cumsum(per) - per, per)
    clip_ms = np.round(offset_s[inc] * 1000).astype(np.int64) + rng.integers(0, 1000, size=n)
    clip_ms += np.where(j == 0, 0, rng.integers(0, 240_000, size=n))  # colleagues switch on a little later
    duration = np.clip(np.exp(rng.normal(np.log(6 * 60), 0.85, size=n)), 8, 4 * 3600).round(1)
    b = borough[inc]
    officer = pool_start[b] + (team_base[inc] + j) % pool[b]
    # Every officer's own use-of-force form: the first camera carries the incident's tactics, others often too.
    keep_uof = (j == 0) | (rng.random(n) < 0.55)
    clip_uof = np.where(keep_uof, tactics[inc], 0)
    clip_assault = np.where((j == 0) | (rng.random(n) < 0.4), assaults[inc], 0)
    note_draw = rng.random(n)

    # Per-clip columns as plain lists (numpy scalars are slow one at a time); times formatted in bulk.
    origin = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "ms")
    recorded = np.datetime_as_string(origin + clip_ms.astype("timedelta64[ms]"), unit="ms").tolist()
    keep_until = (origin + clip_ms.astype("timedelta64[ms]")).astype("datetime64[D]") + keep_days[inc].astype(
        "timedelta64[D]"
    )
    retention = np.datetime_as_string(keep_until, unit="D").tolist()
    subject_of_clip = (kind[inc] != KINDS.index("routine")) | (clip_assault != 0)
    officer_refs = [
        f"{1000 + o % 9000:04d}{BCU_OF_BOROUGH.get(areas[b]) or 'OF'}" for o, b in _pairs(officer, b)
    ]
    columns = zip(
        inc.tolist(),
        kind[inc].tolist(),
        flags[inc].tolist(),
        clip_uof.tolist(),
        clip_assault.tolist(),
        b.tolist(),
        officer.tolist(),
        duration.tolist(),
        subject_of_clip.tolist(),
        (mtip_draw[inc] < np.where(clip_uof != 0, 0.12, 0.03)).tolist(),
        note_draw.tolist(),
        strict=True,
    )
    sources_cache: dict[int, list[str]] = {}
    uof_cache: dict[int, list[str]] = {}
    assault_cache: dict[int, list[str]] = {}
    ss_kind = KINDS.index("stop_search")
    kind_source = {ss_kind: 1 << 2, KINDS.index("vehicle_stop"): 1 << 4}
    powers, outcomes = ss_power.tolist(), ss_outcome.tolist()
    for c, (i, k, source_mask, uof_mask, assault_mask, b_i, off, dur, has_subject, mtip, note) in enumerate(
        columns
    ):
        source_mask |= kind_source.get(k, 0) | (8 if uof_mask else 0) | (1 if assault_mask else 0)
        area = areas[b_i]
        when = recorded[c]
        subject = demo[i] if has_subject else None
        clip_id = f"BWV{c + 1:09d}"
        yield {
            "clip_id": clip_id,
            "incident_id": f"INC{i + 1:08d}",
            "recorded_at": when + "Z",
            "duration_s": dur,
            "officer_ref": officer_refs[c],
            "borough": area,
            "camera_id": f"X{60_000_000 + off * 7:08d}",
            "bcu": BCU_OF_BOROUGH.get(area),
            "media_path": f"{when[:4]}/{when[5:7]}/{when[8:10]}/{clip_id}.mp4",
            "sources": _values(source_mask, vocab.SOURCES, sources_cache),
            "uof_tactics": _values(uof_mask, vocab.UOF_TACTICS, uof_cache),
            "assault_types": _values(assault_mask, vocab.ASSAULT_TYPES, assault_cache),
            "ss_power": vocab.SS_POWERS[powers[i]] if k == ss_kind else None,
            "ss_outcome": vocab.SS_OUTCOMES[outcomes[i]] if k == ss_kind else None,
            "mtip": mtip,
            "subject_age_band": subject[0] if subject else None,
            "subject_gender": subject[1] if subject else None,
            "subject_ethnicity": subject[2] if subject else None,
            "retention_until": retention[c],
            "notes": _note(note, area),
        }


def _pairs(a: Any, b: Any) -> Iterator[tuple[int, int]]:
    return zip(a.tolist(), b.tolist(), strict=True)


def _choose(rng: Any, shares: dict[str, float], size: int) -> Any:
    """Indexes into the vocabulary of ``shares``' keys (vocab order), drawn with those shares."""
    import numpy as np

    names = list(shares)
    p = np.array([shares[x] for x in names])
    vocabulary = vocab.SS_POWERS if names[0] in vocab.SS_POWERS else vocab.SS_OUTCOMES
    lookup = np.array([vocabulary.index(x) for x in names])
    return lookup[rng.choice(len(names), size=size, p=p / p.sum())]


def _tactic_masks(rng: Any, ref: dict, kind: Any, m: int) -> Any:
    """Use-of-force tactic bit masks per incident, weighted by the published 2021 counts.

    Published: ~1.55 tactics per use-of-force incident. Force is used in every use-of-force encounter and in
    some stops. PAVA and baton use are rare (well under 1%) but every one is reviewed, so each catalogue of a
    useful size carries a few.
    """
    import numpy as np

    counts = {t["tactic"]: t["count_2021"] for t in ref["tactics"]}
    weights = np.array([counts[t] for t in vocab.UOF_TACTICS], dtype=float)
    p = weights / weights.sum()
    uses_force = (
        (kind == KINDS.index("use_of_force"))
        | ((kind == KINDS.index("stop_search")) & (rng.random(m) < 0.14))
        | ((kind == KINDS.index("vehicle_stop")) & (rng.random(m) < 0.06))
    )
    how_many = np.minimum(1 + rng.poisson(0.6, size=m), 4)
    draws = rng.choice(len(p), size=(m, 4), p=p)
    masks = np.zeros(m, dtype=np.int64)
    for col in range(4):
        masks |= np.where(how_many > col, np.int64(1) << draws[:, col].astype(np.int64), 0)
    masks = np.where(uses_force, masks, 0)
    force_idx = np.flatnonzero(uses_force)
    if force_idx.size:
        for tactic, drawn in ((PAVA_USED, "Irritant spray - drawn"), (BATON_USED, "Baton drawn")):
            rate = counts[tactic] / ref["totals"]["incidents_2021"]
            extra = max(1, int(round(rate * force_idx.size)))
            chosen = rng.choice(force_idx, size=min(extra, force_idx.size), replace=False)
            masks[chosen] |= (1 << vocab.UOF_TACTICS.index(tactic)) | (1 << vocab.UOF_TACTICS.index(drawn))
    return masks


def _assault_masks(rng: Any, kind: Any, m: int) -> Any:
    """Assault-type bit masks: assaults on officers in some use-of-force encounters and a few others.

    One type in most assaults, so spitting- or biting-only incidents (which PIOSS does not review) occur.
    """
    import numpy as np

    rate = np.where(kind == KINDS.index("use_of_force"), 0.16, 0.012)
    assaulted = rng.random(m) < rate
    names = list(ASSAULT_SHARES)
    p = np.array([ASSAULT_SHARES[x] for x in names])
    bits = np.array([1 << vocab.ASSAULT_TYPES.index(x) for x in names], dtype=np.int64)
    first = bits[rng.choice(len(names), size=m, p=p / p.sum())]
    second = np.where(rng.random(m) < 0.3, bits[rng.choice(len(names), size=m, p=p / p.sum())], 0)
    return np.where(assaulted, first | second, 0)


def _demographics(rng: Any, ref: dict, m: int) -> list[tuple[str, str, str]]:
    """(age band, gender, ethnicity) of each incident's subject, from the published 2021 shares."""
    import numpy as np

    cells = [
        (_AGE.get(d["age_band"], d["age_band"]), d["gender"].lower(), _ETHNICITY[d["ethnicity"]])
        for d in ref["demographics_2021"]
    ]
    # The published table omits 'Other' gender (0.3%); small shares stand in for it and for 'mixed'.
    cells += [("18-34", "other", "white"), ("18-34", "male", "mixed"), ("11-17", "male", "mixed")]
    weights = np.array([d["percent_of_incidents_2021"] for d in ref["demographics_2021"]] + [0.3, 1.0, 0.3])
    weights = np.maximum(weights, 0.02)  # published zeros are rounding, not impossibility
    drawn = rng.choice(len(cells), size=m, p=weights / weights.sum())
    return [cells[int(x)] for x in drawn]


def _values(mask: int, vocabulary: tuple[str, ...], cache: dict[int, list[str]]) -> list[str]:
    found = cache.get(mask)
    if found is None:
        found = cache[mask] = vocab.values_of(mask, vocabulary)
    return list(found)


def _note(draw: float, area: str) -> str | None:
    """A free-text note on a few clips, some with commas and quotes (real exports have them)."""
    if draw < 0.985:
        return None
    if draw < 0.993:
        return f"Discussed at DCB, {area}"
    if draw < 0.997:
        return 'Subject said "I\'ve done nothing", filmed from the start'
    return "Camera knocked off; second half audio only"


# -- writing files -------------------------------------------------------------------------------------------------
def write_csv(path: str | Path, rows: Iterable[dict]) -> int:
    """Write rows as a catalogue CSV (lists ``;``-separated, booleans true/false); returns the row count.

    The header is the catalogue's columns plus any other keys of the first row (kept as extra attributes).
    """
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        header: list[str] | None = None
        for row in rows:
            if header is None:
                header = [*COLUMNS, *(k for k in row if k not in COLUMNS)]
                writer.writerow(header)
            writer.writerow([_cell(row.get(c)) for c in header])
            count += 1
        if header is None:
            writer.writerow(COLUMNS)
    return count


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> int:
    """Write rows as JSON Lines (absent values left out); returns the row count."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False))
            handle.write("\n")
            count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def generate_file(
    path: str | Path,
    rows: int,
    *,
    seed: int = 0,
    start: datetime | None = None,
    end: datetime | None = None,
    fmt: str | None = None,
) -> dict[str, Any]:
    """Write ``rows`` synthetic clips to a CSV or JSON Lines file (format from ``fmt`` or the extension)."""
    from bwvtool.catalogue.readers import detect_format
    from bwvtool.errors import UsageError

    path = Path(path)
    fmt = detect_format(path, fmt)
    try:
        generated = synthetic_rows(rows, seed=seed, start=start, end=end)
        count = (write_csv if fmt == "csv" else write_jsonl)(path, generated)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return {"path": str(path), "format": fmt, "rows": count, "seed": seed}
