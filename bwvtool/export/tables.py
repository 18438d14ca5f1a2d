"""Export tables as data: every column's name, type, meaning and allowed values, and the writers that stream
rows into CSV, TSV or JSON Lines files.

The data dictionary is generated from the same :class:`Column` objects the writers use, so the two cannot drift.

**Formula injection** (OWASP, "CSV Injection"): a spreadsheet treats a cell that starts with ``=``, ``+``, ``-``,
``@`` (or their full-width forms), a tab or a carriage return as a formula, and many skip leading spaces and
control characters first. In CSV and TSV every *text* cell (text, identifier, datetime, list) that a spreadsheet
could read as a formula — its first character is a tab or CR, or its first character after any leading
whitespace or control characters is one of those — gets one leading single quote, and so does every text cell
that already starts with a single quote. Reading back is therefore exact: **remove one leading ``'`` from any
text cell that starts with one** (the data dictionary says so). Number cells are never touched: a negative
number stays a number (``-5``). JSON Lines files keep text exactly (JSON is not opened as a spreadsheet).

**Quoting** (RFC 4180, for CSV and TSV alike): a cell holding the delimiter, a double quote, a CR or an LF is
written between double quotes with its quotes doubled; other cells are written as they are. CSV uses commas and
CRLF line ends, TSV tabs and LF; both UTF-8 without a byte-order mark. Empty cells are missing values; booleans
are ``TRUE``/``FALSE`` (R reads lower-case ``true`` as text); lists are joined with ``;``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from json import encoder as json_encoder
from pathlib import Path
from typing import IO, Any, Literal

Format = Literal["csv", "tsv", "jsonl"]
ColumnType = Literal["integer", "number", "text", "boolean", "datetime", "list", "identifier"]

FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
PROTECT_MARK = "'"
# Booleans in CSV/TSV: the spelling R's read.csv (type.convert) and pandas both read as logical values.
TRUE, FALSE = "TRUE", "FALSE"
# What a spreadsheet may skip before it looks for a formula: whitespace, C0/C1 controls, zero-width and bidi marks.
_SKIPPED = r"\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff"
_FORMULA_CHARS = re.escape("".join(sorted(FORMULA_START - {"\t", "\r"})))
_PROTECT_PATTERN = rf"(?:'|[\t\r]|[{_SKIPPED}]*[{_FORMULA_CHARS}])"
_PROTECT = re.compile(_PROTECT_PATTERN)
_DIRECT = FORMULA_START | {PROTECT_MARK}
EXTENSIONS: dict[str, str] = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl"}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    meaning: str
    allowed: tuple[Any, ...] = ()

    def dictionary_row(self, file: str) -> list[Any]:
        allowed = ";".join(str(v) for v in self.allowed)
        return [file, self.name, self.type, allowed, self.meaning]


@dataclass
class Table:
    """A file of the export: its base name and columns."""

    name: str
    columns: list[Column] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


DICTIONARY = Table(
    "data_dictionary",
    [
        Column("file", "text", "The export file the column is in."),
        Column("column", "text", "The column's name."),
        Column(
            "type",
            "text",
            "integer, number, boolean (TRUE/FALSE in CSV/TSV, as R and pandas read them; true/false in JSON"
            " Lines), text, identifier (a pseudonym unless the export is"
            " identified), datetime (UTC ISO 8601, or coarsened: YYYY-MM-DD, YYYY-Www, YYYY-MM), list"
            " (';'-separated in CSV/TSV, an array in JSON Lines). Protected values (CSV/TSV): a text,"
            " identifier, datetime or list cell that starts with ' had one ' added so that no spreadsheet reads"
            " it as a formula (it started with = + - @, a tab or CR, possibly after spaces or control"
            " characters, or with ' itself); to read the exact value back remove that one leading '. JSON"
            " Lines holds every value unprotected.",
        ),
        Column("allowed_values", "text", "The values the column may hold (';'-separated); empty when open."),
        Column("meaning", "text", "What the column means."),
    ],
)


def needs_protection(text: str) -> bool:
    """Could a spreadsheet read ``text`` as a formula (or is it already marked with a leading quote)?"""
    first = text[:1]
    if not first:
        return False
    if first in _DIRECT:
        return True
    if first.isspace() or not first.isprintable():
        return _PROTECT.match(text) is not None
    return False


# ``needs_protection`` as one C call (a match object or None; the same answer for every text, empty included):
# for hot loops that check a few text cells per row.
protection_match = _PROTECT.match


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: one leading quote when :func:`needs_protection`."""
    return PROTECT_MARK + text if needs_protection(text) else text


