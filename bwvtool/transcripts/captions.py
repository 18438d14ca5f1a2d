"""Reading WebVTT and SRT caption files into utterances (times, speaker, text).

Speakers: WebVTT voice spans (``<v PC Smith>``); in SRT (and WebVTT without voice spans) a ``Name:`` or
``[Name]`` prefix of at most three words counts as a speaker label when the file follows that convention (one
label starts at least two cues, or most cues have a label), so a one-off "Stop: ..." stays text. Every problem names the file and line.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from bwvtool import safe_files
from bwvtool.errors import BwvError

_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]*>")
_PREFIX = re.compile(r"^(?:\[([^\]\n]{1,40})\]|([A-Z0-9][\w.'-]*(?: [\w.'-]+){0,2}):)\s+(?=\S)")


class TranscriptError(BwvError):
    """A transcript file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Utterance:
    start_ms: int
    end_ms: int
    text: str
    speaker: str | None = None
    words: tuple[tuple[int, int, str], ...] | None = None  # (start_ms, end_ms, word), from speech recognition

    def as_dict(self) -> dict:
        data = {"start_ms": self.start_ms, "end_ms": self.end_ms, "speaker": self.speaker, "text": self.text}
        if self.words is not None:
            data["words"] = [list(w) for w in self.words]
        return data


def read_text(path: Path) -> str:
    """The file as text. :raises TranscriptError: missing, too large, or not UTF-8 (with the line)."""
    if not path.is_file():
        raise TranscriptError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        return safe_files.read_text(path, "transcript", path.name)
    except safe_files.HostileInput as exc:
        raise TranscriptError(str(exc)) from None


def _ms(groups: tuple[str | None, ...]) -> int:
    hours, minutes, seconds, millis = groups
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks with the (1-based) line number of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


@dataclass
class _Cue:
    line: int
    start_ms: int
    end_ms: int
    text: str
    speaker: str | None


def _cue(name: str, first_line: int, lines: list[str], *, srt: bool) -> _Cue:
    offset = 0
    if srt or "-->" not in lines[0]:
        offset = 1  # an SRT counter or a WebVTT cue identifier
        if srt and not lines[0].strip().isdigit():
            raise TranscriptError(f"{name} line {first_line}: expected a cue number, got {lines[0][:60]!r}")
    if offset >= len(lines):
        raise TranscriptError(f"{name} line {first_line}: a cue with no timing line")
    timing = _TIMING.match(lines[offset])
    if timing is None:
        example = "00:00:01,000 --> 00:00:04,000" if srt else "00:00:01.000 --> 00:00:04.000"
        raise TranscriptError(
            f"{name} line {first_line + offset}: expected a timing line like {example!r}, "
            f"got {lines[offset][:60]!r}"
        )
    start, end = _ms(timing.groups()[:4]), _ms(timing.groups()[4:])
    if end < start:
        raise TranscriptError(f"{name} line {first_line + offset}: the cue ends before it starts")
    body = "\n".join(lines[offset + 1 :])
    voice = _VOICE.search(body)
    text = html.unescape(_TAG.sub("", body)).replace("\n", " ").strip()
    text = re.sub(r"\s+", " ", text)
    return _Cue(first_line + offset, start, end, text, voice.group(1).strip() if voice else None)


def parse(path: str | Path) -> list[Utterance]:
    """Utterances of a ``.vtt`` or ``.srt`` file (format from the content, not the name), in time order.

    :raises TranscriptError: unreadable file, a malformed cue (file and line named), or no cues at all.
    """
    path = Path(path)
    text = read_text(path)
    blocks = _blocks(text)
    if not blocks:
        raise TranscriptError(f"{path.name}: the file is empty")
    vtt = blocks[0][1][0].startswith("WEBVTT")
    first = blocks[0][1]
    if not vtt and not first[0].strip().isdigit() and "-->" not in first[0]:
        raise TranscriptError(
            f"{path.name} line {blocks[0][0]}: not a WebVTT or SRT file (no 'WEBVTT' header or cue timing)"
        )
    cues = []
    for first_line, lines in blocks[1:] if vtt else blocks:
        if vtt and lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        cues.append(_cue(path.name, first_line, lines, srt=not vtt))
    if not cues:
        raise TranscriptError(f"{path.name}: no cues")
    return _with_speakers(cues)


def _with_speakers(cues: list[_Cue]) -> list[Utterance]:
    prefixes: dict[str, int] = {}
    for cue in cues:
        if cue.speaker is None and (match := _PREFIX.match(cue.text)):
            label = (match.group(1) or match.group(2)).strip()
            prefixes[label] = prefixes.get(label, 0) + 1
    labelled = sum(prefixes.values())
    convention = any(count >= 2 for count in prefixes.values()) or (
        labelled >= 2 and labelled * 2 > len(cues)
    )
    speakers = set(prefixes) if convention else set()
    found = []
    for cue in sorted(cues, key=lambda c: (c.start_ms, c.line)):
        speaker, text = cue.speaker, cue.text
        if speaker is None and (match := _PREFIX.match(text)):
            label = (match.group(1) or match.group(2)).strip()
            if label in speakers:
                speaker, text = label, text[match.end() :]
        found.append(Utterance(cue.start_ms, cue.end_ms, text, speaker))
    return found
