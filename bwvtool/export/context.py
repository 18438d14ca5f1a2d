"""What every part of one export shares: the options, the sample, its codebooks, and the privacy rules.

Privacy rules in one place:

* identifiers (clip, incident, officer, camera, a sample unit, and people: coders and the exporter) go through
  :attr:`Context.pseudo` — keyed pseudonyms, or unchanged in an identified export;
* free text (event notes, text review items, catalogue notes) is dropped unless ``keep_text``; kept text has
  every identifier of the exported clips and every coder's name replaced by its pseudonym, wherever it appears
  in the text and in any case;
* dates are coarsened to the day by default (or to the ISO week or month); exact times only with
  ``exact_dates``, which the audit row records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from bwvtool.codebook import Code
from bwvtool.export.pseudonym import Identity, Pseudonymiser, scrubber
from bwvtool.store.codebooks import StoredCodebook

Coarsening = Literal["day", "week", "month"]
FORMATS: tuple[str, ...] = ("csv", "tsv", "jsonl", "eaf")
COARSENINGS: tuple[str, ...] = ("day", "week", "month")
_ACTOR = re.compile(r"^(officer|subject|third_party)(?:_\d+)?$")


@dataclass(frozen=True)
class ExportOptions:
    """How to export. Exactly one of ``key_file`` and ``identified`` must be set (checked by the runner).

    :param fmt: ``csv``, ``tsv``, ``jsonl`` or ``eaf``.
    :param key_file: pseudonymisation key (see :mod:`bwvtool.export.pseudonym`).
    :param identified: real identifiers, for internal use only (audited as such).
    :param coder: only this coder's events and reviews.
    :param keep_text: keep free text (notes, text review items), with known identifiers pseudonymised.
    :param coarsen_dates: ``day`` (the default), ``week`` (ISO week) or ``month``.
    :param exact_dates: keep exact UTC times instead (audited; not with ``coarsen_dates``).
    :param media_root: folder that relative media paths start from (EAF media links and ``copy_media``).
    :param copy_media: EAF only: copy each clip's media beside the EAF files (named by pseudonym).
    """

    fmt: str = "csv"
    key_file: Path | None = None
    identified: bool = False
    coder: str | None = None
    keep_text: bool = False
    coarsen_dates: Coarsening | None = None
    exact_dates: bool = False
    media_root: Path | None = None
    copy_media: bool = False

    @property
    def dates(self) -> Coarsening | None:
        """How dates are written: ``day``, ``week`` or ``month``; None for exact times."""
        return None if self.exact_dates else self.coarsen_dates or "day"


@dataclass
class ClipInfo:
    """What later files need to know about a sample clip (kept for the whole export: samples are small)."""

    clip_id: str
    name: str  # the clip id as exported (pseudonym or id)
    incident: str | None
    duration_ms: int
    media_path: str | None
    camera: str | None = None  # the clip's camera id as exported


@dataclass
class Context:
    sample: dict[str, Any]
    options: ExportOptions
    pseudo: Pseudonymiser | Identity
    codebooks: dict[int, StoredCodebook]
    clips: dict[str, ClipInfo] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    people: list[str] = field(
        default_factory=list
    )  # user names to scrub from kept text: coders, the exporter
    _scrub: Callable[[str], str] = field(default=lambda text: text, repr=False)
    _weeks: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def sample_id(self) -> int:
        return int(self.sample["id"])

    @property
    def unit_kind(self) -> str:
        return "clip" if self.sample["unit"] == "clip" else "incident"

    def person(self, name: str | None) -> str | None:
        """A coder's (or the exporter's) user name as exported."""
        return self.pseudo("coder", name)

    def set_identifiers(self, pairs: list[tuple[str, str]]) -> None:
        """Known identifiers of the exported clips and their pseudonyms, for scrubbing labels and kept text."""
        if not self.pseudo.identified:
            self._scrub = scrubber(pairs)

    def scrub(self, text: str | None) -> str | None:
        """Identifiers inside a label (a stratum, a census rule) replaced by pseudonyms."""
        return None if text is None else self._scrub(text)

    def text(self, text: str | None) -> str | None:
        """Free text as exported: None unless text is kept; then with identifiers pseudonymised."""
        if not self.options.keep_text or not text:
            return None
        return self._scrub(text)

    def date(self, text: str | None) -> str | None:
        """A stored UTC timestamp (or date), coarsened as asked."""
        level = self.options.dates
        if text is None or level is None:
            return text
        if level == "day":
            return text[:10]
        if level == "month":
            return text[:7]
        day = text[:10]
        week = self._weeks.get(day)
        if week is None:
            iso = date.fromisoformat(day).isocalendar()
            week = self._weeks[day] = f"{iso.year}-W{iso.week:02d}"
        return week

    # -- codebooks --------------------------------------------------------------------------------------------
    def code(self, codebook_id: int, code_id: str) -> Code | None:
        stored = self.codebooks.get(codebook_id)
        if stored is None:
            return None
        try:
            return stored.codebook.code(code_id)
        except KeyError:
            return None

    def codebook_names(self) -> list[str]:
        return [f"{s.key}@{s.version}" for s in self.codebooks.values()]

    def all_codes(self) -> list[Code]:
        """Every code of the codebooks in use, first occurrence of each id, in codebook order."""
        seen: dict[str, Code] = {}
        for stored in self.codebooks.values():
            for code in stored.codebook.codes:
                seen.setdefault(code.id, code)
        return list(seen.values())


def actor_kind(actor: str) -> str | None:
    """``officer``, ``subject`` or ``third_party`` for actors such as ``officer_2``; None when unrecognised."""
    match = _ACTOR.match(actor)
    return match.group(1) if match else None
