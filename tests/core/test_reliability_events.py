"""Event-level agreement: the ELAN-style modified kappa (linking, IPF kappa) and onset agreement."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from bwvtool.analysis.events import CodedEvent
from bwvtool.analysis.kappa import binary_tables, cohen_kappa, kappa_max, raw_agreement
from bwvtool.analysis.linking import (
    agreement_tables,
    ipf_chance_agreement,
    kappa_including_unmatched,
    kappa_max_including_unmatched,
    link_events,
    linked_share,
)
from bwvtool.analysis.onsets import count_matches, f1, onset_tables, precision, recall


def state(coder, code, onset, offset, actor="subject", clip="c", track="demeanour"):
    return CodedEvent(clip, coder, track, code, actor, onset, offset)


def point(coder, code, onset, actor="officer", clip="c", track="language"):
    return CodedEvent(clip, coder, track, code, actor, onset)


# The hand-computed example (see test_modified_kappa_by_hand for the arithmetic).
EXAMPLE = [
    state("a", "calm", 0, 1000),
    state("b", "calm", 100, 1000),  # overlap 900 / 1000 = 0.9: linked, agree
    state("a", "agitated", 2000, 3000),
    state("b", "agitated", 2000, 2500),  # overlap 500 / 1000 = 0.5 < 0.6: both unmatched
    state("a", "calm", 5000, 6000),
    state("b", "agitated", 5000, 6000),  # linked, disagree
    state("b", "calm", 8000, 9000),  # unmatched
    state("a", "agitated", 10000, 11000),
    state("b", "agitated", 10100, 11000),  # linked, agree
]
LABELS = ("agitated", "calm")
LABEL_OF = {("demeanour", "agitated"): 0, ("demeanour", "calm"): 1}


def test_modified_kappa_by_hand():
    (table,) = agreement_tables(EXAMPLE, ("a", "b"), ["c"], LABELS, label_of=LABEL_OF)
    # Linked pairs count 2, unmatched events 1; rows a, columns b; last row/column "unmatched".
    assert table.tolist() == [[2, 0, 1], [2, 2, 0], [1, 1, 0]]
    # Excluding unmatched: [[2,0],[2,2]], n=6, p_o=4/6, p_e=(2*4+4*2)/36=4/9 -> kappa 0.4.
    assert cohen_kappa(table[:-1, :-1]) == pytest.approx(0.4, abs=1e-12)
    assert kappa_max(table[:-1, :-1]) == pytest.approx(0.4, abs=1e-12)
    # Quasi-independence fit m_ij = a_i b_j off the structural zero, margins rows (3,4,2) cols (5,3,1):
    # a = (3, 4, 7/3), b = (15/28, 9/28, 1/7) -> diagonal 45/28 + 36/28, p_e = 81/28 / 9 = 9/28.
    assert ipf_chance_agreement(table) == pytest.approx(9 / 28, abs=1e-12)
    # kappa_ipf = (4/9 - 9/28) / (1 - 9/28) = 31/171; kappa_max = (7/9 - 9/28) / (19/28) = 115/171.
    assert kappa_including_unmatched(table) == pytest.approx(31 / 171, abs=1e-12)
    assert kappa_max_including_unmatched(table) == pytest.approx(115 / 171, abs=1e-12)
    assert raw_agreement(table) == pytest.approx(4 / 9)
    assert linked_share(table) == pytest.approx(6 / 9)
    # Per code, "code" versus everything else (unmatched included), as EasyDIAg's per-value tables.
    per_code = binary_tables(table, np.eye(3, 2, dtype=bool))
    assert per_code[0].tolist() == [[2, 1], [3, 3]]
    assert cohen_kappa(per_code[0]) == pytest.approx(1 / 7, abs=1e-12)
    assert cohen_kappa(per_code[1]) == pytest.approx(4 / 13, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=9, max_size=9))
def test_ipf_chance_agreement_matches_a_poisson_quasi_independence_fit(cells):
    """The IPF limit is the maximum-likelihood quasi-independence fit; statsmodels' GLM gives it too."""
    table = np.array([*cells[:8], 0], dtype=float).reshape(3, 3)
    rows, cols = np.nonzero(table.sum(axis=1))[0], np.nonzero(table.sum(axis=0))[0]
    if len(rows) < 2 or len(cols) < 2:
        return
    mask = np.ones((3, 3), dtype=bool)
    mask[2, 2] = False
    mask &= table.sum(axis=1)[:, None] > 0
    mask &= table.sum(axis=0)[None, :] > 0
    i, j = np.nonzero(mask)
    # Dummy-coded rows and columns (first level as reference); cells of empty margins are left out.
    design = np.column_stack(
        [np.ones(len(i))]
        + [(i == r).astype(float) for r in rows[1:]]
        + [(j == c).astype(float) for c in cols[1:]]
    )
    fit = sm.GLM(table[i, j], design, family=sm.families.Poisson()).fit(tol=1e-14, maxiter=500)
    expected = np.zeros((3, 3))
    expected[i, j] = fit.fittedvalues
    assert ipf_chance_agreement(table) == pytest.approx(np.trace(expected) / table.sum(), abs=1e-8)


