"""The JSON Lines writer writes in batches with one encoder per file: its bytes are exactly ``json.dumps`` per row."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bwvtool.export.tables import Column, Table, TableWriter

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),  # any unicode, quotes, control characters, line breaks
    st.lists(st.text(max_size=5), max_size=3),
)
TABLE = Table("events", [Column(f"c{i}", "text", "a column") for i in range(4)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(values, min_size=4, max_size=4), max_size=4_500))
def test_jsonl_file_is_json_dumps_of_each_row(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("jsonl")
    with TableWriter(folder, TABLE, "jsonl") as out:
        for row in rows:
            out.write(list(row))
        written = out.close()
    expected = "".join(
        json.dumps(dict(zip(TABLE.names, row, strict=True)), ensure_ascii=False) + "\n" for row in rows
    )
    assert (folder / "events.jsonl").read_bytes() == expected.encode("utf-8")
    assert written.rows == len(rows)


def test_rows_past_a_batch_are_all_written_in_order(tmp_path):
    rows = [[i, f'é {i}\r\n"=x"', None, [str(i), True]] for i in range(4_500)]
    with TableWriter(tmp_path, TABLE, "jsonl") as out:
        for row in rows:
            out.write(list(row))
        out.close()
    lines = (tmp_path / "events.jsonl").read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and [json.loads(line)["c0"] for line in lines[:-1]] == list(range(4_500))
