"""What every bench reports: a figure (min / median / p95 of repeated timings) beside its baseline from the same run.

Each bench prints its own readable lines and, for ``bench/run_all``, one ``FIGURE {json}`` line per figure:

    from figures import Figure, emit
    emit(Figure("desk", "key → committed at 50,000 events", "ms", presses, "bare INSERT+COMMIT", bare))

``run_all`` collects those lines from every bench into one table (and docs/performance.md). A bench that prints
none still runs: its last lines are shown instead.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field

PREFIX = "FIGURE "


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile by nearest rank (what a p95 of a few dozen runs can honestly say)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclass(frozen=True)
class Summary:
    n: int
    min: float
    median: float
    p95: float
    p99: float  # only worth reading with a hundred values or more

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        return cls(
            len(values),
            min(values),
            statistics.median(values),
            percentile(values, 95),
            percentile(values, 99),
        )

    def text(self, unit: str) -> str:
        tail = f"  p99 {self.p99:8.2f}" if self.n >= 100 else ""
        return f"min {self.min:8.2f}  median {self.median:8.2f}  p95 {self.p95:8.2f}{tail} {unit}"


@dataclass(frozen=True)
class Figure:
    """``values`` of the measured operation and ``baseline_values`` of its baseline, same unit, same run."""

    bench: str
    name: str
    unit: str
    values: list[float] = field(repr=False)
    baseline_name: str
    baseline_values: list[float] = field(repr=False)
    target: str = ""  # what the issue asks for, in words ("≤ 1.2× the baseline")
    compare: str = "median"  # the statistic the ratio compares (a target on the tail compares "p99")

    @property
    def summary(self) -> Summary:
        return Summary.of(self.values)

    @property
    def baseline(self) -> Summary:
        return Summary.of(self.baseline_values)

    @property
    def ratio(self) -> float:
        ours, theirs = getattr(self.summary, self.compare), getattr(self.baseline, self.compare)
        return ours / theirs if theirs else float("nan")

    @property
    def ratio_text(self) -> str:
        return f"{self.ratio:.2f}×" + ("" if self.compare == "median" else f" ({self.compare})")


def emit(figure: Figure) -> None:
    """Print ``figure`` readably and as the machine line ``run_all`` reads."""
    print(f"  {figure.name}: {figure.summary.text(figure.unit)}")
    print(
        f"    baseline, {figure.baseline_name}: {figure.baseline.text(figure.unit)}   ratio {figure.ratio_text}"
    )
    record = {
        "bench": figure.bench,
        "name": figure.name,
        "unit": figure.unit,
        "summary": asdict(figure.summary),
        "baseline_name": figure.baseline_name,
        "baseline": asdict(figure.baseline),
        "ratio": figure.ratio,
        "ratio_text": figure.ratio_text,
        "target": figure.target,
    }
    print(PREFIX + json.dumps(record, ensure_ascii=False), flush=True)