def unprotect(text: str) -> str:
    """The exact value of a protected CSV/TSV text cell (the inverse of :func:`neutralise`)."""
    return text[1:] if text.startswith(PROTECT_MARK) else text


def quote(cell: str, delimiter: str) -> str:
    """RFC 4180: a cell holding the delimiter, a quote, CR or LF goes between quotes, its quotes doubled."""
    if delimiter in cell or '"' in cell or "\n" in cell or "\r" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


@dataclass
class WrittenFile:
    name: str
    rows: int
    sha256: str
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.rows, "sha256": self.sha256, "bytes": self.bytes}


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a written file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


_BATCH_ROWS = 2_000


def _row_encoder() -> Callable[[dict[str, Any], int], Sequence[str]]:
    """``JSONEncoder(ensure_ascii=False)`` as the chunks of one row's text. ``encode`` makes a new C encoder for
    every call; this makes the same one (same arguments, so the same text) once per file."""
    base = json.JSONEncoder(ensure_ascii=False)
    if json_encoder.c_make_encoder is None:  # no C accelerator: the plain encode, one chunk
        return lambda row, _level: (base.encode(row),)
    return json_encoder.c_make_encoder(
        {}, base.default, json_encoder.encode_basestring, None, base.key_separator, base.item_separator,
        base.sort_keys, base.skipkeys, base.allow_nan,
    )  # fmt: skip


