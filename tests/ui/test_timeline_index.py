"""The timeline's lane index kept in step one change at a time equals an index rebuilt from scratch.

Random adds, removes and moves (hypothesis) are applied to an incrementally updated :class:`LaneIndex`; after every
step its rows, visible-range answers and dense-lane coverage must equal those of an index built in one pass from
the same events, and the visible ids must equal a brute-force scan.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bwvtool.ui.timeline.geometry import LaneIndex, View

# (kind, event id, onset, duration, is_point); ids drawn from a small range so removes and moves hit real events.
steps = st.lists(
    st.tuples(
        st.sampled_from(["add", "add", "remove"]),
        st.integers(1, 40),
        st.integers(0, 60_000),
        st.integers(0, 20_000),
        st.booleans(),
    ),
    max_size=80,
)
windows = st.lists(st.tuples(st.integers(-5_000, 70_000), st.integers(0, 30_000)), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(steps, windows)
def test_incremental_index_equals_a_full_rebuild(changes, probes):
    index = LaneIndex()
    truth: dict[int, tuple[int, int, int, bool]] = {}
    for kind, event_id, onset, duration, is_point in changes:
        if kind == "add":  # adding a known id moves it (an edit of onset or length)
            end = onset if is_point else onset + duration
            index.add(event_id, onset, end, is_point)
            truth[event_id] = (event_id, onset, end, is_point)
        else:
            index.remove(event_id)
            truth.pop(event_id, None)
        rebuilt = LaneIndex.from_rows(list(truth.values()))
        assert index.rows() == rebuilt.rows() == sorted(truth.values(), key=lambda row: (row[1], row[0]))
        assert len(index) == len(truth) and all(event_id in index for event_id in truth)
        for start, span in probes:
            scanned = sorted(eid for eid, on, end, _ in truth.values() if on <= start + span and end >= start)
            assert sorted(index.visible(start, start + span)) == scanned
            assert sorted(rebuilt.visible(start, start + span)) == scanned
            assert index.count_between(start, start + span) >= len(scanned)
            view = View(start_ms=start, ms_per_px=max(1, span) / 300, width_px=300, duration_ms=80_000)
            assert index.coverage(view) == rebuilt.coverage(view)


def test_coverage_marks_states_and_points_at_pixel_resolution():
    index = LaneIndex.from_rows(
        [(1, 1_000, 2_000, False), (2, 5_000, 5_000, True), (3, 9_950, 12_000, False)]
    )
    view = View(start_ms=0, ms_per_px=100, width_px=100, duration_ms=10_000)
    runs, points = index.coverage(view)
    assert runs == [(10, 21), (99, 100)] and points == [(50, 51)]
    index.add(4, 3_000, 3_000, is_point=True)  # a change after painting is seen by the next paint
    assert index.coverage(view)[1] == [(30, 31), (50, 51)]


def test_changes_in_a_large_lane_are_found_at_once():
    index = LaneIndex.from_rows([(i, i * 10, i * 10 + 5, False) for i in range(1, 50_001)])
    before = index.version
    index.add(60_000, 123_455, 123_460)
    index.remove(17)
    assert index.version == before + 2 and len(index) == 50_000
    assert index.visible(123_450, 123_456) == [12_345, 60_000]
