"""What the provenance fingerprint adds to a draw: digesting every field a plan reads, per clip, beside the
selection itself on the same columns (frame, strata, random draw, manifest), in one run.

    python bench/bench_fingerprint.py [--clips 1000000] [--repeat 3]

Columns are made in memory (ids, times, durations, three list masks and two vocabulary fields, as a stratified
PIOSS-like plan reads them); no workspace is needed. Prints the median of each and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

import numpy as np

from bwvtool.sampling import fingerprint
from bwvtool.sampling.columns import Coded, Columns
from bwvtool.sampling.engine import compute
from bwvtool.sampling.frame import Exclusions
from bwvtool.sampling.inputs import Inputs
from bwvtool.sampling.plan import parse_plan

PLAN = """
name: bench fingerprint
unit: incident
design:
  census: [{name: assault, where: {field: sources, op: contains_any, value: [op_hampshire]}}]
  sample: {method: stratified, n: 2000, strata: [subject_ethnicity, ss_outcome], allocation: proportional,
           allow_unsampled_strata: true}
"""


def columns(n: int) -> Columns:
    rng = np.random.default_rng(1)
    ids = np.array([f"BWV{i:09d}" for i in range(n)], dtype=object)
    incidents = np.array([f"INC{i // 2:09d}" for i in range(n)], dtype=object)
    cols = Columns(
        {"clip_id": ids, "incident_id": incidents},
        rng.integers(1_600_000_000, 1_630_000_000, n),
        rng.uniform(10, 900, n),
    )
    cols.masks = {name: rng.integers(0, 1 << 12, n) for name in ("sources", "uof_tactics", "assault_types")}
    cols.coded = {
        "subject_ethnicity": Coded(rng.integers(-1, 8, n).astype(np.int32), [f"e{i}" for i in range(8)]),
        "ss_outcome": Coded(rng.integers(-1, 6, n).astype(np.int32), [f"o{i}" for i in range(6)]),
    }
    return cols


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cols = columns(args.clips)
    plan = parse_plan(PLAN)
    inputs = Inputs(date(2021, 12, 1), None, {}, Exclusions())
    draws, prints = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        compute(plan, cols, inputs, 7)
        draws.append(time.perf_counter() - started)
        started = time.perf_counter()
        fingerprint.of_columns(cols).pack()
        prints.append(time.perf_counter() - started)
    draw, fp = statistics.median(draws), statistics.median(prints)
    print(
        f"{args.clips:,} clips: draw (baseline) {draw:.3f} s, fingerprint + pack {fp:.3f} s, ratio {fp / draw:.2f}"
    )


if __name__ == "__main__":
    main()
