"""Coded events for the benches: the S&S codebook's codes in the rhythm of an encounter; the set-up of the benches
that code while a year's catalogue is imported."""

from __future__ import annotations

import argparse
from pathlib import Path

CODES = [  # (track, code, actor, state?) of the S&S codebook
    ("subject_demeanour", "demeanour", "subject_1", True), ("officer_language", "reason_given", "officer_1", False),
    ("officer_language", "command", "officer_1", False), ("officer_language", "explains_process", "officer_1", False),
    ("subject_behaviour", "verbal_resistance", "subject_1", True), ("de_escalation", "calm", "officer_1", True),
    ("subject_behaviour", "complies", "subject_1", False), ("escalation", "escalation_down", "officer_1", False),
]  # fmt: skip


def coded_event(i: int, *, clip_id: str, coder_id: int, codebook_id: int, onset_ms: int, frame_ms: int = 40):
    """The ``i``-th event of the rhythm at ``onset_ms``: states last 700 ms, one note in 97 holds a formula."""
    from bwvtool.coding.model import Event

    track, code, actor, state = CODES[i % len(CODES)]
    offset = onset_ms + 700 if state else None
    return Event(
        clip_id=clip_id, coder_id=coder_id, codebook_id=codebook_id, track=track, code=code, actor=actor,
        onset_ms=onset_ms, onset_frame=onset_ms // frame_ms,
        offset_ms=offset, offset_frame=None if offset is None else offset // frame_ms,
        modifiers={"level": "calm"} if code == "demeanour" else {},
        note='=HYPERLINK("x")' if i % 97 == 0 else None,
    )  # fmt: skip


def import_bench_arguments(description: str) -> argparse.ArgumentParser:
    """The options of a bench that codes while a year's catalogue is imported: --rows and --gap."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between key presses")
    return parser


def coding_workspace_and_year(folder: Path, rows: int) -> tuple[Path, Path]:
    """A workspace to code in (clip K1, the default codebooks) and ``folder/year.csv``: ``rows`` synthetic clips to
    import into it meanwhile."""
    from bwvtool.catalogue.synthetic import synthetic_rows, write_csv
    from tests.reliability.workspaces import coding_workspace

    path = coding_workspace(folder)
    source = folder / "year.csv"
    write_csv(source, synthetic_rows(rows, seed=7))
    return Path(path), source
