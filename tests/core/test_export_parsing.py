"""Every tabular export parses the same everywhere: Python's csv module, pandas and R read back exactly the values
of the JSON Lines export, with hostile text (delimiters, quotes, bare CRs, formulas after spaces or control
characters) in every text column a user can fill; booleans read as booleans; no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import pandas as pd
import pytest

from bwvtool.export.context import ExportOptions
from bwvtool.export.pseudonym import generate_key_file
from bwvtool.export.run import export_sample
from bwvtool.export.tables import Column, Table, TableWriter, needs_protection, unprotect
from tests.core.test_export_fixtures import HOSTILE, HOSTILE_BOROUGHS, build_coded_sample

TABLES = ("clips", "reviews", "events", "summary", "data_dictionary")
TEXT_TYPES = ("text", "identifier", "datetime", "list")
RSCRIPT = shutil.which("Rscript")


@pytest.fixture(scope="module")
def exports(tmp_path_factory, module_workspace_location):
    """The hostile coded sample exported as CSV, TSV and JSON Lines (text kept, so notes go out too)."""
    sample = build_coded_sample(
        tmp_path_factory.mktemp("hostile"), hostile=True, location=module_workspace_location
    )
    key = tmp_path_factory.mktemp("key") / "force.key"
    generate_key_file(key)
    out = tmp_path_factory.mktemp("exports")
    with sample.open() as ws:
        return {
            fmt: export_sample(
                ws, sample.sample_id, out / fmt, ExportOptions(fmt=fmt, key_file=key, keep_text=True)
            )
            for fmt in ("csv", "tsv", "jsonl")
        }


def _jsonl(exports, name):
    lines = (exports["jsonl"].out / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _types(exports):
    """(file stem, column) -> type, from the data dictionary (itself read back as JSON Lines)."""
    return {
        (row["file"].rsplit(".", 1)[0], row["column"]): row["type"]
        for row in _jsonl(exports, "data_dictionary")
    }


def _cell(value, kind):
    """What a CSV/TSV cell holds for a JSON Lines value, once a protected text cell is read back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, list):
        return ";".join(map(str, value))
    return str(value)


def _read_back(cell, kind):
    return unprotect(cell) if kind in TEXT_TYPES or kind is None else cell


def _check_same(exports, fmt, name, rows, types, *, normalise=lambda text: text):
    expected = _jsonl(exports, name)
    assert len(rows) == len(expected), (fmt, name)
    for got, want in zip(rows, expected, strict=True):
        assert list(got) == list(want), (fmt, name)
        for column, value in want.items():
            kind = types.get((name, column))
            if (name, column) == ("data_dictionary", "file"):  # names the file in its own format
                got[column], value = got[column].rsplit(".", 1)[0], value.rsplit(".", 1)[0]
            assert normalise(_read_back(got[column], kind)) == normalise(_cell(value, kind)), (
                fmt,
                name,
                column,
            )


def test_the_fixture_puts_hostile_text_in_every_user_text_column(exports):
    clips, events, reviews = (_jsonl(exports, n) for n in ("clips", "events", "reviews"))
    assert {c["borough"] for c in clips} <= set(HOSTILE_BOROUGHS) and len({c["stratum"] for c in clips}) == 3
    for column, rows in (("bcu", clips), ("notes", clips)):
        assert len({r[column] for r in rows} & set(HOSTILE)) == len(rows), column  # a different one per clip
    assert set(HOSTILE) <= {r["note"] for r in events}
    assert any("\r" in r["note"] and "\n" not in r["note"] for r in events)  # a bare CR
    assert all(r["notes"] for r in reviews)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_the_csv_module_reads_back_the_json_lines_values(exports, fmt):
    types = _types(exports)
    delimiter = "," if fmt == "csv" else "\t"
    for name in TABLES:
        with (exports[fmt].out / f"{name}.{fmt}").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter=delimiter))
        _check_same(exports, fmt, name, rows, types)
        # No cell a spreadsheet would run: every risky cell starts with the protecting quote.
        for row in rows:
            for column, cell in row.items():
                if types.get((name, column)) in TEXT_TYPES or name == "data_dictionary":
                    assert not needs_protection(cell) or cell.startswith("'"), (name, column, cell)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_pandas_reads_back_the_json_lines_values_and_types(exports, fmt):
    types = _types(exports)
    sep = "," if fmt == "csv" else "\t"
    for name in TABLES:
        path = exports[fmt].out / f"{name}.{fmt}"
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
        _check_same(exports, fmt, name, frame.to_dict("records"), types)
        typed = pd.read_csv(path, sep=sep)
        for column in typed.columns:
            kind = types.get((name, column))
            if kind == "boolean" and typed[column].notna().all():
                assert typed[column].dtype == bool, (name, column)
            if kind == "integer" and typed[column].notna().all():
                assert typed[column].dtype == "int64", (name, column)
    events = pd.read_csv(exports[fmt].out / f"events.{fmt}", sep=sep)
    assert len(events) == len(_jsonl(exports, "events"))  # a bare CR in a note makes no extra row


