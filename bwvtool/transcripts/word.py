"""Reading the Word (.docx) transcripts that evidence systems export into utterances.

There is no one layout, so the reader accepts the ones these exports use, in paragraphs or in table rows:

- ``[00:01:23] PC Smith: Good afternoon`` (time first, then an optional ``Speaker:`` label);
- ``PC Smith (00:01:23): Good afternoon`` or ``PC Smith  00:01:23`` with the words in the paragraphs after it;
- a time range ``00:01:23 - 00:01:27`` wherever a time may stand;
- a table whose rows hold a time cell, an optional short speaker cell and the words.

Times are ``H:MM:SS`` or ``MM:SS`` with optional milliseconds. An utterance without a range ends where the next
begins; the last one ends after its words at 150 words a minute (at most at ``duration_ms``). Paragraphs before the
first time (a title, a case number) are not utterances. Every problem names the file and the paragraph or row.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from bwvtool import safe_files
from bwvtool.transcripts.captions import TranscriptError, Utterance

_MAX_UNPACKED = 200 * 1024 * 1024  # a transcript's XML is megabytes; more is a zip bomb, not a transcript
_TIME = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?"
_SPAN = rf"[\[(]?\s*{_TIME}(?:\s*(?:-|–|—|-->|to)\s*{_TIME})?\s*[\])]?"
_TIME_FIRST = re.compile(rf"^{_SPAN}\s*[:\-–]?\s*(.*)$", re.S)
_SPEAKER_FIRST = re.compile(rf"^([^\d\[(:][^:\[(]{{0,39}}?)\s*{_SPAN}\s*[:\-–]?\s*(.*)$", re.S)
_LABEL = re.compile(r"^([A-Z0-9][\w.'-]*(?: [\w.'-]+){0,3}):\s+(?=\S)")
_ONLY_SPAN = re.compile(rf"^{_SPAN}$")
_WORDS_PER_MS = 150 / 60_000


def is_word_file(path: Path) -> bool:
    """A .docx is a zip: tell it by its first bytes, not its name."""
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def parse(path: str | Path, *, duration_ms: int | None = None) -> list[Utterance]:
    """Utterances of a Word transcript, in time order.

    :raises TranscriptError: unreadable or not a Word file, a time that is not one, or no timed utterance at all.
    """
    path = Path(path)
    blocks = _blocks(path)
    heads: list[
        tuple[str, int, int | None, str | None, list[str]]
    ] = []  # (where, start, end, speaker, words)
    for where, cells in blocks:
        found = _timed(path.name, where, cells)
        if found is not None:
            heads.append((where, *found))
        elif heads and any(cells):
            heads[-1][4].append(" ".join(c for c in cells if c))  # the words of the time above
    if not heads:
        raise TranscriptError(
            f"{path.name}: no timed utterances (expected paragraphs or table rows like "
            "'[00:01:23] PC Smith: Stop there' or 'PC Smith 00:01:23')"
        )
    heads.sort(key=lambda head: head[1])
    utterances = []
    for i, (where, start, end, speaker, words) in enumerate(heads):
        text = re.sub(r"\s+", " ", " ".join(words)).strip()
        if not text:
            continue
        if end is None:
            following = next((h[1] for h in heads[i + 1 :] if h[1] > start), None)
            spoken = start + max(1000, int(len(text.split()) / _WORDS_PER_MS))
            end = following if following is not None else spoken
            if duration_ms is not None and following is None:
                end = max(start, min(end, duration_ms))
        elif end < start:
            raise TranscriptError(f"{path.name} {where}: the utterance ends before it starts")
        utterances.append(Utterance(start, end, text, speaker))
    if not utterances:
        raise TranscriptError(f"{path.name}: the timed paragraphs hold no words")
    return utterances


def _blocks(path: Path) -> list[tuple[str, list[str]]]:
    """(where, cells) for each paragraph and table row in document order (a paragraph is one cell)."""
    if not path.is_file():
        raise TranscriptError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        data = io.BytesIO(safe_files.read_bytes(path, "transcript", path.name))
    except safe_files.HostileInput as exc:
        raise TranscriptError(str(exc)) from None
    try:
        with zipfile.ZipFile(data) as archive:
            if sum(info.file_size for info in archive.infolist()) > _MAX_UNPACKED:
                raise TranscriptError(f"{path.name}: unpacks to more than {_MAX_UNPACKED // 2**20} MB")
        import docx  # python-docx parses without resolving entities

        document = docx.Document(data)
    except TranscriptError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TranscriptError(f"{path.name}: not a readable Word (.docx) file ({exc})") from None
    blocks: list[tuple[str, list[str]]] = []
    paragraphs = rows = 0
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            for row in item.rows:
                rows += 1
                cells = [cell.text.strip() for cell in row.cells]
                blocks.append((f"table row {rows}", list(dict.fromkeys(cells))))  # merged cells repeat
        else:
            paragraphs += 1
            blocks.append((f"paragraph {paragraphs}", [item.text.strip()]))
    return blocks


def _timed(name: str, where: str, cells: list[str]) -> tuple[int, int | None, str | None, list[str]] | None:
    """(start, end, speaker, words) when this paragraph or row starts an utterance, else None."""
    if len(cells) > 1:
        return _row(name, where, cells)
    text = cells[0] if cells else ""
    match = _TIME_FIRST.match(text)
    if match is not None:
        start, end = _span(name, where, match.groups()[:8])
        speaker, words = _label(match.group(9))
        return start, end, speaker, [words] if words else []
    match = _SPEAKER_FIRST.match(text)
    if match is not None:
        start, end = _span(name, where, match.groups()[1:9])
        words = match.group(10)
        return start, end, match.group(1).strip(" \t-–") or None, [words] if words else []
    return None


def _row(name: str, where: str, cells: list[str]) -> tuple[int, int | None, str | None, list[str]] | None:
    timing = next((c for c in cells if _ONLY_SPAN.match(c)), None)
    if timing is None:
        return None
    start, end = _span(name, where, _ONLY_SPAN.match(timing).groups())  # type: ignore[union-attr]
    rest = [c for c in cells if c and c is not timing]
    speaker = rest.pop(0) if len(rest) > 1 and len(rest[0]) <= 40 else None
    return start, end, speaker, rest


def _label(text: str) -> tuple[str | None, str]:
    match = _LABEL.match(text)
    return (match.group(1), text[match.end() :]) if match else (None, text)


def _span(name: str, where: str, groups: tuple[str | None, ...]) -> tuple[int, int | None]:
    start = _ms(name, where, groups[:4])
    end = _ms(name, where, groups[4:8]) if groups[6] is not None else None
    return start, end


def _ms(name: str, where: str, groups: tuple[str | None, ...]) -> int:
    hours, minutes, seconds, fraction = groups
    if int(seconds) > 59 or (hours is not None and int(minutes) > 59):
        clock = f"{hours + ':' if hours else ''}{minutes}:{seconds}"
        raise TranscriptError(f"{name} {where}: {clock!r} is not a time (minutes and seconds run to 59)")
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis
