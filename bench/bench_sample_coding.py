"""What reading only a sample's own coding costs (issue 10 part 2), beside the unfiltered read, same run.

Reliability, sequences and exports of a sample read the events coded for it: for one of its assignments or
clip-level, and with its codebook (``bwvtool.store.exports``). The workspace is bench_export's (a sample of 1,000
clips, 100,000 events by two coders). Each repeat runs, interleaved:

* **sample's events**: every row of ``exports.event_rows(conn, sample)`` (the joined query with the sample filter);
* **baseline**: the same join and columns without the filter (every event on the sample's clips, as read before).

    python bench/bench_sample_coding.py [--events 100000] [--clips 1000] [--repeat 7] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench_export import ensure_workspace
from figures import Figure, emit

UNFILTERED = (
    "SELECT e.id, e.clip_id, c.incident_id, k.name, e.codebook_id, e.track, e.code, e.actor, e.onset_ms,"
    " e.onset_frame, e.offset_ms, e.offset_frame, e.modifiers, e.note, e.starred, e.caused_by, e.created_at,"
    " e.updated_at FROM sample_items si JOIN events e ON e.clip_id = si.clip_id JOIN clips c ON c.clip_id = e.clip_id"
    " JOIN coders k ON k.id = e.coder_id WHERE si.sample_id = ? ORDER BY si.clip_id, e.coder_id, e.onset_ms, e.id"
)


def _timed(fn) -> tuple[float, int]:
    started = time.perf_counter()
    rows = len(fn())
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--clips", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, help="keep the built workspace here and reuse it")
    args = parser.parse_args()

    from bwvtool.store import exports as rows_of
    from bwvtool.store import open_workspace

    with tempfile.TemporaryDirectory(prefix="bwv-bench-sample-coding-") as tmp:
        db = args.db or Path(tmp) / "ws.sqlite"
        sample_id = ensure_workspace(db, args.events, args.clips)
        filtered: list[float] = []
        plain: list[float] = []
        with open_workspace(db) as ws:
            for _ in range(args.repeat):
                seconds, base_rows = _timed(lambda: ws.conn.execute(UNFILTERED, (sample_id,)).fetchall())
                plain.append(seconds * 1000)
                seconds, rows = _timed(lambda: list(rows_of.event_rows(ws.conn, sample_id)))
                filtered.append(seconds * 1000)
    print(
        f"\nReading a sample's events: {rows:,} rows of {base_rows:,} ({args.repeat} runs each, interleaved)"
    )
    emit(Figure("sample coding", "a sample's own events (its assignments or clip-level, its codebook)", "ms",
                filtered, "the same join without the filter", plain, "≤ 1.5×"))  # fmt: skip
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
