"""Time-sliced labels, Cohen's kappa, Fleiss' kappa and alpha on bins, checked against reference libraries.

The references are independent implementations run on the same bin labels: a plain per-bin loop for the
labels, scikit-learn for Cohen's kappa, statsmodels for Fleiss' kappa and the krippendorff package for alpha.
"""

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from bwvtool.analysis.alpha import alpha_from_coincidences
from bwvtool.analysis.events import Clip, CodedEvent, coders_by_clip
from bwvtool.analysis.kappa import binary_tables, cohen_kappa, kappa_max
from bwvtool.analysis.kappa import fleiss_kappa as our_fleiss
from bwvtool.analysis.timeslice import SliceOptions, slice_tracks
from bwvtool.errors import UsageError

TOL = 1e-9


def reference_labels(clip, events, coder, track, actor, options):
    """Per-bin labels by the definition, one bin at a time (independent of the vectorised code)."""
    labels = []
    n_bins = math.ceil(clip.duration_ms / options.bin_ms)
    for k in range(n_bins):
        start, end = k * options.bin_ms, min((k + 1) * options.bin_ms, clip.duration_ms)
        mid = (start + end) / 2
        covering = set()
        for e in events:
            if (e.clip_id, e.coder, e.track) != (clip.clip_id, coder, track) or (actor and e.actor != actor):
                continue
            if not e.is_point:
                hit = e.onset_ms <= mid < min(e.offset_ms, clip.duration_ms)
            elif options.point_mode == "window":
                hit = e.onset_ms <= mid < min(e.onset_ms + options.point_window_ms, clip.duration_ms)
            else:
                hit = e.onset_ms < clip.duration_ms and e.onset_ms // options.bin_ms == k
            if hit:
                covering.add(e.code)
        labels.append("+".join(sorted(covering)) if covering else "none")
    return labels


@st.composite
def codings(draw, max_coders=4):
    n_clips = draw(st.integers(1, 4))
    clips = [Clip(f"clip{i}", draw(st.integers(1, 12_000))) for i in range(n_clips)]
    coders = [f"coder{i}" for i in range(draw(st.integers(2, max_coders)))]
    events = []
    for clip in clips:
        for coder in coders:
            for _ in range(draw(st.integers(0, 6))):
                onset = draw(st.integers(0, clip.duration_ms + 500))
                point = draw(st.booleans())
                offset = None if point else onset + draw(st.integers(1, 6000))
                events.append(
                    CodedEvent(
                        clip.clip_id,
                        coder,
                        draw(st.sampled_from(["demeanour", "language"])),
                        draw(st.sampled_from(["calm", "agitated", "command"])),
                        draw(st.sampled_from(["officer", "subject"])),
                        onset,
                        offset,
                    )
                )
    # Some coders skip some clips (missing data), but every clip keeps at least one coder.
    explicit = []
    for clip in clips:
        subset = draw(st.lists(st.sampled_from(coders), min_size=1, unique=True))
        explicit.append(Clip(clip.clip_id, clip.duration_ms, tuple(subset)))
    options = SliceOptions(
        bin_ms=draw(st.sampled_from([100, 250, 1000, 1500])),
        point_mode=draw(st.sampled_from(["window", "bin"])),
        point_window_ms=draw(st.sampled_from([300, 1000])),
    )
    return explicit, events, options


def names_of(ts, row):
    return [ts.names[i] if i >= 0 else None for i in row]


def split_by_clip(ts, labels):
    out = {}
    for clip_index, label in zip(ts.bin_clip, labels, strict=True):
        out.setdefault(ts.clip_ids[clip_index], []).append(label)
    return out


def nan_equal(a, b):
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOL


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codings(), st.booleans())
def test_labels_match_a_per_bin_loop(data, by_actor):
    clips, events, options = data
    coders_of = coders_by_clip(clips, events, {})
    for ts in slice_tracks(clips, events, coders_of, options, by_actor=by_actor):
        for c, coder in enumerate(ts.coders):
            ours = split_by_clip(ts, names_of(ts, ts.labels[c]))
            for clip in clips:
                expected = (
                    reference_labels(clip, events, coder, ts.track, ts.actor, options)
                    if coder in coders_of[clip.clip_id]
                    else [None] * len(ours[clip.clip_id])
                )
                assert ours[clip.clip_id] == expected


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codings())
def test_cohen_kappa_matches_sklearn(data):
    clips, events, options = data
    coders_of = coders_by_clip(clips, events, {})
    for ts in slice_tracks(clips, events, coders_of, options):
        for a in range(len(ts.coders)):
            for b in range(a + 1, len(ts.coders)):
                _, tables = ts.pair_tables(a, b)
                both = (ts.labels[a] >= 0) & (ts.labels[b] >= 0)
                if not both.any():
                    assert tables.shape[0] == 0
                    continue
                y1 = [ts.names[i] for i in ts.labels[a][both]]
                y2 = [ts.names[i] for i in ts.labels[b][both]]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    expected = cohen_kappa_score(y1, y2)
                assert nan_equal(float(cohen_kappa(tables.sum(axis=0))), expected)
                # Per code: presence of the code (compound labels count for each of their codes).
                binary = binary_tables(tables.sum(axis=0), ts.membership)
                for k, code in enumerate(ts.codes):
                    p1 = [code in name.split("+") for name in y1]
                    p2 = [code in name.split("+") for name in y2]
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        expected = cohen_kappa_score(p1, p2, labels=[True, False])
                    assert nan_equal(float(cohen_kappa(binary[k])), expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codings(max_coders=4))