def iterative_proportional_fitting(table, sweeps=5000):
    """EasyDIAg's procedure: start from ones with the structural zero, scale rows then columns, repeat."""
    fitted = np.ones_like(table, dtype=float)
    fitted[-1, -1] = 0.0
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    for _ in range(sweeps):
        with np.errstate(invalid="ignore", divide="ignore"):
            fitted *= np.nan_to_num(rows / fitted.sum(axis=1))[:, None]
            fitted *= np.nan_to_num(cols / fitted.sum(axis=0))[None, :]
        if np.abs(fitted.sum(axis=1) - rows).max() < 1e-13:
            break
    return np.trace(fitted) / table.sum()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=14, max_size=14), st.integers(1, 9))
def test_closed_form_equals_iterative_proportional_fitting(cells, linked):
    table = np.array([linked, *cells, 0], dtype=float).reshape(4, 4)  # at least one linked pair
    assert ipf_chance_agreement(table) == pytest.approx(iterative_proportional_fitting(table), abs=1e-9)


def test_nothing_linked_gives_zero_chance_agreement():
    # One unmatched event each side: IPF drifts to m_11 -> 0 (slowly); the limit is p_e = 0, kappa 0.
    table = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert ipf_chance_agreement(table) == 0.0
    assert iterative_proportional_fitting(table, sweeps=2000) < 1e-3
    assert kappa_including_unmatched(table) == 0.0
    assert np.isnan(ipf_chance_agreement(np.zeros((2, 2))))


def test_perfect_agreement_gives_kappa_one_including_unmatched():
    events = [
        state(c, code, t, t + 900)
        for c in "ab"
        for code, t in (("calm", 0), ("agitated", 1000), ("calm", 2000))
    ]
    (table,) = agreement_tables(events, ("a", "b"), ["c"], LABELS, label_of=LABEL_OF)
    assert table.tolist() == [[2, 0, 0], [0, 4, 0], [0, 0, 0]]
    assert kappa_including_unmatched(table) == pytest.approx(1.0)
    assert cohen_kappa(table[:-1, :-1]) == pytest.approx(1.0)
    assert linked_share(table) == 1.0


def test_linking_is_greedy_by_overlap_and_one_to_one():
    first = [state("a", "calm", 0, 1000)]
    second = [state("b", "calm", 0, 900), state("b", "calm", 0, 1000)]
    links = link_events(first, second)
    assert links.pairs == ((0, 1),) and links.unmatched_second == (0,)
    # Exactly 60% of the longer one is enough; just under is not.
    assert link_events([state("a", "x", 0, 1000)], [state("b", "x", 400, 1000)]).pairs == ((0, 0),)
    assert link_events([state("a", "x", 0, 1000)], [state("b", "x", 401, 1000)]).pairs == ()
    assert link_events([state("a", "x", 0, 1000)], [state("b", "x", 400, 1000)], min_overlap=0.7).pairs == ()


def test_points_link_by_onset_and_never_to_states():
    first = [point("a", "command", 1000), point("a", "command", 3000), state("a", "command", 0, 5000)]
    second = [point("b", "command", 1400), point("b", "reason", 2700), point("b", "command", 9000)]
    links = link_events(first, second, point_tolerance_ms=1000)
    assert links.pairs == ((0, 0), (1, 1))
    assert links.unmatched_first == (2,) and links.unmatched_second == (2,)
    assert link_events(first[:1], second[:1], point_tolerance_ms=399).pairs == ()


