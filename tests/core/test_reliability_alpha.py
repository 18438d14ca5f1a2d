"""Krippendorff's alpha (all levels, missing data) against the krippendorff package, and clip-review alpha."""

from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwvtool.analysis.alpha import krippendorff_alpha
from bwvtool.analysis.bootstrap import Bootstrap
from bwvtool.analysis.reviews import levels_from_codebook, review_alpha
from bwvtool.errors import UsageError


def reference(data, level):
    values = np.array([[np.nan if v is None else float(v) for v in row] for row in data])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(krippendorff.alpha(reliability_data=values, level_of_measurement=level))
    except ValueError:  # no variation in the domain, or no unit with two values
        return float("nan")


def same(ours, theirs):
    return (math.isnan(ours) and math.isnan(theirs)) or abs(ours - theirs) <= 1e-9


reliability_data = st.integers(2, 5).flatmap(
    lambda coders: st.integers(1, 15).flatmap(
        lambda units: st.lists(
            st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=units, max_size=units),
            min_size=coders,
            max_size=coders,
        )
    )
)


@settings(max_examples=200, deadline=None)
@given(reliability_data, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_alpha_matches_krippendorff_package(data, level):
    assert same(krippendorff_alpha(data, level), reference(data, level))


def test_published_example():
    """Krippendorff (2011) reliability data with missing values: nominal 0.743, interval 0.849."""
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    assert krippendorff_alpha(data, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(data, "interval") == pytest.approx(0.849, abs=5e-4)
    assert same(krippendorff_alpha(data, "ordinal"), reference(data, "ordinal"))


def test_edge_cases():
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], "nominal") == 1.0
    assert math.isnan(krippendorff_alpha([[1, 1], [1, 1]]))  # no variation
    assert math.isnan(krippendorff_alpha([[1, None], [None, 2]]))  # no unit with two values
    assert math.isnan(krippendorff_alpha([[None], [None]]))
    strings = [["yes", "no", "no", None], ["yes", "no", "yes", "no"]]
    coded = [[{"yes": 1, "no": 0}.get(v) for v in row] for row in strings]
    assert same(krippendorff_alpha(strings, "nominal"), reference(coded, "nominal"))
    with pytest.raises(UsageError, match="needs numbers"):
        krippendorff_alpha(strings, "interval")
    with pytest.raises(UsageError, match="unknown level"):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")


def test_review_alpha_levels_and_missing_answers():
    reviews = {
        "c1": {
            "ann": {"outcome": "support", "respect": 3, "notes": "x"},
            "bob": {"outcome": "support", "respect": 2},
        },
        "c2": {"ann": {"outcome": "none", "respect": 1}, "bob": {"outcome": "none", "respect": None}},
        "c3": {
            "ann": {"outcome": "none", "respect": 4, "tags": ["a"]},
            "bob": {"outcome": "support", "respect": 4},
        },
        "c4": {"ann": {"outcome": "none"}},  # only one coder: not pairable
    }
    coders_of = {"c1": ("ann", "bob"), "c2": ("ann", "bob"), "c3": ("ann", "bob"), "c4": ("ann",)}
    boot = Bootstrap(n_boot=50, seed=1)
    entries = {(e["item"], e["level"]): e for e in review_alpha(reviews, coders_of, boot)}
    assert set(entries) == {
        ("notes", "nominal"),
        ("outcome", "nominal"),
        ("respect", "ordinal"),
        ("respect", "interval"),
        ("tags=a", "nominal"),  # a multiple-choice item: one 0/1 item per option chosen
    }
    outcome = entries[("outcome", "nominal")]["alpha"]
    expected = reference([[1, 0, 0, 0], [1, 0, 1, None]], "nominal")
    assert outcome["value"] == pytest.approx(expected, abs=1e-9) and outcome["n_clips"] == 3
    respect = entries[("respect", "interval")]["alpha"]
    assert respect["value"] == pytest.approx(reference([[3, 1, 4], [2, None, 4]], "interval"), abs=1e-9)
    assert respect["n_clips"] == 2 and "unstable" in respect["note"]
    assert (
        entries[("notes", "nominal")]["alpha"]["value"] is None
    )  # one answer only: undefined, with a reason
    assert "two or more coders" in entries[("notes", "nominal")]["alpha"]["note"]
    assert entries[("tags=a", "nominal")]["option"] == "a"
    # Levels from the codebook: free text is left out, scales get ordinal and interval.
    levels = levels_from_codebook(
        [
            {"id": "outcome", "type": "choice"},
            {"id": "respect", "type": "scale_0_4"},
            {"id": "notes", "type": "text"},
        ]
    )
    assert levels == {"outcome": ("nominal",), "respect": ("ordinal", "interval"), "notes": ()}
    chosen = [(e["item"], e["level"]) for e in review_alpha(reviews, coders_of, boot, levels)]
    assert chosen == [("outcome", "nominal"), ("respect", "ordinal"), ("respect", "interval")]
    with pytest.raises(UsageError, match="unknown level"):
        review_alpha(reviews, coders_of, boot, {"outcome": ("categorical",)})


def test_multiple_choice_review_items_get_a_nominal_alpha_per_option():
    reviews = {
        "c1": {"ann": {"themes": ["reasons", "welfare"]}, "bob": {"themes": ["reasons"]}},
        "c2": {"ann": {"themes": ["none"]}, "bob": {"themes": ["none"]}},
        "c3": {"ann": {"themes": ["welfare"]}, "bob": {"themes": ["welfare"]}},
        "c4": {"ann": {"themes": ["reasons"]}, "bob": {}},  # bob did not answer: missing, not "not chosen"
        "c5": {"ann": {"meta": {"x": 1}}, "bob": {"meta": {"x": 2}}},
    }
    coders_of = {clip: ("ann", "bob") for clip in reviews}
    boot = Bootstrap(n_boot=50, seed=1)
    levels = levels_from_codebook([{"id": "themes", "type": "multiple"}])
    assert levels == {"themes": ("nominal",)}
    entries = {e["item"]: e for e in review_alpha(reviews, coders_of, boot, levels)}
    assert list(entries) == ["themes=none", "themes=reasons", "themes=welfare"]
    expected = {  # by hand: chosen (1) or not (0) per clip, c1..c5; bob's c4 and the unanswered c5 are missing
        "none": [[0, 1, 0, 0, None], [0, 1, 0, None, None]],
        "reasons": [[1, 0, 0, 1, None], [1, 0, 0, None, None]],
        "welfare": [[1, 0, 1, 0, None], [0, 0, 1, None, None]],
    }
    for option, data in expected.items():
        entry = entries[f"themes={option}"]
        assert entry["option"] == option and entry["level"] == "nominal"
        assert same(entry["alpha"]["value"], reference(data, "nominal")), option
    inferred = {(e["item"], e["level"]) for e in review_alpha(reviews, coders_of, boot)}
    assert ("themes=welfare", "nominal") in inferred and (
        "meta",
        None,
    ) in inferred  # mappings are still skipped
