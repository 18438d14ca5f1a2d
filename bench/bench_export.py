"""A research export of 100,000 coded events: bwvtool beside plain writer loops over the same rows, interleaved.

The workspace holds a synthetic catalogue, a drawn sample of 1,000 clips and 100,000 events of the S&S codebook
by two coders (states with modifiers, points, notes), each clip assigned to one of them: their events are coded for
that assignment, as the desk codes them, the other coder's are clip-level. Each repeat runs, in turn: the CSV baseline, the CSV export,
the JSON Lines baseline, the JSON Lines export (wall time; CPU time is printed too):

* **export csv / jsonl**: the whole ``bwvtool export SAMPLE --pseudonymise KEY`` call (``export_sample``): read
  snapshot, clips, reviews, events (pseudonyms, labels, modifiers flattened, formula neutralising), the per-clip
  summary, codebook, data dictionary, SHA-256 of every file, manifest and audit row;
* **baselines**: the same event rows (the same joined query) written by ``csv.writer.writerows``, or by a plain
  loop of ``json.dumps`` of each row as an object — no pseudonyms, no conversion, no summary, no other files.

    python bench/bench_export.py [--events 100000] [--clips 1000] [--repeat 3] [--db PATH]

Without ``--db`` the workspace is built (a few seconds) in a temporary folder that is removed at the end; with
``--db`` it is kept there and reused by the next run with the same number of events.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from figures import Figure, emit
from workloads import coded_event


def build(path: Path, n_events: int, n_clips: int) -> int:
    """Catalogue, codebooks, a sample of ``n_clips`` clips and ``n_events`` events; returns the sample id."""
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
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
        assigned = {(clip, coder): assignment for assignment, clip, coder in tx.execute(
            "SELECT id, clip_id, coder_id FROM assignments WHERE sample_id = ?", (sample_id,))}  # fmt: skip
        for i in range(n_events):
            coder = coders[(i // len(clips)) % 2]
            event = coded_event(i, clip_id=clips[i % len(clips)], coder_id=coder, codebook_id=codebook_id,
                                onset_ms=(i // len(clips)) * 900)  # fmt: skip
            # As the desk codes: for the coder's assignment of the clip when there is one, else clip-level.
            event_rows.insert(tx, replace(event, assignment_id=assigned.get((event.clip_id, coder))))
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


def time_baseline(db: Path, sample_id: int, folder: Path, fmt: str) -> tuple[float, float]:
    from bwvtool.store import exports as rows_of
    from bwvtool.store import open_workspace

    with open_workspace(db) as ws:
        started, cpu = time.perf_counter(), time.process_time()
        with (folder / f"baseline.{fmt}").open("w", newline="", encoding="utf-8") as handle:
            if fmt == "csv":
                writer = csv.writer(handle)
                writer.writerow(rows_of.EVENT_COLUMNS)
                writer.writerows(rows_of.event_rows(ws.conn, sample_id))
            else:
                names = rows_of.EVENT_COLUMNS
                for row in rows_of.event_rows(ws.conn, sample_id):
                    handle.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n")
        return time.perf_counter() - started, time.process_time() - cpu


def ensure_workspace(db: Path, n_events: int, n_clips: int) -> int:
    from bwvtool.store import open_workspace

    if db.exists():
        with open_workspace(db) as ws:
            if ws.counts()["events"] == n_events:
                return ws.conn.execute("SELECT max(id) FROM samples").fetchone()[0]
    started = time.perf_counter()
    sample_id = build(db, n_events, n_clips)
    print(
        f"built the workspace ({n_events:,} events, {n_clips:,} clips) in {time.perf_counter() - started:.1f} s"
    )
    return sample_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clips", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, help="keep the built workspace here and reuse it")
    args = parser.parse_args()

    from bwvtool.export.pseudonym import generate_key_file

    with tempfile.TemporaryDirectory(prefix="bwv-bench-export-") as tmp:
        folder = Path(tmp)
        db = args.db or folder / "ws.sqlite"
        sample_id = ensure_workspace(db, args.events, args.clips)
        key = folder / "key"
        generate_key_file(key)
        runs: dict[str, list[tuple[float, float]]] = {
            k: [] for k in ("csv", "jsonl", "base csv", "base jsonl")
        }
        for _ in range(args.repeat):
            for fmt in ("csv", "jsonl"):
                runs[f"base {fmt}"].append(time_baseline(db, sample_id, folder, fmt))
                runs[fmt].append(time_export(db, sample_id, fmt, key, folder))
    print(f"\nResearch export of {args.events:,} events ({args.repeat} runs each, interleaved)")
    cpu = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
    for fmt, plain in (("csv", "a plain csv.writer dump"), ("jsonl", "a plain json.dumps loop")):
        emit(Figure("export", f"export --format {fmt} (pseudonymised, every file, manifest, audit)", "s",
                    [r[0] for r in runs[fmt]], f"{plain} of the same rows", [r[0] for r in runs[f"base {fmt}"]],
                    "≤ 1.2×"))  # fmt: skip
        print(
            f"    CPU time: {cpu[fmt]:.3f} s against {cpu[f'base {fmt}']:.3f} s = {cpu[fmt] / cpu[f'base {fmt}']:.2f}x"
        )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