def test_fleiss_kappa_matches_statsmodels(data):
    clips, events, options = data
    coders_of = coders_by_clip(clips, events, {})
    for ts in slice_tracks(clips, events, coders_of, options):
        raters, clip_idx, label_sums, code_sums = ts.fleiss_tables()
        if raters < 3:
            continue
        keep = (ts.labels >= 0).sum(axis=0) == raters
        ratings = np.array([row[row >= 0] for row in ts.labels[:, keep].T])  # (bins, raters)
        table, _ = aggregate_raters(ratings, n_cat=len(ts.names))
        with np.errstate(all="ignore"):
            expected = fleiss_kappa(table, method="fleiss")
        assert nan_equal(float(our_fleiss(label_sums.sum(axis=0), raters)), float(expected))
        for k in range(len(ts.codes)):
            present = ts.membership[ratings, k].astype(int)
            table, _ = aggregate_raters(present, n_cat=2)
            with np.errstate(all="ignore"):
                expected = fleiss_kappa(table, method="fleiss")
            assert nan_equal(float(our_fleiss(code_sums[:, k].sum(axis=0), raters)), float(expected))
        assert len(clip_idx) == len(set(ts.bin_clip[keep]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codings())
def test_alpha_on_bins_matches_krippendorff(data):
    clips, events, options = data
    coders_of = coders_by_clip(clips, events, {})
    for ts in slice_tracks(clips, events, coders_of, options):
        _, tables = ts.coincidence_tables()
        ours = float(alpha_from_coincidences(tables.sum(axis=0), "nominal"))
        reliability = np.where(ts.labels >= 0, ts.labels, np.nan).astype(float)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # 0/0 when no pairable value varies
                expected = krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
        except ValueError:  # the package refuses data without variation or without pairable units
            expected = float("nan")
        assert nan_equal(ours, float(expected))


def test_midpoint_rule_and_point_modes_by_hand():
    clip = Clip("c", 2500, ("a", "b"))  # bins [0,1000) [1000,2000) [2000,2500); midpoints 500, 1500, 2250
    events = [
        CodedEvent("c", "a", "t", "calm", "subject", 400, 1500),  # covers 500 but not 1500 (half-open)
        CodedEvent("c", "a", "t", "cmd", "officer", 2100),  # point
        CodedEvent("c", "b", "t", "calm", "subject", 0, 2500),
        CodedEvent("c", "b", "t", "cmd", "officer", 1999),  # point at the end of bin 1
    ]
    coders_of = {"c": ("a", "b")}
    (window,) = slice_tracks([clip], events, coders_of, SliceOptions(1000, "window", 1000))
    assert names_of(window, window.labels[0]) == ["calm", "none", "cmd"]
    # b's point covers [1999, 2999) -> 2250 as well, beside calm: a compound label.
    assert names_of(window, window.labels[1]) == ["calm", "calm", "calm+cmd"]
    # Two overlapping states of the same code (two actors) are still that code, not a compound.
    twice = [*events, CodedEvent("c", "a", "t", "calm", "officer", 0, 2500)]
    (both,) = slice_tracks([clip], twice, coders_of, SliceOptions(1000))
    assert names_of(both, both.labels[0]) == ["calm", "calm", "calm+cmd"]
    (per_bin,) = slice_tracks([clip], events, coders_of, SliceOptions(1000, "bin"))
    assert names_of(per_bin, per_bin.labels[0]) == ["calm", "none", "cmd"]
    assert names_of(per_bin, per_bin.labels[1]) == ["calm", "calm+cmd", "calm"]


def test_perfect_agreement_no_variance_and_opposite_labels():
    perfect = np.array([[5, 0], [0, 3]])
    assert cohen_kappa(perfect) == pytest.approx(1.0)
    assert kappa_max(perfect) == pytest.approx(1.0)
    # Both coders "none" throughout: sklearn says NaN (undefined), and so do we.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(cohen_kappa_score(["none"] * 4, ["none"] * 4))
    assert math.isnan(float(cohen_kappa(np.array([[4, 0], [0, 0]]))))
    # Each coder used one label, but different ones: kappa 0, as sklearn.
    assert float(cohen_kappa(np.array([[0, 4], [0, 0]]))) == cohen_kappa_score(["x"] * 4, ["y"] * 4) == 0.0
    assert math.isnan(float(cohen_kappa(np.zeros((2, 2)))))


def test_empty_track_and_missing_coder():
    clips = [Clip("c1", 3000, ("a", "b")), Clip("c2", 3000, ("a",))]
    events = [
        CodedEvent("c1", "a", "t", "x", "officer", 0, 1000),
        CodedEvent("c2", "a", "t", "x", "officer", 0, 3000),
    ]
    coders_of = coders_by_clip(clips, events, {})
    slices = slice_tracks(clips, events, coders_of, SliceOptions(1000), tracks=["empty"])
    assert [ts.track for ts in slices] == ["empty", "t"]
    empty, track = slices
    assert (empty.labels[0] == 0).all() and (empty.labels[1][:3] == 0).all()
    assert (empty.labels[1][3:] == -1).all()  # b did not code c2: missing, not "none"
    clip_idx, tables = track.pair_tables(0, 1)
    assert clip_idx.tolist() == [0] and tables.sum() == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bin_ms": 0}, "bin width"),
        ({"point_mode": "nearest"}, "point mode"),
        ({"point_window_ms": -5}, "point window"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(UsageError, match=message):
        SliceOptions(**options)
