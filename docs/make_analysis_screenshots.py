"""Make docs/reliability.png and docs/sequences.png: the Analysis tab on a double-coded research sample.

``xvfb-run -a -s "-screen 0 1920x1200x24" python docs/make_analysis_screenshots.py [--dir /tmp/bwvtool-analysis]``
(or with ``QT_QPA_PLATFORM=offscreen``).

The workspace is built the way a study would be: a synthetic catalogue, a stratified S&S sample with half of the
clips assigned to a second coder for reliability, and two coders keying in each encounter through the coding
session the desk uses. The second coder sees the same encounter: they mostly agree, with the slips real coders
make (onsets a few hundred ms apart, a missed or an extra utterance, a confusable code, a different demeanour
level), so the figures land where a trained pair's do, some reliable and some not.
"""

from __future__ import annotations

import argparse
import os
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
CODERS = ("r.ahmed", "j.wilson")
FPS = 25
PLAN = f"""
name: S&S language and escalation study
unit: clip
frame:
  window: {{from: "2021-01-01", to: "2021-04-01"}}
  where:
    all:
      - {{field: sources, op: contains_any, value: [stop_search]}}
design:
  sample: {{method: stratified, n: 48, strata: [subject_ethnicity], allocation: proportional}}
assignment:
  coders: [{CODERS[0]}, {CODERS[1]}]
  double_code: 0.5
"""
# Codes a second coder may take for one another.
CONFUSABLE = {
    "reason_given": "explains_process",
    "explains_process": "reason_given",
    "reassurance": "active_listening",
    "active_listening": "reassurance",
    "formal_address": "informal_title",
    "command": "threat_warning",
    "respect": "humanise",
    "humanise": "respect",
}
GOWISELY = (
    "grounds",
    "object",
    "warrant_card",
    "identity",
    "station",
    "entitlement",
    "legal_power",
    "detained",
)


@dataclass(order=True)
class Key:
    """One key press: at ``ms``; ends (order 0) before starts and points (order 1) at the same time."""

    ms: int
    order: int
    code: str = field(compare=False)
    actor: str = field(compare=False)
    modifiers: dict[str, Any] = field(default_factory=dict, compare=False)


def encounter(rng: random.Random, duration_ms: int) -> list[Key]:
    """One stop and search as a coder would key it: opening, grounds (or not), commands, and what follows."""
    keys: list[Key] = []
    t = rng.randint(800, 2500)

    def say(code: str, actor: str = "officer_1", **modifiers: Any) -> None:
        nonlocal t
        keys.append(Key(t, 1, code, actor, modifiers))
        t += rng.randint(1500, 4500)

    def state(code: str, actor: str, low: int, high: int, **modifiers: Any) -> int:
        keys.append(Key(t, 1, code, actor, modifiers))
        end = t + rng.randint(low, high)
        keys.append(Key(end, 0, code, actor))
        return end

    level = rng.choice(["calm", "calm", "anxious", "anxious", "agitated"])
    keys.append(Key(0, 1, "demeanour", "subject_1", {"level": level}))
    if rng.random() < 0.7:
        say("self_introduction")
    if rng.random() < 0.65:
        say("formal_address")
    elif rng.random() < 0.4:
        say("informal_title")
    grounds_first = rng.random() < 0.6
    if grounds_first:
        say("reason_given")
        if rng.random() < 0.6:
            say("explains_process")
        if rng.random() < 0.55:
            say("invites_voice")
            if rng.random() < 0.7:
                say("active_listening")
    if rng.random() < 0.5:
        say("respect")
    say("command")
    escalates = rng.random() < (0.2 if grounds_first else 0.65)
    if escalates:
        t = state("verbal_resistance", "subject_1", 4000, 9000) + 300
        keys.append(Key(t, 0, "demeanour", "subject_1"))
        keys.append(Key(t, 1, "demeanour", "subject_1", {"level": rng.choice(["agitated", "hostile"])}))
        t += 400
        say("escalation_up", "subject_1")
        if rng.random() < 0.45:
            end = state("active_resistance", "subject_1", 3000, 8000)
            t += 900
            say("command")
            if rng.random() < 0.4:
                say("threat_warning")
            t = max(t, end + 500)
        t = state("calm", "officer_1", 5000, 12000) - rng.randint(1000, 4000)
        say("reason_given" if not grounds_first else "explains_process")
        say("escalation_down", "subject_1")
        if rng.random() < 0.5:
            say("turning_point", "subject_1")
    say("complies", "subject_1")
    for code, p in (("reassurance", 0.5), ("apology_thanks", 0.45), ("offer_help", 0.2)):
        if rng.random() < p:
            say(code)
    keys.sort()
    scale = min(1.0, 0.95 * duration_ms / max(k.ms for k in keys))  # a short clip: the same story, faster
    return [replace(k, ms=int(k.ms * scale)) for k in keys]


