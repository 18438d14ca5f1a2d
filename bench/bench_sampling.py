"""A stratified draw with rules over a synthetic 1,000,000-clip catalogue: bwvtool beside plain pandas.

Both sides read the same columns from the same SQLite workspace (the list fields as their bit masks) and draw the
same plan: a window, five rules, a stratification by subject ethnicity × borough with proportional allocation.
"load" is SQLite → arrays (bwvtool: numpy via ``load_columns``; pandas: ``read_sql``); "draw" is everything after
that: frame, strata, allocation, random selection, probabilities and weights, and (bwvtool) the frame hash,
assignment and canonical manifest. "stored draw" is the whole ``bwvtool.sampling.draw`` call (load, draw, write
the sample, its items and the audit row). Frame size and stratum sizes of the two sides are checked to agree.

    python bench/bench_sampling.py [--clips 1000000] [--repeat 3] [--db PATH]

The catalogue is generated (``synthetic_rows``, seed 1, the year 2021) and imported once, then reused from
``--db`` (default: a file in the system temp folder); building 1,000,000 clips takes a few minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

PLAN = """\
name: bench stratified clips
unit: clip
frame:
  window: {from: "2021-01-01", to: "2021-12-31"}
  where:
    all:
      - any:
          - {field: sources, op: contains_any, value: [stop_search, use_of_force]}
          - {field: uof_tactics, op: contains_any, value: [Baton used, Irritant spray - used]}
      - not: {field: assault_types, op: only, value: [spitting, biting]}
      - {field: duration_s, op: range, value: {min: 30, max: 7200}}
      - {field: media, op: present}
      - {field: retention_until, op: not_passed}
design:
  sample:
    method: stratified
    n: 2000
    strata: [subject_ethnicity, borough]
    allocation: proportional