class TableWriter:
    """Streams rows (lists in the table's column order) into one file; :meth:`close` returns what it wrote.

    Rows are converted in place for CSV/TSV (booleans, lists, formula neutralising by column type), so callers
    pass a fresh list per row. A hot loop can also join CSV/TSV rows itself from cached :meth:`segment` pieces
    and hand over the :meth:`plain` ones with :meth:`write_lines` (the file is the same either way).
    """

    def __init__(self, folder: Path, table: Table, fmt: Format, *, path: Path | None = None) -> None:
        self.table = table
        self.fmt = fmt
        self.path = path or folder / (table.name + EXTENSIONS[fmt])
        self.rows = 0
        self._handle: IO[str] = self.path.open("w", encoding="utf-8", newline="")
        types = [c.type for c in table.columns]
        self._bools = [i for i, t in enumerate(types) if t == "boolean"]
        self._lists = [i for i, t in enumerate(types) if t == "list"]
        self._texts = [i for i, t in enumerate(types) if t in ("text", "identifier", "datetime", "list")]
        self._types = types
        if fmt == "jsonl":
            self._names = table.names
            self._encode = _row_encoder()
            self._encode_key_separator = json.JSONEncoder(ensure_ascii=False).key_separator
            self._lines: list[str] = []  # encoded rows not yet written: the file is written in batches
        else:
            self.delimiter, self._end = ("\t", "\n") if fmt == "tsv" else (",", "\r\n")
            self._delimiters = len(table.columns) - 1
            # One scan of the joined line finds any cell that may need protection (a negative number too); only
            # then are the text cells checked one by one.
            self._risky = re.compile(re.escape(self.delimiter) + _PROTECT_PATTERN)
            self._write_cells([neutralise(name) for name in table.names])

    def write(self, row: list[Any]) -> None:
        self.rows += 1
        if self.fmt == "jsonl":
            self._lines.append("".join(self._encode(dict(zip(self._names, row, strict=True)), 0)))
            if len(self._lines) >= _BATCH_ROWS:
                self._flush()
            return
        for i in self._bools:
            value = row[i]
            if value is not None:
                row[i] = TRUE if value else FALSE
        for i in self._lists:
            value = row[i]
            if value is not None:
                row[i] = ";".join(map(str, value))
        cells = [v if v.__class__ is str else "" if v is None else str(v) for v in row]
        line = self.delimiter.join(cells)
        if needs_protection(line) or self._risky.search(line):
            for i in self._texts:
                cells[i] = neutralise(cells[i])
            line = self.delimiter.join(cells)
        # Most rows need no quoting: write the joined line; the rest are quoted cell by cell.
        if (
            line.count(self.delimiter) == self._delimiters
            and '"' not in line
            and "\n" not in line
            and "\r" not in line
        ):
            self._handle.write(line + self._end)
        else:
            self._write_cells(cells)

    def _write_cells(self, cells: list[str]) -> None:
        self._handle.write(self.delimiter.join([quote(c, self.delimiter) for c in cells]) + self._end)

    # -- the plain path (CSV/TSV): rows joined by the caller from cached pieces -----------------------------
    def plain(self, text: str, cells: int, texts: tuple[str | None, ...] | None = None) -> bool:
        """True when ``text``, ``cells`` cells joined by the delimiter, goes into the file as it is.

        That is when no cell holds a delimiter, quote or line break, and no text cell needs protection (see
        :func:`needs_protection`) — exactly the rows :meth:`write` writes without changing a cell. Without ``texts`` every cell
        counts as text (a negative number too: conservative); with it, only the cells in ``texts`` are checked
        for formula characters (the caller knows the others are numbers or checked already).
        """
        if (
            text.count(self.delimiter) != cells - 1 or '"' in text or "\n" in text or "\r" in text
        ):  # separate scans: several times faster than one regex with alternatives
            return False
        if texts is None:
            return not needs_protection(text) and not self._risky.search(text)
        for cell in texts:  # noqa: SIM110 (a loop: twice as fast as all() over a generator, once per row)
            if cell and needs_protection(cell):
                return False
        return True

    def segment(self, start: int, values: list[Any]) -> str | None:
        """Cells ``start``, ``start + 1``, … of a row converted as :meth:`write` converts them and joined; None
        when they are not :meth:`plain` (rows with such a piece go through :meth:`write`). In JSON Lines: those
        cells as the row's JSON members (``"name": value, …``), exactly as :meth:`write` encodes them."""
        if self.fmt == "jsonl":
            members = "".join(self._encode(dict(zip(self._names[start:], values, strict=False)), 0))
            return members[1:-1]  # without the braces: the encoder joins members with ", " as in a whole row
        types = self._types
        cells = []
        for i, value in enumerate(values, start):
            if value is None:
                value = ""
            elif types[i] == "boolean":
                value = TRUE if value else FALSE
            elif types[i] == "list":
                value = ";".join(map(str, value))
            cells.append(value if value.__class__ is str else str(value))
        text = self.delimiter.join(cells)
        return text if self.plain(text, len(cells)) else None

    def member_name(self, name: str) -> str:
        """JSON Lines: the text a member ``name`` starts with (``"name": ``), as the row's encoder writes it."""
        return json_encoder.encode_basestring(name) + self._encode_key_separator

    @staticmethod
    def json_text(value: str | None) -> str:
        """JSON Lines: a text value (or null) as the row's encoder writes it."""
        return "null" if value is None else json_encoder.encode_basestring(value)

    def write_lines(self, lines: list[str]) -> None:
        """Rows joined from :meth:`segment` pieces and :meth:`plain` cells (CSV/TSV), or from :meth:`segment`
        members and values encoded as :meth:`write` encodes them (JSON Lines); without line ends."""
        self.rows += len(lines)
        if self.fmt == "jsonl":
            self._lines += lines
            if len(self._lines) >= _BATCH_ROWS:
                self._flush()
            return
        self._handle.write(self._end.join(lines) + self._end)

    def _flush(self) -> None:
        if self.fmt == "jsonl" and self._lines:
            self._handle.write("\n".join(self._lines) + "\n")
            self._lines = []

    def close(self) -> WrittenFile:
        if not self._handle.closed:
            self._flush()
            self._handle.close()
        digest, size = file_digest(self.path)
        return WrittenFile(self.path.name, self.rows, digest, size)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if not self._handle.closed:
            if exc_type is None:
                self._flush()
            self._handle.close()


def write_json(folder: Path, name: str, data: Any) -> WrittenFile:
    """A JSON document (codebook, manifest), pretty-printed with sorted keys."""
    path = folder / name
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    digest, size = file_digest(path)
    return WrittenFile(name, 1, digest, size)
