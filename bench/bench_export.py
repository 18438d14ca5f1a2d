"""A research export of 100,000 coded events: bwvtool beside a plain ``csv.writer`` dump of the same rows.

The workspace holds a synthetic catalogue, a drawn sample of 1,000 clips and 100,000 events of the S&S codebook
by two coders (states with modifiers, points, notes). Figures, each the median of ``--repeat`` runs:

* **export csv / jsonl**: the whole ``bwvtool export SAMPLE --pseudonymise KEY`` call (``export_sample``): read
  snapshot, clips, reviews, events (pseudonyms, labels, modifiers flattened, formula neutralising), the per-clip
  summary, codebook, data dictionary, SHA-256 of every file, manifest and audit row;
* **baseline**: the same event rows (the same joined query) written by ``csv.writer.writerows`` — no
  pseudonyms, no conversion, no summary, no other files.

    python bench/bench_export.py [--events 100000] [--clips 1000] [--repeat 3] [--db PATH]

The workspace is built once (a few seconds) and reused from ``--db`` (default: a file in the temp folder).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

CODES = [  # (track, code, actor, state?) of the S&S codebook, in the rhythm of an encounter
    ("subject_demeanour", "demeanour", "subject_1", True), ("officer_language", "reason_given", "officer_1", False),
    ("officer_language", "command", "officer_1", False), ("officer_language", "explains_process", "officer_1", False),
    ("subject_behaviour", "verbal_resistance", "subject_1", True), ("de_escalation", "calm", "officer_1", True),
    ("subject_behaviour", "complies", "subject_1", False), ("escalation", "escalation_down", "officer_1", False),
]  # fmt: skip


def build(path: Path, n_events: int, n_clips: int) -> int:
    """Catalogue, codebooks, a sample of ``n_clips`` clips and ``n_events`` events; returns the sample id."""
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
    from bwvtool.coding.model import Event
    from bwvtool.store import events as event_rows
    from bwvtool.store import open_workspace
    from bwvtool.store import samples as sample_rows
    from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook, lock_if_unlocked

    path.unlink(missing_ok=True)
    source = path.with_suffix(".jsonl")
    write_jsonl(source, synthetic_rows(n_clips, seed=3))
    ws = open_workspace(path, create=True)
    import_catalogue(ws, source, actor="bench")
    ensure_default_codebooks(ws, actor="bench")
    codebook_id = get_codebook(ws.conn, "ss_language_behaviour").id
    clips = [row[0] for row in ws.conn.execute("SELECT clip_id FROM clips ORDER BY clip_id")]
    with ws.transaction("bench") as tx:
        sample_id = sample_rows.insert_sample(tx, {
            "name": "bench", "plan_text": "name: bench", "plan_sha256": "0" * 64, "seed": 1, "unit": "clip",
            "drawn_at": tx.at, "drawn_by": "bench", "frame_sha256": "0" * 64, "frame_size": n_clips,
            "manifest_sha256": "0" * 64, "report": {"as_of": "2021-04-01"}})  # fmt: skip
        coders = [ws.coder_id(tx, "alice"), ws.coder_id(tx, "bob")]
        sample_rows.insert_contents(
            tx, sample_id, [("all", n_clips, n_clips, 0)],
            [(clip, clip, "all", "sample", 0.5, 2.0, i) for i, clip in enumerate(clips)],
            [(clip, coders[i % 2], "primary") for i, clip in enumerate(clips)])  # fmt: skip
        lock_if_unlocked(tx, codebook_id)
        for i in range(n_events):
            clip = clips[i % len(clips)]
            track, code, actor, state = CODES[i % len(CODES)]
            onset = (i // len(clips)) * 900
            event_rows.insert(tx, Event(
                clip_id=clip, coder_id=coders[(i // len(clips)) % 2], codebook_id=codebook_id, track=track,
                code=code, actor=actor, onset_ms=onset, onset_frame=onset * 25 // 1000,
                offset_ms=onset + 700 if state else None, offset_frame=(onset + 700) * 25 // 1000 if state else None,
                modifiers={"level": "calm"} if code == "demeanour" else {},
                note='=HYPERLINK("x")' if i % 97 == 0 else None))  # fmt: skip
    ws.close()
    source.unlink()
    return sample_id


def time_export(db: Path, sample_id: int, fmt: str, key: Path, folder: Path) -> tuple[float, float]:
    from bwvtool.export.context import ExportOptions
    from bwvtool.export.run import export_sample
    from bwvtool.store import open_workspace

    out = folder / f"export-{fmt}"
    shutil.rmtree(out, ignore_errors=True)
    with open_workspace(db) as ws:
        started, cpu = time.perf_counter(), time.process_time()
        export_sample(ws, sample_id, out, ExportOptions(fmt=fmt, key_file=key), actor="bench")
        return time.perf_counter() - started, time.process_time() - cpu


def time_baseline(db: Path, sample_id: int, folder: Path) -> tuple[float, float]:
    from bwvtool.store import exports as rows_of
    from bwvtool.store import open_workspace

    with open_workspace(db) as ws:
        started, cpu = time.perf_counter(), time.process_time()
        with (folder / "baseline.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(rows_of.EVENT_COLUMNS)
            writer.writerows(rows_of.event_rows(ws.conn, sample_id))
        return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clips", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "bwvtool-bench-export.sqlite"
    )
    args = parser.parse_args()

    from bwvtool.export.pseudonym import generate_key_file
    from bwvtool.store import open_workspace

    sample_id = None
    if args.db.exists():
        with open_workspace(args.db) as ws:
            if ws.counts()["events"] == args.events:
                sample_id = ws.conn.execute("SELECT max(id) FROM samples").fetchone()[0]
    if sample_id is None:
        started = time.perf_counter()
        sample_id = build(args.db, args.events, args.clips)
        print(
            f"built the workspace ({args.events:,} events, {args.clips:,} clips) in {time.perf_counter() - started:.1f} s"
        )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        key = folder / "key"
        generate_key_file(key)
        runs = [time_baseline(args.db, sample_id, folder) for _ in range(args.repeat)]
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(
            f"baseline: plain csv.writer dump of the {args.events:,} joined event rows: {wall:.3f} s ({cpu:.3f} s CPU)"
        )
        for fmt in ("csv", "jsonl"):
            runs = [time_export(args.db, sample_id, fmt, key, folder) for _ in range(args.repeat)]
            took, took_cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            print(f"bwvtool export --format {fmt} (pseudonymised, every file, manifest, audit): {took:.3f} s"
                  f" ({took_cpu:.3f} s CPU) = {took / wall:.2f}x the baseline ({took_cpu / cpu:.2f}x in CPU time);"
                  " target <= 1 s")  # fmt: skip
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