"""
AS_OF = date(2021, 12, 1)
SEED = 20211201


def ensure_catalogue(path: Path, clips: int) -> None:
    """Generate and import the synthetic catalogue unless ``path`` already holds it."""
    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
    from bwvtool.store import open_workspace

    if path.exists():
        with open_workspace(path) as ws:
            if ws.counts()["clips"] == clips:
                return
        raise SystemExit(f"{path} exists but does not hold {clips:,} clips; pass another --db")
    print(f"building a {clips:,}-clip catalogue in {path} (once) …", flush=True)
    started = time.perf_counter()
    source = path.with_suffix(".jsonl")
    write_jsonl(source, synthetic_rows(clips, seed=1, start=datetime(2021, 1, 1, tzinfo=UTC),
                                       end=datetime(2021, 12, 31, tzinfo=UTC)))  # fmt: skip
    with open_workspace(path, create=True) as ws:
        import_catalogue(ws, source, actor="bench")
    source.unlink()
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def pandas_load(conn):
    """The same columns as bwvtool reads, through pandas (text fields as text)."""
    import pandas as pd

    from bwvtool.store.samples import COLUMN_SQL

    names = ["clip_id", "incident_id", "recorded_ts", "duration_s", "sources", "uof_tactics", "assault_types",
             "media", "retention_until", "subject_ethnicity", "borough"]  # fmt: skip
    sql = "SELECT " + ", ".join(f"{COLUMN_SQL[n]} AS {n}" for n in names) + " FROM clips"
    return pd.read_sql(sql, conn)


def pandas_draw(df, window, seed: int):
    """The bench plan, written the way a pandas user would write it."""
    import numpy as np

    from bwvtool.catalogue import vocab
    from bwvtool.sampling.allocation import largest_remainder

    sources = vocab.mask_of(["stop_search", "use_of_force"], vocab.SOURCES)
    tactics = vocab.mask_of(["Baton used", "Irritant spray - used"], vocab.UOF_TACTICS)
    spit_bite = vocab.mask_of(["spitting", "biting"], vocab.ASSAULT_TYPES)
    threshold = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC).timestamp()
    f = df[(df.recorded_ts >= window.start_ts) & (df.recorded_ts < window.end_ts)]
    retained = f.retention_until.fillna(f.recorded_ts + 31 * 86_400) >= threshold
    keep = (
        (((f.sources & sources) != 0) | ((f.uof_tactics & tactics) != 0))
        & ~((f.assault_types != 0) & ((f.assault_types & ~spit_bite) == 0))
        & f.duration_s.between(30, 7200)
        & (f.media == 1)
        & retained
    )
    frame = f[keep].sort_values("clip_id")
    frame_sha = hashlib.sha256("\n".join(frame.clip_id).encode()).hexdigest()
    stratum = frame.subject_ethnicity.fillna("(missing)") + "|" + frame.borough.fillna("(missing)")
    frame = frame.assign(stratum=stratum, key=np.random.default_rng(seed).random(len(frame)))
    sizes = frame.groupby("stratum").size()
    allocated = dict(zip(sizes.index, largest_remainder(2000, sizes.tolist()), strict=True))
    frame = frame.sort_values(["stratum", "key"])
    rank = frame.groupby("stratum").cumcount()
    chosen = frame[rank.values < frame.stratum.map(allocated).values].copy()
    chosen["inclusion_prob"] = chosen.stratum.map(allocated) / chosen.stratum.map(sizes)
    chosen["design_weight"] = 1 / chosen.inclusion_prob
    return frame_sha, sizes, chosen


def timed(func):
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each measurement (the median is shown)"
    )
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"bwvtool-bench-sampling-{args.clips}.sqlite"
    ensure_catalogue(db, args.clips)

    from bwvtool import sampling
    from bwvtool.sampling import engine
    from bwvtool.sampling import inputs as reading
    from bwvtool.store import open_workspace

    plan = sampling.load_plan(PLAN)
    ws = open_workspace(db)
    inputs = reading.gather_inputs(ws, plan, AS_OF, {})
    ws.conn.execute(
        "SELECT sum(duration_s), max(clip_id) FROM clips"
    ).fetchone()  # warm the page cache for both
    ours_load, ours_draw, pd_load, pd_draw = [], [], [], []
    for run in range(args.repeat * 2):  # alternate which side goes first
        if (run % 2 == 0) == (run // 2 % 2 == 0):
            started = time.perf_counter()
            cols = reading.load_columns(ws, plan, inputs.window)
            ours_load.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = engine.compute(plan, cols, inputs, SEED)
            ours_draw.append(time.perf_counter() - started)
            cols = None  # let the arrays go before pandas loads its copy
        else:
            started = time.perf_counter()
            df = pandas_load(ws.conn)
            pd_load.append(time.perf_counter() - started)
            started = time.perf_counter()
            frame_sha, sizes, chosen = pandas_draw(df, inputs.window, SEED)
            pd_draw.append(time.perf_counter() - started)
            df = None
    ours_sizes = {s.key: s.population for s in result.layout.strata if s.population}
    assert result.manifest["frame"]["sha256"] == frame_sha, "the two frames differ"
    assert ours_sizes == sizes.to_dict(), "the two stratifications differ"
    assert result.manifest["units"] == len(chosen) == 2000

    stored, _ = timed(lambda: sampling.draw(ws, plan, seed=SEED, as_of=AS_OF, actor="bench"))
    study_plan = sampling.load_plan("ss_research_study")
    study_inputs = reading.gather_inputs(ws, study_plan, AS_OF, {})
    study_load, study_cols = timed(lambda: reading.load_columns(ws, study_plan, study_inputs.window))
    study_draw, study = timed(lambda: engine.compute(study_plan, study_cols, study_inputs, SEED))
    weekly, _ = timed(lambda: sampling.preview(ws, "pioss_weekly", AS_OF))
    cache = sampling.ColumnCache()
    cold, _ = timed(lambda: sampling.preview(ws, plan, AS_OF, cache=cache))
    warm, _ = timed(lambda: sampling.preview(ws, plan, AS_OF, cache=cache))
    ws.close()

    med = statistics.median
    print(f"\ncatalogue: {args.clips:,} clips ({db}); frame {result.layout.frame.size:,} clips, "
          f"{sum(1 for s in result.layout.strata if s.population)} non-empty strata, n = 2000; median of {args.repeat}")  # fmt: skip
    print(f"{'':34}{'bwvtool':>10}{'pandas':>10}{'ratio':>8}")
    rows = [
        ("load (SQLite -> arrays)", med(ours_load), med(pd_load)),
        ("draw (arrays -> sample)", med(ours_draw), med(pd_draw)),
        ("load + draw", med(ours_load) + med(ours_draw), med(pd_load) + med(pd_draw)),
    ]
    for label, ours, theirs in rows:
        print(f"{label:34}{ours:>9.3f}s{theirs:>9.3f}s{ours / theirs:>8.2f}")
    print(f"{'stored draw (sampling.draw)':34}{stored:>9.3f}s")
    print(f"{'S&S study (incidents, oversampled)':34}{study_draw:>9.3f}s   draw; load {study_load:.3f} s; "
          f"frame {study.layout.frame.size:,} incidents")  # fmt: skip
    print(f"{'PIOSS weekly preview (one week)':34}{weekly:>9.3f}s   load + layout through the date index")
    print(f"{'preview, columns cached (the app)':34}{warm:>9.3f}s   first preview {cold:.3f} s")


if __name__ == "__main__":
    main()
