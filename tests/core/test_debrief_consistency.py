"""A debrief's facts and its summary cannot contradict each other, and read as plain English with labels."""

from __future__ import annotations

import re

from bwvtool.debrief.draft import coded_force, force_sentence, summary
from tests.core.test_debrief import clip_file, make_reviewed_workspace  # noqa: F401 - the session fixture


def test_force_from_the_catalogue_and_from_the_coding_are_both_named_with_their_source(
    workspace_location,
    tmp_path,
    clip_file,  # noqa: F811 - the imported fixture
):
    from bwvtool import debrief

    ws = make_reviewed_workspace(tmp_path / "w", clip_file, location=workspace_location)
    try:
        note = debrief.build_note(ws, "D001", stills=False)
        sentence = force_sentence(note.facts, note.review, note.events)
        assert sentence.startswith("Use of force in the catalogue: ")
        coded = coded_force(note.review, note.events)
        assert coded is not None and f"coded by the reviewer: {', '.join(coded) or 'none'}" in sentence
        text = summary(note.facts, note.review, note.events)
        assert "Use of force in the catalogue" in text
        assert not re.search(r"\\b[a-z]+_[a-z_]+\\b", text), text  # no ids like verbal_resistance
        assert re.search(r"\\b1 escalations\\b|\\b1 de-escalations\\b|\\b1 turning points\\b", text) is None
        page = debrief.render_html(note)
        assert "Use of force (catalogue)" in page and "Use of force (coded)" in page
    finally:
        ws.close()


def test_a_codebook_without_force_says_so_instead_of_contradicting_the_catalogue(
    workspace_location,
    tmp_path,
    clip_file,  # noqa: F811 - the imported fixture
):
    from bwvtool import debrief

    ws = make_reviewed_workspace(tmp_path / "w", clip_file, location=workspace_location)
    try:
        import dataclasses

        note = debrief.build_note(ws, "D001", stills=False)
        facts = dataclasses.replace(note.facts, tactics=("Unarmed skills",))
        review = note.review
        no_force = dataclasses.replace(
            review.codebook,
            tracks=tuple(t for t in review.codebook.tracks if t.id != "officer_force"),
            codes=tuple(c for c in review.codebook.codes if c.track != "officer_force"),
        )
        review = dataclasses.replace(review, codebook=no_force)
        assert coded_force(review, note.events) is None
        assert force_sentence(facts, review, note.events) == (
            f"Use of force in the catalogue: Unarmed skills (the {no_force.title} codebook does not code force)."
        )
    finally:
        ws.close()
