"""Timestamps as the store keeps them: UTC ISO 8601 text with milliseconds and a Z."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """The current time as stored text, e.g. ``2026-11-22T08:11:46.123Z``."""
    return format_utc(datetime.now(UTC))


def format_utc(moment: datetime) -> str:
    """Format an aware datetime as stored UTC text."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 text that carries an offset or Z; naive times are refused (they are ambiguous)."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if value.tzinfo is None:
        raise ValueError("time has no UTC offset (add Z or +01:00)")
    return value
