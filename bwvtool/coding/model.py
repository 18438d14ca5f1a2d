"""A coded event as the core passes it around."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# Fields a user may change on an existing event (the edit commands and the store agree on this list).
EDITABLE = (
    "code",
    "track",
    "actor",
    "onset_ms",
    "onset_frame",
    "offset_ms",
    "offset_frame",
    "modifiers",
    "note",
    "starred",
    "caused_by",
)


@dataclass(frozen=True)
class Event:
    """One coded observation. ``offset_ms`` is ``None`` for a point event and for a state still open."""

    clip_id: str
    coder_id: int
    codebook_id: int
    track: str
    code: str
    actor: str
    onset_ms: int
    onset_frame: int
    offset_ms: int | None = None
    offset_frame: int | None = None
    modifiers: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    starred: bool = False
    caused_by: int | None = None
    assignment_id: int | None = None  # the assignment it was coded for; None: clip-level work
    id: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    version: int = (
        1  # raised by every stored change; an edit names the version it read (bwvtool.store.versions)
    )

    @property
    def duration_ms(self) -> int | None:
        return None if self.offset_ms is None else self.offset_ms - self.onset_ms

    def with_changes(self, **changes: Any) -> Event:
        unknown = set(changes) - set(EDITABLE) - {"id", "created_at", "updated_at", "version"}
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} on an event")
        return replace(self, **changes)

    def editable_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE}
