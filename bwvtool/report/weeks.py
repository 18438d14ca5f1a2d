"""ISO weeks (Monday to Sunday, UTC) as the weekly picture counts them: ``2021-W13``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bwvtool.errors import UsageError

_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Week:
    """One ISO week; ``start`` is its Monday, ``end`` the next Monday (exclusive)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        """``2021-W13`` (or ``2021W13``); UsageError for anything else or a week the year does not have."""
        match = _WEEK.match(text.strip())
        if not match:
            raise UsageError(f"week {text!r} is not like 2021-W13 (ISO year, W, week number)")
        year, number = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise UsageError(f"{year} has no ISO week {number}") from None
        return cls(year, number)

    @classmethod
    def of(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def of_ts(cls, ts: int) -> Week:
        return cls.of(datetime.fromtimestamp(ts, UTC).date())

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=7)

    @property
    def start_ts(self) -> int:
        return _ts(self.start)

    @property
    def end_ts(self) -> int:
        return _ts(self.end)

    def shift(self, weeks: int) -> Week:
        return Week.of(self.start + timedelta(weeks=weeks))

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def __str__(self) -> str:
        return self.label


def _ts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
