"""Lag-1 transitions, expected counts, adjusted residuals and Yule's Q on a hand-computed example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.contingency_tables import Table

from bwvtool.analysis.events import CodedEvent
from bwvtool.analysis.sequences import transitions


def sequence(codes, coder="ann", clip="c", actors=None, start=0):
    actors = actors or ["officer"] * len(codes)
    return [
        CodedEvent(clip, coder, "language", code, actor, start + 1000 * i)
        for i, (code, actor) in enumerate(zip(codes, actors, strict=True))
    ]


def test_hand_computed_example():
    # A B A B C A -> transitions AB, BA, AB, BC, CA; shuffled input order must not matter.
    events = sequence("ABABCA")[::-1]
    t = transitions(events)
    assert t.labels == ("A", "B", "C")
    assert t.counts.tolist() == [[0, 2, 0], [1, 0, 1], [1, 0, 0]]
    # Rows (2, 2, 1), columns (2, 2, 1), N = 5.
    assert t.expected[0, 1] == pytest.approx(0.8)
    # z_AB = (2 - 0.8) / sqrt(0.8 * 0.6 * 0.6) = sqrt(5); z_AA = -0.8 / sqrt(0.288) = -(2/3) sqrt(5).
    assert t.adjusted_residuals[0, 1] == pytest.approx(math.sqrt(5))
    assert t.adjusted_residuals[0, 0] == pytest.approx(-2 / 3 * math.sqrt(5))
    # z_BC = (1 - 0.4) / sqrt(0.4 * 0.6 * 0.8).
    assert t.adjusted_residuals[1, 2] == pytest.approx(0.6 / math.sqrt(0.192))
    # Yule's Q: A->B a=2 b=0 c=0 d=3 -> 1; A->A a=0 b=2 c=2 d=1 -> -1; B->C a=1 b=1 c=0 d=3 -> 1.
    assert t.yules_q[0, 1] == pytest.approx(1.0)
    assert t.yules_q[0, 0] == pytest.approx(-1.0)
    assert t.yules_q[1, 2] == pytest.approx(1.0)
    rows = {(r["given"], r["target"]): r for r in t.rows()}
    assert rows[("A", "B")] == {
        "given": "A",
        "target": "B",
        "count": 2,
        "expected": pytest.approx(0.8),
        "adjusted_residual": pytest.approx(math.sqrt(5)),
        "yules_q": pytest.approx(1.0),
    }


def test_sequences_stop_at_clip_coder_and_actor_boundaries():
    events = sequence("AB") + sequence("BA", clip="d") + sequence("AA", coder="bob")
    assert transitions(events).counts.tolist() == [[1, 1], [1, 0]]  # AB, BA, AA: never B(c) -> B(d)
    mixed = sequence("ABAB", actors=["officer", "subject", "officer", "subject"])
    assert transitions(mixed).counts.tolist() == [[0, 2], [1, 0]]
    assert transitions(mixed, by_actor=True).counts.tolist() == [[1, 0], [0, 1]]  # A->A, B->B
    labelled = transitions(mixed, label_actor=True)
    assert labelled.labels == ("officer:A", "subject:B")
    assert transitions(mixed, tracks=["other"]).counts.shape == (0, 0)


def test_undefined_values_are_none_in_rows():
    t = transitions(sequence("AB"))  # one transition: every margin share is 1 or 0
    rows = {(r["given"], r["target"]): r for r in t.rows()}
    assert rows[("A", "B")]["adjusted_residual"] is None
    assert rows[("B", "A")]["expected"] == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from("ABCD"), min_size=3, max_size=60))
def test_adjusted_residuals_match_statsmodels(codes):
    t = transitions(sequence(codes))
    with np.errstate(all="ignore"):  # statsmodels divides by zero where a code never starts or ends a pair
        expected = np.asarray(Table(t.counts, shift_zeros=False).standardized_resids, dtype=float)
    expected[~np.isfinite(expected)] = np.nan
    np.testing.assert_allclose(t.adjusted_residuals, expected, rtol=0, atol=1e-9)  # NaN where both undefined
