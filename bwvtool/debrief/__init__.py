"""Supervisor debrief notes built from a completed review, and short clip excerpts for the conversation.

The API the command line and the app call::

    note = build_note(ws, "BWV000004981", coder=None)        # facts, timeline events, key moments + stills
    version = save_narrative(ws, clip_id, {"next_steps": "…"}, actor="sgt.patel")   # versioned, audited
    note = build_note(ws, clip_id, version=version)
    export_note(ws, note, "debrief.html")                    # self-contained HTML (audited)
    export_note(ws, note, "debrief.pdf", pdf_writer=write_pdf)   # the app's Qt PDF writer (audited)
    render_html(note); render_print(note, content_width)     # the markup itself
    cut_excerpt(ws, clip_id, from_ms, to_ms, "excerpt.mp4")  # stream copy or accurate re-encode (audited)

Debrief notes are identified, internal documents: they live in the ``debrief_notes`` table (:data:`TABLES`),
which research exports must never read.

The names below load their submodule on first use (PEP 562), so importing one part (the app's Debrief tab needs
only :mod:`.model` to build its form) does not load the rest.
"""

from __future__ import annotations

import importlib
from typing import Any

# Tables holding identified debrief material; research exports must not read them.
TABLES: tuple[str, ...] = ("debrief_notes",)

_EXPORTS: dict[str, str] = {
    "attach_stills": "build",
    "build_note": "build",
    "choose_review": "build",
    "completed_reviews": "build",
    "ExcerptResult": "excerpt",
    "cut_excerpt": "excerpt",
    "PrintDocument": "html",
    "render_html": "html",
    "render_print": "html",
    "NARRATIVE_FIELDS": "model",
    "NARRATIVE_IDS": "model",
    "DebriefNote": "model",
    "KeyMoment": "model",
    "ExportResult": "notes",
    "current_narrative": "notes",
    "export_note": "notes",
    "read_narrative_file": "notes",
    "save_draft": "notes",
    "save_narrative": "notes",
    "unsaved_draft": "notes",
    "versions": "notes",
    "timeline_svg": "timeline",
}

__all__ = ["TABLES", *sorted(_EXPORTS)]


_SUBMODULES = frozenset({"build", "draft", "excerpt", "html", "model", "moments", "notes", "timeline"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"bwvtool.debrief.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bwvtool.debrief' has no attribute {name!r}")
    return getattr(importlib.import_module(f"bwvtool.debrief.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
