"""Transcripts, their search, suggestions and audio tracks through the store on both engines (SQLite's FTS5 and
PostgreSQL's full-text search answer the same call the same way)."""

from __future__ import annotations

import numpy as np
import pytest

from bwvtool.audio.tracks import AudioTracks
from bwvtool.store import audio as audio_rows
from bwvtool.store import transcripts as rows
from bwvtool.transcripts.captions import Utterance

pytestmark = pytest.mark.both_engines


def test_store_search_and_tracks_on_each_engine(clip_workspace):
    ws = clip_workspace
    said = [
        Utterance(1000, 2500, "Stop there, take your hands out of your pockets.", "PC Smith"),
        Utterance(3000, 4000, "Why? What's this about?", "Subject"),
        Utterance(5000, 9000, "You match the description of a man seen running.", "PC Smith"),
    ]
    with ws.transaction("test") as tx:
        first = rows.insert(tx, "C001", said, origin="imported", format="vtt")
        rows.insert(tx, "C002", said[:2], origin="imported", format="srt")
        second = rows.insert(tx, "C001", said[1:], origin="imported", format="srt")
    assert (first.version, second.version) == (1, 2)
    hits = rows.search(ws.conn, "THE DESCRIPTION of")
    assert [(h["clip_id"], h["version"], h["start_ms"]) for h in hits] == [("C001", 2, 5000)]
    assert {h["clip_id"] for h in rows.search(ws.conn, "what's this")} == {"C001", "C002"}
    assert {h["clip_id"] for h in rows.search(ws.conn, "hands out")} == {
        "C002"
    }  # C001's newest no longer says it
    tracks = AudioTracks(2000, np.array([-120.691, -30.5], np.float32), np.array([0, 255], np.uint8),
                         np.array([[-3, 4], [-127, 127]], np.int8), analyser="test", media_sha256="ab")  # fmt: skip
    with ws.transaction("test") as tx:
        audio_rows.save(tx, "C001", tracks)
    back = audio_rows.get(ws.conn, "C001")
    assert back.loudness.tolist() == pytest.approx([-120.691, -30.5]) and back.vad.tolist() == [0, 255]
    assert back.waveform.tolist() == [[-3, 4], [-127, 127]] and audio_rows.analysed_with(ws.conn, "C001") == (
        "ab",
        "test",
    )


def test_suggestions_are_added_once_and_decided_once_on_each_engine(clip_workspace):
    from bwvtool.transcripts import rules
    from bwvtool.transcripts.suggest import dismiss, suggest_for_clip

    ws = clip_workspace
    said = [Utterance(1000, 2500, "Stop there. I'm PC Smith, my name is Smith.", "PC Smith")]
    with ws.transaction("test") as tx:
        rows.insert(tx, "C003", said, origin="imported", format="vtt")
    _, added, found = suggest_for_clip(ws, "C003", rules.load(), actor="test")
    assert added == len(found) >= 3
    assert suggest_for_clip(ws, "C003", rules.load(), actor="test")[1] == 0
    first = found[0]["id"]
    assert dismiss(ws, first, coder="ana")["status"] == "dismissed"
    assert rows.suggestions(ws.conn, "C003", "open") == [
        s for s in rows.suggestions(ws.conn, "C003") if s["id"] != first
    ]