def second_coder(rng: random.Random, keys: list[Key]) -> list[Key]:
    """The same encounter keyed by another trained coder: close, not identical."""
    out = []
    shifts: dict[tuple[int, str], float] = {}
    for key in keys:
        is_point = key.code not in ("demeanour", "verbal_resistance", "active_resistance", "calm")
        if is_point and rng.random() < 0.07:
            continue  # missed
        code = CONFUSABLE.get(key.code, key.code) if is_point and rng.random() < 0.08 else key.code
        modifiers = dict(key.modifiers)
        if key.code == "demeanour" and modifiers and rng.random() < 0.15:
            modifiers["level"] = {"calm": "anxious", "anxious": "calm", "agitated": "hostile"}.get(
                modifiers["level"], "agitated"
            )
        # One shift per moment: a state's end and the next state's start at the same time move together.
        shift = shifts.setdefault((key.ms, key.code), rng.gauss(0, 350 if is_point else 700))
        ms = key.ms if key.ms == 0 else max(1, int(key.ms + shift))
        out.append(Key(ms, key.order, code, key.actor, modifiers))
    if rng.random() < 0.4:  # an utterance the first coder did not code
        out.append(Key(rng.randint(1000, max(1001, keys[-1].ms)), 1, rng.choice(["reassurance", "invites_voice"]),
                       "officer_1"))  # fmt: skip
    return sorted(out)


def key_in(ws, clip_id: str, coder: str, stored, keys: list[Key]) -> None:
    """Press the keys through a coding session; a state's end is pressed only while that state runs."""
    from bwvtool.coding.session import CodebookCodes, CodingSession

    codes = CodebookCodes(stored.codebook)
    session = CodingSession(ws, clip_id=clip_id, coder=coder, codebook_id=stored.id, codes=codes)
    for key in keys:
        spec = codes.spec(key.code)
        running = session.open_state(spec.track, key.actor) if spec.is_state else None
        if spec.is_state and (running is not None and running.code == key.code) != (key.order == 0):
            continue  # an end of a state already ended, or a start of one still running
        session.code_key(key.code, at_ms=key.ms, at_frame=key.ms * FPS // 1000, actor=key.actor,
                         modifiers=key.modifiers or None)  # fmt: skip


def review(
    ws, clip_id: str, coder: str, stored, truth: dict[str, Any], rng: random.Random, second: bool
) -> None:
    from bwvtool.coding import review as reviews

    answers = dict(truth)
    if second:
        for item in answers:
            if item.startswith("gowisely_") and rng.random() < 0.12:
                answers[item] = {"given": "partial", "partial": "given", "not_given": "partial"}.get(
                    answers[item], answers[item]
                )
            elif item.startswith("pj_") and rng.random() < 0.3:
                answers[item] = min(4, max(0, answers[item] + rng.choice([-1, 1])))
    for item, value in answers.items():
        reviews.save_answer(ws, clip_id=clip_id, coder=coder, codebook=stored.codebook, codebook_id=stored.id,
                            item_id=item, value=value)  # fmt: skip
    reviews.complete(ws, clip_id=clip_id, coder=coder, codebook=stored.codebook, codebook_id=stored.id)