_R_READER = r"""
args <- commandArgs(trailingOnly = TRUE)
read <- if (args[2] == "csv") read.csv else read.delim
raw <- read(args[1], colClasses = "character", na.strings = character(0), check.names = FALSE,
            encoding = "UTF-8", strip.white = FALSE)
hex <- function(v) vapply(v, function(x) paste(as.character(charToRaw(enc2utf8(x))), collapse = ""), "")
cat(paste(vapply(names(raw), function(n) hex(n), ""), collapse = " "), "\n", sep = "")
for (i in seq_len(nrow(raw))) cat(paste(hex(unlist(raw[i, ], use.names = FALSE)), collapse = " "), "\n", sep = "")
typed <- read(args[1], check.names = FALSE, encoding = "UTF-8")
cat("CLASSES", vapply(typed, function(x) class(x)[1], ""), "\n")
"""


def _r_read(path, fmt):
    done = subprocess.run(
        [RSCRIPT, "-e", _R_READER, str(path), fmt], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    decode = lambda cell: bytes.fromhex(cell).decode("utf-8")  # noqa: E731
    names = [decode(c) for c in lines[0].split(" ")]
    rows = [dict(zip(names, [decode(c) for c in line.split(" ")], strict=True)) for line in lines[1:-1]]
    classes = dict(zip(names, lines[-1].split()[1:], strict=True))
    return rows, classes


@pytest.mark.skipif(
    RSCRIPT is None, reason="R is not installed (scripts/install-system-deps.sh --tests installs it)"
)
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_r_reads_back_the_json_lines_values_and_booleans_as_logical(exports, fmt):
    """R's reader turns a CR (or CRLF) inside a quoted cell into LF; everything else comes back exactly."""
    types = _types(exports)
    for name in TABLES:
        rows, classes = _r_read(exports[fmt].out / f"{name}.{fmt}", fmt)
        # R has no empty-string/empty-cell distinction to make here: both read as "" with na.strings = none.
        _check_same(
            exports, fmt, name, rows, types, normalise=lambda t: t.replace("\r\n", "\n").replace("\r", "\n")
        )
        for column, kind in ((c, types.get((name, c))) for c in classes):
            if kind == "boolean" and all(r[column] for r in rows):
                assert classes[column] == "logical", (name, column)


def test_tsv_quotes_a_bare_carriage_return_so_no_row_is_split(tmp_path):
    table = Table(
        "t", [Column("note", "text", "n"), Column("n", "integer", "i"), Column("ok", "boolean", "b")]
    )
    with TableWriter(tmp_path, table, "tsv") as writer:
        writer.write(["before\r=1", 1, True])
        writer.write(["a\tb", 2, False])
        writer.write(["'already", 3, None])
    writer.close()
    raw = (tmp_path / "t.tsv").read_bytes().decode("utf-8")
    assert raw == 'note\tn\tok\n"before\r=1"\t1\tTRUE\n"a\tb"\t2\tFALSE\n\'\'already\t3\t\n'
    frame = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    assert len(frame) == 3 and frame["note"].map(unprotect).tolist() == ["before\r=1", "a\tb", "'already"]


def test_protection_applies_after_leading_whitespace_and_control_characters():
    for risky in ("=1", " =1", "\t1", "\r1", "\n=1", "\x01+1", "\u200b@x", "\u00a0-1", "\uff1d1", "'text"):
        assert needs_protection(risky), repr(risky)
    for plain in ("a=1", "1-2", "text", "", " text", "é"):
        assert not needs_protection(plain), repr(plain)


def test_json_lines_rows_are_byte_for_byte_what_json_dumps_writes(exports):
    """Event rows are joined from cached JSON members (the export's hot loop): each line is still exactly
    ``json.dumps`` of its own values, hostile text included."""
    for name in TABLES:
        for line in (exports["jsonl"].out / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            assert json.dumps(json.loads(line), ensure_ascii=False) == line, name
