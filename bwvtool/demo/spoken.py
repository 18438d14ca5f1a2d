"""What the demo's clips "say": their audio tracks (analysed once per video file) and a transcript per clip whose
lines sit on the speech the voice detector found, shouted lines on the raised-voice passages. The demo audio is
speech-like, not speech, so the words are a script chosen by the clip's kind; the timing is the clip's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bwvtool.audio.tracks import AudioTracks
from bwvtool.errors import MediaError
from bwvtool.store import Workspace
from bwvtool.store import audio as audio_rows
from bwvtool.store import transcripts as transcript_rows
from bwvtool.transcripts.captions import Utterance

PC, SUBJECT = "PC Demo", "Subject"
STOP_SEARCH = (
    (PC, "Good evening, my name is PC Demo from Brixton police station."),
    (SUBJECT, "What's this about?"),
    (
        PC,
        "The reason I've stopped you is that you match the description of a man seen running from the shop.",
    ),
    (
        PC,
        "You're detained for the purpose of a search under section 1 of PACE. I'm looking for stolen phones.",
    ),
    (SUBJECT, "I haven't done anything, this is harassment."),
    (PC, "I understand. It won't take long, and you're entitled to a copy of the search record."),
    (SUBJECT, "Fine, whatever."),
    (PC, "Thanks for your patience, you're free to go."),
)
USE_OF_FORCE = (
    (PC, "Stop there. Take your hands out of your pockets."),
    (SUBJECT, "Why? I haven't done nothing."),
    (PC, "We've had a report of a fight outside the pub and you match the description."),
    (SUBJECT, "Get away from me!"),
    (PC, "Calm down, I just want to talk to you."),
    (SUBJECT, "Don't touch me."),
    (PC, "You're under arrest. Put your hands behind your back."),
    (PC, "Are you hurt? We'll get you checked over."),
)
SHOUTED = (
    (PC, "Get back! Get back now or you will be sprayed!"),
    (SUBJECT, "Get off me, you bastard!"),
    (PC, "Stop resisting! Last warning!"),
)


def script_for(clip: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return STOP_SEARCH if "stop_search" in str(clip.get("sources", "")) else USE_OF_FORCE


def utterances_for(tracks: AudioTracks, script: tuple[tuple[str, str], ...]) -> list[Utterance]:
    """One line per speech region, in order (the script repeats on long clips); raised passages are shouted."""
    raised = tracks.raised()
    lines, calm, loud = [], 0, 0
    for region in tracks.regions:
        if any(c.start_ms < region.end_ms and region.start_ms < c.end_ms for c in raised):
            speaker, text = SHOUTED[loud % len(SHOUTED)]
            loud += 1
        else:
            speaker, text = script[calm % len(script)]
            calm += 1
        lines.append(Utterance(region.start_ms, region.end_ms, text, speaker))
    return lines


def add_spoken(ws: Workspace, *, actor: str | None = None) -> int:
    """Audio tracks and a transcript for each clip with a video and no transcript yet (each file analysed once,
    before the one transaction that stores them all); returns how many clips got them."""
    from bwvtool.audio.analyse import analyse_file

    clips = [
        c
        for c in audio_rows.clips_with_media(ws.conn)
        if transcript_rows.latest(ws.conn, c["clip_id"]) is None
    ]
    by_file: dict[str, AudioTracks | None] = {}
    for clip in clips:
        if clip["media_path"] not in by_file:
            try:
                by_file[clip["media_path"]] = analyse_file(Path(clip["media_path"]))
            except MediaError:  # a video without sound (one of the sample clips) gets neither
                by_file[clip["media_path"]] = None
    done = 0
    with ws.transaction(actor) as tx:
        for clip in clips:
            tracks = by_file.get(clip["media_path"])
            if tracks is None:
                continue
            tracks.media_sha256 = clip["sha256"]
            audio_rows.save(tx, clip["clip_id"], tracks)
            transcript_rows.insert(tx, clip["clip_id"], utterances_for(tracks, script_for(clip)),
                                   origin="imported", format="demo", source_path="demo script")  # fmt: skip
            done += 1
    return done
