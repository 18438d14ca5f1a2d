"""Undo and redo as the reviewer reads them: the core names a history step with a code id or field names
("start tactical_communications", "edit onset_ms, onset_frame"); the status bar says it with the codebook's
labels ("start Tactical communications", "edit start"), as saved edits are announced."""

from __future__ import annotations

from bwvtool.codebook.model import Codebook

# Event fields an edit may change, as the event editor names them; frames go with their times.
FIELD_WORDS = {"onset_ms": "start", "onset_frame": "start", "offset_ms": "end", "offset_frame": "end",
               "modifiers": "details", "starred": "star"}  # fmt: skip


def step_text(label: str, codebook: Codebook | None) -> str:
    """``label`` (a command's: "add CODE", "start CODE", "end CODE", "switch to CODE", "delete event",
    "edit FIELD, FIELD") with the code id as the codebook's label and the fields as the reviewer's words."""
    if label.startswith("edit "):
        fields = (name.strip() for name in label.removeprefix("edit ").split(","))
        return "edit " + ", ".join(dict.fromkeys(FIELD_WORDS.get(name, name) for name in fields))
    head, _, last = label.rpartition(" ")
    if not head or codebook is None:
        return label
    try:
        return f"{head} {codebook.code(last).label}"
    except KeyError:  # not a code: "delete event"
        return label
