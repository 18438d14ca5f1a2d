"""Reading catalogue files: CSV and JSON Lines, record by record, with the line numbers of each record.

A reader never stops at a bad record: it yields it with the problem, so the importer can reject it and keep
going. Each record is ``(first_line, last_line, values, extra, reject)``: ``values`` in
:data:`~bwvtool.catalogue.rows.COLUMNS` order (``None`` for absent), ``extra`` the unknown columns as JSON text,
and ``reject`` a :class:`Reject` when the record could not be read at all (then ``values`` is ``None``).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool.catalogue.rows import COLUMNS, REQUIRED, Problem
from bwvtool.errors import UsageError
from bwvtool.safe_files import CAPS, size_words

FORMATS = ("csv", "jsonl")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_KNOWN = frozenset(COLUMNS)

Record = tuple[int, int, list[Any] | None, str | None, "Reject | None"]
# PostgreSQL cannot store a NUL in text and SQLite would: refused on both, so both engines hold the same rows.
NUL = "contains a NUL character (byte 0), which no text field may hold: remove it and import the row again"


@dataclass
class Reject:
    """A refused record: where it is in the file, its clip id if one could be read, and why."""

    line: int
    end_line: int
    clip_id: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def column(self) -> str | None:
        return self.problems[0].column if self.problems else None

    @property
    def reason(self) -> str:
        return self.problems[0].reason if self.problems else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "end_line": self.end_line,
            "clip_id": self.clip_id,
            "column": self.column,
            "reason": self.reason,
            "problems": [{"column": p.column, "reason": p.reason} for p in self.problems],
        }


def detect_format(path: Path, fmt: str | None = None) -> str:
    """``csv`` or ``jsonl``: as given, else from the file name's extension."""
    if fmt:
        if fmt not in FORMATS:
            raise UsageError(f"unknown catalogue format {fmt!r} (use csv or jsonl)")
        return fmt
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise UsageError(f"cannot tell the format of {path.name} from its extension; pass --format csv|jsonl")
    return found