def review_truth(rng: random.Random) -> dict[str, Any]:
    truth: dict[str, Any] = {
        f"gowisely_{part}": rng.choices(["given", "partial", "not_given"], [6, 2, 2])[0] for part in GOWISELY
    }
    truth["gowisely_warrant_card"] = "not_applicable"
    base = rng.randint(1, 4)
    for item in ("pj_voice", "pj_neutrality", "pj_dignity_respect", "pj_trustworthy_motives"):
        truth[item] = min(4, max(0, base + rng.choice([-1, 0, 0, 1])))
    truth["whole_encounter_recorded"] = rng.choices(["yes", "no"], [9, 1])[0]
    truth["audio_quality"] = rng.choices(["good", "usable", "poor"], [6, 3, 1])[0]
    truth["learning_themes"] = ["none"] if truth["gowisely_grounds"] == "given" else ["reasons_grounds"]
    return truth


def build(folder: Path) -> tuple[Path, int]:
    """The study workspace in ``folder``; returns (workspace file, sample id)."""
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
    from bwvtool.sampling import draw, sample_items
    from bwvtool.store import open_workspace
    from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "study.sqlite"
    if db.exists():
        db.unlink()
    catalogue, plan = folder / "catalogue.csv", folder / "plan.yaml"
    write_csv(catalogue, synthetic_rows(1500, seed=21))
    plan.write_text(PLAN, encoding="utf-8")
    with open_workspace(db, create=True) as ws:
        import_catalogue(ws, catalogue, actor="setup")
        ensure_default_codebooks(ws, actor="setup")
        stored = get_codebook(ws.conn, "ss_language_behaviour")
        with ws.transaction("setup") as tx:  # a draw assigns only coders the workspace has
            for name in CODERS:
                ws.coder_id(tx, name)
        sample_id = draw(ws, plan, seed=2021, as_of="2021-04-01", actor="setup")
        rng = random.Random(2021)
        for item in sample_items(ws, sample_id):
            duration = int(float(item.get("duration_s") or 120) * 1000)
            keys, truth = encounter(rng, duration), review_truth(rng)
            coders = [c for c in (item["coder"], item["reliability_coder"]) if c]
            for n, coder in enumerate(coders):
                key_in(ws, item["clip_id"], coder, stored, second_coder(rng, keys) if n else keys)
                review(ws, item["clip_id"], coder, stored, truth, rng, second=bool(n))
    return db, sample_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bwvtool-analysis"))
    parser.add_argument("--out", type=Path, default=DOCS, help="Folder for the two PNG files.")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    db, sample_id = build(args.dir)

    from PySide6.QtCore import QTimer

    from bwvtool.store import open_workspace
    from bwvtool.ui.app import application
    from bwvtool.ui.main_window import MainWindow

    app = application()
    window = MainWindow(open_workspace(db), "setup")  # the study lead: its coders see only their own work
    window.resize(1600, 1000)
    window.show()
    page = window.analysis
    args.out.mkdir(parents=True, exist_ok=True)

    def compute() -> None:
        window.show_page(page)
        page.select_sample(sample_id)
        page.reliability.shown.connect(reliability_shown)
        page.compute()

    def reliability_shown() -> None:
        rows = page.reliability.overview.model.rows
        page.reliability.overview.view.selectRow(
            next(i for i, r in enumerate(rows) if r["track"] == "officer_language")
        )
        app.processEvents()
        window.grab().save(str(args.out / "reliability.png"))
        page.tabs.setCurrentWidget(page.sequences)
        page.sequences.label_actor.setChecked(True)  # who follows whom: officer moves before subject moves
        page.sequences.shown.connect(lambda: QTimer.singleShot(200, sequences_shown))

    def sequences_shown() -> None:
        app.processEvents()
        window.grab().save(str(args.out / "sequences.png"))
        app.quit()

    QTimer.singleShot(500, compute)
    app.exec()
    print(f"screenshots written to {args.out} (workspace {db}, sample {sample_id})")


if __name__ == "__main__":
    main()
