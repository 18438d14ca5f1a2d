"""The frame's date window, absolute or relative to the draw date, as a half-open range of UTC seconds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bwvtool.timeutil import format_utc, parse_iso

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Window:
    """Recordings with ``start <= recorded < end`` (UTC)."""

    start: datetime
    end: datetime

    @property
    def start_ts(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_ts(self) -> int:
        return int(self.end.timestamp())

    def as_dict(self) -> dict[str, str]:
        return {"from": format_utc(self.start), "to_exclusive": format_utc(self.end)}


def parse_as_of(text: str | date | None) -> date:
    """The draw date: a ``YYYY-MM-DD`` text or a date; today's UTC date when ``None``."""
    if text is None:
        return datetime.now(UTC).date()
    if isinstance(text, datetime):
        return text.astimezone(UTC).date()
    if isinstance(text, date):
        return text
    if not _DATE.match(text.strip()):
        raise ValueError(f"draw date {text!r} is not a date like 2026-03-02")
    return date.fromisoformat(text.strip())


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_bound(text: str, *, end: bool) -> datetime:
    """A window bound: a date is a whole day (``to`` includes it); a time needs an offset (``to`` excludes it)."""
    text = str(text).strip()
    if _DATE.match(text):
        start = midnight(date.fromisoformat(text))
        return start + timedelta(days=1) if end else start
    return parse_iso(text).astimezone(UTC)


def resolve(spec: dict[str, Any] | None, as_of: date) -> Window | None:
    """The window a plan's ``frame.window`` means on draw date ``as_of`` (``None``: no date limit)."""
    if not spec:
        return None
    relative = spec.get("relative")
    today = midnight(as_of)
    if relative == "previous_week":
        monday = today - timedelta(days=as_of.weekday())
        return Window(monday - timedelta(days=7), monday)
    if relative == "previous_month":
        first = today.replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        return Window(previous, first)
    if relative == "last_days":
        return Window(today - timedelta(days=int(spec["days"])), today)
    return Window(parse_bound(spec["from"], end=False), parse_bound(spec["to"], end=True))