def fingerprint(path: Path) -> str:
    """SHA-256 of the file, streamed; also proves the file is UTF-8 (else a one-line error naming the line)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    lines_before = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines_before + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
                raise UsageError(
                    f"{path.name} is not UTF-8 text (line {line}, byte {offset + exc.start}); "
                    "save it as UTF-8 and import again"
                ) from None
            offset += len(chunk)
            lines_before += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise UsageError(f"{path.name} ends in the middle of a UTF-8 character") from None
    if offset == 0:
        raise UsageError(f"{path.name} is empty (expected a header row or JSON lines)")
    return digest.hexdigest()


class CsvReader:
    """An RFC 4180 CSV catalogue (UTF-8, with or without a byte-order mark), header row first."""

    format = "csv"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open(encoding="utf-8-sig", newline="")
        self._nul_seen = False
        # strict: a stray quote is a bad record, not silently glued into a field.
        self._reader = csv.reader(self._lines(), strict=True)
        try:
            header = next(self._reader)
        except StopIteration:
            self.close()
            raise UsageError(f"{path.name} has no header row") from None
        except csv.Error as exc:
            self.close()
            raise UsageError(f"{path.name}: the header row is not valid CSV ({exc})") from None
        self.header = [name.strip() for name in header]
        self.header_lines = self._reader.line_num
        _check_header(path, self.header)

    def close(self) -> None:
        self._handle.close()

    def __iter__(self) -> Iterator[Record]:
        header = self.header
        width = len(header)
        # A missing column reads the extra empty cell appended to every record (index -1).
        index = [header.index(c) if c in header else -1 for c in COLUMNS]
        extra_index = [(i, name) for i, name in enumerate(header) if name not in _KNOWN]
        clip_index = index[0]
        reader = self._reader
        previous = self.header_lines
        dumps = json.dumps
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                first, previous = previous + 1, reader.line_num
                yield (
                    first,
                    previous,
                    None,
                    None,
                    Reject(first, previous, None, [Problem(None, f"bad CSV: {exc}")]),
                )
                continue
            first, previous = previous + 1, reader.line_num
            if self._nul_seen:  # the record's lines were all read when the reader returned it
                self._nul_seen = False
                clip_id = record[clip_index] if 0 <= clip_index < len(record) else None
                yield (
                    first,
                    previous,
                    None,
                    None,
                    Reject(first, previous, clip_id or None, [Problem(None, NUL)]),
                )
                continue
            if len(record) != width:
                if not record:
                    continue  # a blank line
                clip_id = record[clip_index] if clip_index < len(record) else None
                problem = Problem(None, f"expected {width} fields as in the header, found {len(record)}")
                yield first, previous, None, None, Reject(first, previous, clip_id or None, [problem])
                continue
            record.append("")
            values = [record[i] or None for i in index]
            extra = (
                dumps({name: record[i] for i, name in extra_index if record[i]}, ensure_ascii=False)
                if extra_index
                else "{}"
            )
            yield first, previous, values, extra, None

    def _lines(self) -> Iterator[str]:
        """The file's lines for the CSV parser, noting a NUL on the way (Python's csv passes it through)."""
        for line in self._handle:
            if "\x00" in line:
                self._nul_seen = True
            yield line


class JsonLinesReader:
    """A JSON Lines catalogue: one JSON object per line; blank lines are skipped."""

    format = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open(encoding="utf-8-sig")
        self.header_lines = 0

    def close(self) -> None:
        self._handle.close()

    def __iter__(self) -> Iterator[Record]:
        loads, dumps = json.loads, json.dumps
        for number, text in enumerate(self._lines(), 1):
            if text is None:
                problem = Problem(
                    None, f"the line is longer than {size_words(CAPS['catalogue line'])}: not a clip record"
                )
                yield number, number, None, None, Reject(number, number, None, [problem])
                continue
            try:
                row = loads(text)
            except ValueError as exc:
                if not text.strip():
                    continue
                problem = Problem(
                    None, f"not valid JSON: {getattr(exc, 'msg', exc)} (column {getattr(exc, 'colno', '?')})"
                )
                yield number, number, None, None, Reject(number, number, None, [problem])
                continue
            if row.__class__ is not dict:
                problem = Problem(None, "each line must be a JSON object")
                yield number, number, None, None, Reject(number, number, None, [problem])
                continue
            if "u0000" in text and _holds_nul(row):
                yield number, number, None, None, Reject(number, number, None, [Problem(None, NUL)])
                continue
            values = [row.get(c) for c in COLUMNS]
            if row.keys() <= _KNOWN:
                extra = "{}"
            else:
                unknown = {k: v for k, v in row.items() if k not in _KNOWN}
                extra = dumps(unknown, ensure_ascii=False, sort_keys=True)
            yield number, number, values, extra, None

    def _lines(self) -> Iterator[str | None]:
        """The file's lines, each read at most to the cap (:mod:`bwvtool.safe_files`): an over-long line is
        skipped whole and given as None, so it is never held in memory or parsed."""
        cap = CAPS["catalogue line"]
        readline = self._handle.readline
        while text := readline(cap + 1):
            if len(text) <= cap:
                yield text
                continue
            while text and not text.endswith("\n"):
                text = readline(cap + 1)
            yield None


def _holds_nul(value: Any) -> bool:
    if value.__class__ is str:
        return "\x00" in value
    if value.__class__ is dict:
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if value.__class__ is list:
        return any(_holds_nul(v) for v in value)
    return False


def open_reader(path: Path, fmt: str) -> CsvReader | JsonLinesReader:
    return CsvReader(path) if fmt == "csv" else JsonLinesReader(path)


def _check_header(path: Path, header: list[str]) -> None:
    seen: set[str] = set()
    for name in header:
        if not name:
            raise UsageError(f"{path.name}: the header has an empty column name")
        if name in seen:
            raise UsageError(f"{path.name}: column {name!r} appears twice in the header")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise UsageError(f"{path.name}: the header lacks required column(s): {', '.join(missing)}")


def copy_records(
    source: Path, fmt: str, header_lines: int, ranges: Iterable[tuple[int, int]], dest: Path
) -> None:
    """Write the records at ``ranges`` ((first line, last line), in file order) verbatim, with the CSV header,
    so the user can fix them and import again. Streams both the file and the ranges."""
    wanted = iter(ranges)
    current = next(wanted, None)
    newline = "" if fmt == "csv" else None
    with (
        source.open(encoding="utf-8-sig", newline=newline) as src,
        dest.open("w", encoding="utf-8", newline="") as out,
    ):
        for number, text in enumerate(src, 1):
            while current is not None and current[1] < number:
                current = next(wanted, None)
            if number <= header_lines or (current is not None and current[0] <= number):
                out.write(text)
