"""Word (.docx) transcripts as evidence systems export them: paragraphs and tables with times and speakers, made
here with python-docx (the library the reader uses, a real .docx), stored like captions; bad files refused in one
line naming the file and the paragraph, with nothing stored."""

from __future__ import annotations

import json
import zipfile

import docx
import pytest

from tests.core.test_transcripts import ws_path  # noqa: F401 (the fixture: a workspace with clips T1–T3, 24 s)


def word_file(path, paragraphs=(), rows=()):
    document = docx.Document()
    document.add_heading("Transcript: body-worn video T1", 1)
    document.add_paragraph("Exported 04/12/2026 by the evidence system")  # no time: not an utterance
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                table.cell(r, c).text = value
    document.save(str(path))
    return path


def test_paragraph_and_table_layouts_are_read_with_times_and_speakers(ws_path, run_cli, tmp_path):  # noqa: F811
    path = word_file(
        tmp_path / "t1.docx",
        paragraphs=[
            "[00:00:01] PC Smith: Stop there please, I am PC Smith from Brixton.",
            "Subject  00:00:04",
            "Why are you stopping me?",
            "I've done nothing.",
            "PC Smith (00:00:06.500): I'm searching you because of the smell of cannabis.",
        ],
        rows=[("00:00:10 - 00:00:12", "Subject", "Fine, go on."), ("0:13", "PC Smith", "Thank you.")],
    )
    code, out, err = run_cli("transcript", "import", "T1", str(path), "--json")
    assert code == 0, err
    assert json.loads(out) == {"clip_id": "T1", "version": 1, "format": "docx", "utterances": 5}
    shown = json.loads(run_cli("transcript", "show", "T1", "--json")[1])
    got = [(u["start_ms"], u["end_ms"], u["speaker"], u["text"]) for u in shown["utterances"]]
    assert got == [
        (1000, 4000, "PC Smith", "Stop there please, I am PC Smith from Brixton."),
        (4000, 6500, "Subject", "Why are you stopping me? I've done nothing."),
        (6500, 10000, "PC Smith", "I'm searching you because of the smell of cannabis."),
        (10000, 12000, "Subject", "Fine, go on."),
        (13000, 14000, "PC Smith", "Thank you."),  # the last one ends after its words (150 a minute, ≥ 1 s)
    ]
    code, out, _ = run_cli("transcript", "search", "smell of cannabis", "--json")
    assert code == 0 and [h["clip_id"] for h in json.loads(out)] == ["T1"]


def test_the_last_utterance_never_runs_past_the_clip(ws_path, run_cli, tmp_path):  # noqa: F811
    long_words = " ".join(["word"] * 200)  # 80 s at 150 words a minute, on a 24 s clip
    path = word_file(tmp_path / "t.docx", paragraphs=[f"00:20 Officer: {long_words}"])
    assert run_cli("transcript", "import", "T2", str(path))[0] == 0
    shown = json.loads(run_cli("transcript", "show", "T2", "--json")[1])
    assert [(u["start_ms"], u["end_ms"]) for u in shown["utterances"]] == [(20000, 24000)]


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: word_file(p, paragraphs=["No times anywhere here.", "Just words."]),
            "no timed utterances",
        ),
        (
            lambda p: word_file(p, paragraphs=["00:01:75 PC Smith: hello"]),
            "paragraph 3: '00:01:75' is not a time",
        ),
        (
            lambda p: word_file(p, rows=[("00:05 - 00:02", "PC", "backwards")]),
            "table row 1: the utterance ends",
        ),
        (lambda p: _zip(p, {"hello.txt": "not a document"}), "not a readable Word (.docx) file"),
        (lambda p: p.write_bytes(b"PK\x03\x04 truncated zip") and p, "not a readable Word (.docx) file"),
        (
            lambda p: word_file(p, paragraphs=["00:00:01 PC: a", "00:01:30 PC: too late"]),
            "after the clip's end",
        ),
    ],
)
def test_bad_word_files_are_refused_in_one_line_and_nothing_is_stored(
    ws_path,  # noqa: F811
    run_cli,
    tmp_path,
    make,
    message,
):
    from bwvtool.store import open_workspace

    path = tmp_path / "bad.docx"
    make(path)
    code, out, err = run_cli("transcript", "import", "T1", str(path))
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err and "Error" not in err
    assert "bad.docx" in err
    with open_workspace(ws_path) as ws:
        assert ws.conn.execute("SELECT count(*) FROM transcripts").fetchone()[0] == 0


def test_a_zip_bomb_is_refused_before_it_is_unpacked(ws_path, run_cli, tmp_path):  # noqa: F811
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" + b" " * (210 * 1024 * 1024))
    code, _, err = run_cli("transcript", "import", "T1", str(path))
    assert code == 2 and "unpacks to more than 200 MB" in err
