"""What the issue-9 guards cost, each beside a baseline from the same run.

* **stored rules per edit**: one state event added through ``AddEvent`` in its own transaction (the rule check
  reads the coding's overlapping rows, in an exclusive track, against N stored events on the clip). Baseline: the
  same insert and audit row without the check (``event_rows.insert`` + ``tx.audit``), interleaved.
* **hostile files refused**: a "billion laughs" codebook and plan (under 1 KB, 387 million values expanded) and a
  50 MB codebook, from the call until the refusal. Baseline: loading the shipped PIOSS codebook / weekly plan.

    python bench/bench_guards.py [--events 10000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from figures import Figure, emit
from workloads import coded_event

REPO = Path(__file__).resolve().parent.parent
LAUGHS = "".join(
    f"x_l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" if i else 'x_l0: &l0 "lol"\n' for i in range(10)
)


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def bench_rules(folder: Path, n_events: int, repeat: int) -> None:
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.coding.commands import AddEvent, run
    from bwvtool.store import events as event_rows
    from bwvtool.store import open_workspace
    from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook

    (folder / "cat.csv").write_text(
        "clip_id,incident_id,recorded_at,duration_s,officer_ref,borough\nB1,I1,2026-11-02T10:00:00Z,86400,PC1,Lambeth\n"
    )
    ws = open_workspace(folder / "ws.sqlite", create=True)
    import_catalogue(ws, folder / "cat.csv", actor="bench")
    ensure_default_codebooks(ws, actor="bench")
    codebook_id = get_codebook(ws.conn, "ss_language_behaviour").id
    with ws.transaction("bench") as tx:
        coder_id = ws.coder_id(tx, "bench")
        for i in range(n_events):
            event_rows.insert(
                tx,
                coded_event(i, clip_id="B1", coder_id=coder_id, codebook_id=codebook_id, onset_ms=i * 1000),
            )
    checked, bare = [], []
    for k in range(repeat):
        onset = (
            n_events + 2 * k
        ) * 1000  # past the stored events: every check passes, as on a normal key press
        event = coded_event(
            4, clip_id="B1", coder_id=coder_id, codebook_id=codebook_id, onset_ms=onset
        )  # a state

        def with_rules(event=event) -> None:
            run(ws, AddEvent(event), "bench")

        def without(event=event) -> None:
            with ws.transaction("bench") as tx:
                later = event.with_changes(onset_ms=event.onset_ms + 1000, offset_ms=event.offset_ms + 1000)
                stored = event_rows.insert(tx, later)
                tx.audit("event.add", "event", str(stored.id), {})

        checked.append(_timed(with_rules))
        bare.append(_timed(without))
    ws.close()
    emit(Figure("guards", f"state added with the stored rules checked ({n_events:,} events on the clip)", "ms",
                checked, "the same insert and audit row, no check", bare, "key → committed ≤ 2 ms p99"))  # fmt: skip


def bench_files(folder: Path, repeat: int) -> None:
    from bwvtool.codebook import load_codebook
    from bwvtool.errors import UsageError
    from bwvtool.sampling import load_plan

    codebook = REPO / "schemas" / "codebooks" / "pioss_review.yaml"
    plan = REPO / "schemas" / "plans" / "pioss_weekly.yaml"
    laughs = folder / "laughs.yaml"
    laughs.write_text(codebook.read_text() + LAUGHS)
    laughs_plan = folder / "laughs_plan.yaml"
    laughs_plan.write_text(plan.read_text() + LAUGHS)
    big = folder / "big.yaml"
    big.write_bytes(codebook.read_bytes() + b"# padding\n" * (5 * 1024 * 1024))

    def refused(load, path) -> float:
        def go() -> None:
            try:
                load(path)
            except UsageError:
                return
            raise SystemExit(f"{path.name} was not refused")

        return _timed(go)

    for name, load, path, base_name, base in (
        ("billion-laughs codebook refused", load_codebook, laughs, "loading the PIOSS codebook", codebook),
        ("50 MB codebook refused", load_codebook, big, "loading the PIOSS codebook", codebook),
        ("billion-laughs plan refused", load_plan, laughs_plan, "loading the PIOSS weekly plan", plan),
    ):
        values, baseline = [], []
        for _ in range(repeat):
            values.append(refused(load, path))
            baseline.append(_timed(lambda load=load, base=base: load(base)))
        emit(Figure("guards", name, "ms", values, base_name, baseline, "refused within 2 s"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_rules(Path(tmp), args.events, args.repeat)
        bench_files(Path(tmp), max(5, args.repeat // 3))


if __name__ == "__main__":
    main()
