"""The demo's clips come with audio tracks and transcripts whose lines sit on the clip's own speech."""

from __future__ import annotations

from bwvtool.demo.spoken import SHOUTED, add_spoken
from bwvtool.store import audio as audio_rows
from bwvtool.store import transcripts as transcript_rows
from tests.conftest import REPO


def test_demo_clips_get_tracks_and_a_transcript_on_their_speech(workspace, tmp_path):
    from bwvtool.catalogue.importer import import_catalogue

    media = REPO / "sample_media"
    lines = ["clip_id,incident_id,recorded_at,duration_s,officer_ref,borough,sources,media_path"]
    lines += [
        f"D1,I1,2026-11-01T10:00:00Z,24,PC1,Lambeth,stop_search,{media / 'framecode_720p25.mp4'}",
        f"D2,I2,2026-11-02T10:00:00Z,24,PC2,Lambeth,use_of_force,{media / 'framecode_720p25.mp4'}",
        f"D3,I3,2026-11-03T10:00:00Z,20,PC3,Lambeth,use_of_force,{media / 'odd_60fps_noaudio.mp4'}",
    ]
    (tmp_path / "cat.csv").write_text("\n".join(lines) + "\n")
    import_catalogue(workspace, tmp_path / "cat.csv", actor="setup")
    assert add_spoken(workspace, actor="demo") == 2
    assert add_spoken(workspace, actor="demo") == 0  # once
    assert audio_rows.get(workspace.conn, "D3") is None  # a video without sound
    for clip in ("D1", "D2"):
        tracks = audio_rows.get(workspace.conn, clip)
        said = transcript_rows.utterances(workspace.conn, transcript_rows.latest(workspace.conn, clip).id)
        assert [(u.start_ms, u.end_ms) for u in said] == [(r.start_ms, r.end_ms) for r in tracks.regions]
        shouted = {text for _, text in SHOUTED}
        assert any(u.text in shouted for u in said)
    first = transcript_rows.utterances(workspace.conn, transcript_rows.latest(workspace.conn, "D1").id)[0]
    assert "my name is" in first.text  # the stop-and-search script