def test_tiers_are_clip_track_and_actor():
    events = [
        state("a", "calm", 0, 1000, actor="subject"),
        state("b", "calm", 0, 1000, actor="officer"),  # other actor: not linked
        state("a", "calm", 0, 1000, clip="d"),
        state("b", "calm", 0, 1000, clip="d"),
    ]
    tables = agreement_tables(events, ("a", "b"), ["c", "d"], LABELS, label_of=LABEL_OF)
    assert tables[0].tolist() == [[0, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert tables[1].tolist() == [[0, 0, 0], [0, 2, 0], [0, 0, 0]]


def test_onset_agreement_by_hand():
    events = [point("a", "command", t) for t in (0, 1000, 5000)]
    events += [point("b", "command", t) for t in (900, 1500, 5000, 7000)]
    events += [point("b", "command", 0, actor="subject")]  # another actor: its own key
    keys, tables = onset_tables(events, ("a", "b"), ["c"], tolerance_ms=1000)
    assert keys == [("language", "command", "officer"), ("language", "command", "subject")]
    assert tables[0].tolist() == [[3, 3, 4], [0, 0, 1]]
    counts = tables[0, 0]
    assert precision(counts) == pytest.approx(3 / 4)
    assert recall(counts) == pytest.approx(1.0)
    assert f1(counts) == pytest.approx(6 / 7)
    keys, tables = onset_tables(events, ("a", "b"), ["c"], tolerance_ms=1000, match_actor=False)
    assert keys == [("language", "command", None)] and tables[0, 0].tolist() == [3, 3, 5]
    assert np.isnan(f1(np.zeros(3)))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 20_000), max_size=12),
    st.lists(st.integers(0, 20_000), max_size=12),
    st.integers(0, 3000),
)
def test_onset_matching_is_a_maximum_matching(first, second, tolerance):
    """The greedy sweep finds as many pairs as an assignment solver on the tolerance graph."""
    if first and second:
        feasible = np.abs(np.subtract.outer(first, second)) <= tolerance
        rows, cols = linear_sum_assignment(-feasible.astype(float))
        best = int(feasible[rows, cols].sum())
    else:
        best = 0
    assert count_matches(first, second, tolerance) == best


def brute_force_links(first, second, min_overlap, tolerance):
    """Every pair scored, best first, taken one-to-one: the definition, without any lookup."""
    scored = []
    for i, a in enumerate(first):
        for j, b in enumerate(second):
            if a.is_point and b.is_point and abs(a.onset_ms - b.onset_ms) <= tolerance:
                scored.append((1, abs(a.onset_ms - b.onset_ms), i, j))
            elif not a.is_point and not b.is_point:
                shared = min(a.end_ms, b.end_ms) - max(a.onset_ms, b.onset_ms)
                longer = max(a.end_ms - a.onset_ms, b.end_ms - b.onset_ms)
                if shared / longer >= min_overlap:
                    scored.append((0, -shared / longer, i, j))
    taken_i, taken_j, pairs = set(), set(), []
    for _, _, i, j in sorted(scored):
        if i not in taken_i and j not in taken_j:
            taken_i.add(i)
            taken_j.add(j)
            pairs.append((i, j))
    return tuple(sorted(pairs))


events_of = st.lists(
    st.tuples(st.integers(0, 10_000), st.one_of(st.none(), st.integers(1, 3000))), max_size=10
).map(
    lambda spans: [CodedEvent("c", "x", "t", "k", "a", on, None if d is None else on + d) for on, d in spans]
)


@settings(max_examples=200, deadline=None)
@given(events_of, events_of, st.sampled_from([0.3, 0.6, 0.9]), st.integers(0, 1500))
def test_linking_equals_scoring_every_pair(first, second, min_overlap, tolerance):
    links = link_events(first, second, min_overlap=min_overlap, point_tolerance_ms=tolerance)
    assert links.pairs == brute_force_links(first, second, min_overlap, tolerance)
