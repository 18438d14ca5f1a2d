"""Transitions as a reader sees them: codebook labels, and rare transitions left out of the listing."""

from __future__ import annotations

import numpy as np

from bwvtool.analysis.sequences import Transitions
from bwvtool.codebook import load_codebook
from bwvtool.export.coded import code_names
from bwvtool.export.figures import transition_rows
from bwvtool.resources import read_text


def test_labels_become_codebook_labels_with_the_actor_spelled_out(tmp_path):
    path = tmp_path / "ss.yaml"
    path.write_text(read_text("codebooks/ss_language_behaviour.yaml"))
    codebook = load_codebook(path)
    names = code_names(["command", "officer_1:reason_given", "subject_2:unknown_code"], [codebook])
    assert names == {
        "command": codebook.code("command").label,
        "officer_1:reason_given": f"Officer 1 · {codebook.code('reason_given').label}",
        "subject_2:unknown_code": "Subject 2 · unknown_code",
    }


def test_rare_transitions_are_not_listed_and_codes_only_in_rare_ones_are_not_shown():
    counts = np.array([[0, 9, 1], [7, 0, 2], [1, 3, 0]])
    result = Transitions(("a", "b", "c"), counts, names={"a": "A", "b": "B", "c": "C"})
    assert result.common(5) == [0, 1]  # c takes part only in transitions seen fewer than 5 times
    assert result.common(1) == [0, 1, 2]
    listed = transition_rows(result.rows(), min_count=5, names=result.names)
    assert {(r["given"], r["target"]) for r in listed} == {("A", "B"), ("B", "A")}
    assert all(r["count"] >= 5 for r in listed)
