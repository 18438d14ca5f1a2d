"""A stratified draw with rules over a synthetic 1,000,000-clip catalogue: bwvtool beside plain pandas, end to end.

Both sides read the same columns from the same SQLite workspace (the list fields as their bit masks) and draw the
same plan: a window, five rules, a stratification by subject ethnicity × borough with proportional allocation.
"End to end" is everything from the workspace file to the drawn sample: pandas reads the columns with
``read_sql`` and draws; bwvtool gathers the draw's inputs, reads the columns (``load_columns``) and draws
(frame, strata, allocation, random selection, probabilities and weights, frame hash, assignment and canonical
manifest). bwvtool reads from the column snapshot kept in the workspace (``bwvtool.store.snapshot``), measured
two ways: "current" (repeated draws, previews, ``sample verify``, any draw after an import) and "first after an
edit" (each run first changes one clip through the catalogue store: the snapshot is patched with that row, not
rebuilt). "stored draw" is the whole ``bwvtool.sampling.draw`` call, first after a real edit (each run first gives
one clip outside the frame a new duration, so the value differs and the fingerprint has that field's digests to
write anew) and interleaved with pandas: besides the draw, the fingerprint of every value read (per clip and field,
for ``sample verify``: its digests mostly kept by the snapshot, its blobs written only when no earlier draw wrote
them), the imports behind the clips read, and the sample, its items, assignments and audit row written (each run
adds a sample to the workspace). Frame size and stratum sizes of the two sides are checked to agree.

The other kinds of draw are timed the same way, each first after an edit and interleaved with pandas: the built-in
S&S study draw (incidents, strata from each incident's earliest clip, escalation oversampled; a year's window),
the PIOSS weekly preview (one week, read through the date index, with the exclusions of earlier samples looked
up), ``sample verify`` of the last stored draw (redraw and compare), and the app's live preview (the first after an
edit reads the columns, the next comes from its cache). The study's and the week's pandas side only read the same
clips and fields with ``read_sql`` (no draw), so their ratios flatter pandas. Every draw kind is printed with its
ratio and emitted as a figure for ``bench/run_all``. The workspace is reused as it is: each run of this bench adds
samples to it (the weekly preview's look-up of earlier samples goes through an index, so their number does not
show in its time).

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
    allow_unsampled_strata: true
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
            tables = {r[0] for r in ws.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "snapshot_changes" not in tables:  # made while migration 0007 was still a placeholder
                raise SystemExit(f"{path} predates the snapshot's change log (migration 0007): delete it")
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


PANDAS_NAMES = ["clip_id", "incident_id", "recorded_ts", "duration_s", "sources", "uof_tactics", "assault_types",
                "media", "retention_until", "subject_ethnicity", "borough"]  # fmt: skip


def pandas_load(conn, names=PANDAS_NAMES, window=None):
    """The columns ``names`` of the clips recorded in ``window`` (every clip when None; through the date index
    otherwise), as bwvtool reads them, through pandas (text fields as text)."""
    import pandas as pd

    from bwvtool.store.samples import column_sql

    sql = "SELECT " + ", ".join(f"{column_sql(conn, n)} AS {n}" for n in names) + " FROM clips"
    if window is None:
        return pd.read_sql(sql, conn)
    sql += " WHERE recorded_ts >= ? AND recorded_ts < ?"
    return pd.read_sql(sql, conn, params=(window.start_ts, window.end_ts))


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


def touch_a_clip(ws, n: int = 1) -> None:
    """Edit ``n`` clips through the catalogue store (a value written back as it was: the clip changes as far as the
    snapshot can tell, and the draw stays comparable)."""
    from bwvtool.store import catalogue

    with ws.transaction("bench") as tx:
        for clip in catalogue.list_clips(ws.conn, limit=n, offset=n * 7):
            catalogue.update_clip(tx, clip["clip_id"], {"duration_s": clip["duration_s"]})


def edit_outside_the_frame(ws, run: int) -> None:
    """Give one clip too short for the bench plan's frame a new duration: a real change of a value every draw
    reads (and fingerprints), while the drawn sample stays the same."""
    from bwvtool.store import catalogue

    clip = ws.conn.execute(
        "SELECT clip_id FROM clips WHERE duration_s < 20 ORDER BY clip_id LIMIT 1"
    ).fetchone()[0]
    with ws.transaction("bench") as tx:
        # a value this workspace has not seen (a later bench run must not find its digests stored already)
        catalogue.update_clip(tx, clip, {"duration_s": 1.0 + run + time.time_ns() % 10**9 / 10**9})


def blob_bytes(ws) -> int:
    """What every fingerprint stored so far takes (blobs shared between draws are counted once)."""
    return int(ws.conn.execute("SELECT coalesce(sum(length(data)), 0) FROM fingerprint_blobs").fetchone()[0])


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
    from bwvtool.sampling import columns, engine, fields
    from bwvtool.sampling import inputs as reading
    from bwvtool.store import open_workspace, snapshot

    plan = sampling.load_plan(PLAN)
    ws = open_workspace(db)
    ws.conn.execute("SELECT sum(duration_s), max(clip_id) FROM clips").fetchone()  # warm the page cache

    def ours():
        """bwvtool end to end, without storing: (load seconds, draw seconds, result)."""
        started = time.perf_counter()
        inputs = reading.gather_inputs(ws, plan, AS_OF, {})
        cols = reading.load_columns(ws, plan, inputs.window)
        loaded = time.perf_counter()
        result = engine.compute(plan, cols, inputs, SEED)
        return loaded - started, time.perf_counter() - loaded, result

    def theirs():
        started = time.perf_counter()
        df = pandas_load(ws.conn)
        loaded = time.perf_counter()
        window = reading.gather_inputs(ws, plan, AS_OF, {}).window
        drawn = pandas_draw(df, window, SEED)
        return loaded - started, time.perf_counter() - loaded, drawn

    ours()  # the snapshot fields this plan reads are current from here on
    cur_load, cur_draw, cold, stored_runs, stored_cpu, pd_load, pd_draw = [], [], [], [], [], [], []
    stored_bytes: list[int] = []
    for run in range(args.repeat * 2):  # alternate which side goes first
        if (run % 2 == 0) == (run // 2 % 2 == 0):
            load_s, draw_s, result = ours()
            cur_load.append(load_s)
            cur_draw.append(draw_s)
            touch_a_clip(ws)
            load_s, draw_s, cold_result = ours()
            cold.append(load_s + draw_s)
            assert cold_result.manifest_sha256 == result.manifest_sha256, "patched and current draws differ"
            edit_outside_the_frame(ws, run)  # the whole stored draw, first after a real edit: 'sample draw'
            written = blob_bytes(ws)
            cpu = time.process_time()
            stored_s, stored_id = timed(
                lambda: sampling.draw(ws, plan, seed=SEED, as_of=AS_OF, actor="bench")
            )
            stored_cpu.append(time.process_time() - cpu)
            stored_runs.append(stored_s)
            stored_bytes.append(blob_bytes(ws) - written)
        else:
            load_s, draw_s, (frame_sha, sizes, chosen) = theirs()
            pd_load.append(load_s)
            pd_draw.append(draw_s)
    ours_sizes = {s.key: s.population for s in result.layout.strata if s.population}
    assert result.manifest["frame"]["sha256"] == frame_sha, "the two frames differ"
    assert ours_sizes == sizes.to_dict(), "the two stratifications differ"
    assert result.manifest["units"] == len(chosen) == 2000

    stored, sample_id = statistics.median(stored_runs), stored_id
    pandas_runs = [a + b for a, b in zip(pd_load, pd_draw, strict=True)]

    # The other kinds of draw, each end to end and first after an edit, interleaved with pandas reading the same
    # clips and fields. Their pandas side only reads (a pandas S&S study draw or PIOSS week would take more
    # code than this bench; the read is the least any of it costs), so those ratios flatter pandas.
    study_plan, weekly_plan = sampling.load_plan("ss_research_study"), sampling.load_plan("pioss_weekly")
    study_window = reading.gather_inputs(ws, study_plan, AS_OF, {}).read_window
    weekly_window = reading.gather_inputs(ws, weekly_plan, AS_OF, {}).read_window
    study_names = [*fields.BASE_COLUMNS, *columns.needed_fields(study_plan)]
    weekly_names = [*fields.BASE_COLUMNS, *columns.needed_fields(weekly_plan)]

    def study():
        """The S&S study draw (incidents, oversampled) end to end, without storing."""
        inputs = reading.gather_inputs(ws, study_plan, AS_OF, {})
        return engine.compute(
            study_plan, reading.load_columns(ws, study_plan, inputs.read_window), inputs, SEED
        )

    cache = sampling.ColumnCache()
    kinds: dict[str, list[float]] = {k: [] for k in ("study", "weekly", "verify", "cached", "first preview")}
    pd_study, pd_weekly = [], []
    for run in range(args.repeat * 2):
        if (run % 2 == 0) == (run // 2 % 2 == 0):
            touch_a_clip(ws)
            took, drawn = timed(study)
            kinds["study"].append(took)
            kinds["weekly"].append(timed(lambda: sampling.preview(ws, weekly_plan, AS_OF))[0])
            took, check = timed(lambda: sampling.verify(ws, sample_id, actor="bench"))
            assert check["ok"], check
            kinds["verify"].append(took)
            touch_a_clip(ws)  # the app's live preview: the first after an edit reads, the next is cached
            kinds["first preview"].append(timed(lambda: sampling.preview(ws, plan, AS_OF, cache=cache))[0])
            kinds["cached"].append(timed(lambda: sampling.preview(ws, plan, AS_OF, cache=cache))[0])
        else:
            pd_study.append(timed(lambda: pandas_load(ws.conn, study_names, study_window))[0])
            pd_weekly.append(timed(lambda: pandas_load(ws.conn, weekly_names, weekly_window))[0])
    touch_a_clip(ws, 1000)
    after_many, _ = timed(ours)
    folded, _ = timed(lambda: snapshot.refresh(ws.conn))  # patch every field and store it (many edits later)
    rebuilt, _ = timed(lambda: snapshot.prepare(ws.conn, rebuild=True))  # what a big import does at its end
    ws.close()

    med = statistics.median
    ours_current, pandas_total = med(cur_load) + med(cur_draw), med(pd_load) + med(pd_draw)
    print(f"\ncatalogue: {args.clips:,} clips ({db}); frame {result.layout.frame.size:,} clips, "
          f"{sum(1 for s in result.layout.strata if s.population)} non-empty strata, n = 2000; median of {args.repeat}")  # fmt: skip
    from figures import Figure, emit

    same = "pandas read_sql + the same draw"
    read_only = "pandas read_sql of the same clips and fields (no draw)"
    ours_runs = [a + b for a, b in zip(cur_load, cur_draw, strict=True)]
    figures = [  # (figure name, runs, baseline name, baseline runs)
        (f"draw at {args.clips:,} clips, snapshot current", ours_runs, same, pandas_runs),
        (f"draw at {args.clips:,} clips, first after an edit", cold, same, pandas_runs),
        (f"stored draw (sampling.draw) at {args.clips:,} clips, first after a real edit", stored_runs, same,
         pandas_runs),
        (f"S&S study draw (incidents, oversampled, window {drawn.cols.size:,} clips), first after an edit",
         kinds["study"], read_only, pd_study),
        ("PIOSS weekly preview (one week, through the date index)", kinds["weekly"], read_only, pd_weekly),
        (f"sample verify (redraw and compare) at {args.clips:,} clips", kinds["verify"], same, pandas_runs),
        ("app preview, first after an edit (columns read)", kinds["first preview"], same, pandas_runs),
        ("app preview, columns cached", kinds["cached"], same, pandas_runs),
        (f"draw at {args.clips:,} clips after 1,000 edits (patched; one run)", [after_many], same, pandas_runs),
    ]  # fmt: skip
    for name, runs, baseline, baseline_runs in figures:
        emit(Figure("sampling", name, "s", runs, baseline, baseline_runs, "≤ 0.5 s"))
    print(f"{'':44}{'bwvtool':>10}{'pandas':>10}{'ratio':>8}")
    rows = [
        ("end to end, snapshot current", ours_current, pandas_total),
        ("  load (snapshot | read_sql -> arrays)", med(cur_load), med(pd_load)),
        ("  draw (arrays -> sample)", med(cur_draw), med(pd_draw)),
        ("end to end, first draw after an edit", med(cold), pandas_total),
        ("end to end, after 1,000 edits (patched)", after_many, pandas_total),
        ("stored draw (sampling.draw), after an edit", stored, pandas_total),
        ("sample verify (redraw and compare)", med(kinds["verify"]), pandas_total),
        ("S&S study (incidents, oversampled)", med(kinds["study"]), med(pd_study)),
        ("PIOSS weekly preview (one week)", med(kinds["weekly"]), med(pd_weekly)),
        ("app preview, first after an edit", med(kinds["first preview"]), pandas_total),
        ("app preview, columns cached", med(kinds["cached"]), pandas_total),
    ]
    for label, ours_s, theirs_s in rows:
        print(f"{label:44}{ours_s:>9.3f}s{theirs_s:>9.3f}s{ours_s / theirs_s:>8.2f}")
    print(f"  stored draw: CPU {statistics.median(stored_cpu):.3f} s; fingerprint written"
          f" {int(statistics.median(stored_bytes)):,} bytes")  # fmt: skip
    print(f"  S&S study frame {drawn.layout.frame.size:,} incidents; its pandas side and the weekly one only read"
          " the clips and fields the draw reads")  # fmt: skip
    print(
        f"{'fold the edits in (patch + store)':44}{folded:>9.3f}s   all {len(snapshot.KINDS)} fields and their digests, short transactions"
    )
    print(
        f"{'full snapshot build (end of a big import)':44}{rebuilt:>9.3f}s   read from clips, stored unpublished"
    )


if __name__ == "__main__":
    main()
