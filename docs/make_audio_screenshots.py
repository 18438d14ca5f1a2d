"""Make docs/audio-desk.png and docs/transcript-panel.png: the coding desk on a demo clip with its waveform,
loudness and transcript lanes, the transcript panel and a search result.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_audio_screenshots.py [--dir /tmp/bwvtool-audio-shots]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def _featured(ws) -> str:
    """A demo S&S clip on the frame-coded sample video that has a transcript."""
    from bwvtool.store import audio as audio_rows
    from bwvtool.store import transcripts as transcript_rows

    for clip in audio_rows.clips_with_media(ws.conn):
        fits = clip["media_path"].endswith("framecode_720p25.mp4") and "stop_search" in clip["sources"]
        if fits and transcript_rows.latest(ws.conn, clip["clip_id"]) is not None:
            return clip["clip_id"]
    raise SystemExit("the demo has no S&S clip with a transcript on the sample video")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bwvtool-audio-shots"))
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bwvtool.demo.builder import build_demo
    from bwvtool.store import open_workspace
    from bwvtool.ui.app import application
    from bwvtool.ui.desk.desk import CodingDesk
    from bwvtool.ui.desk.desk_audio import DeskAudio

    report = build_demo(args.dir, clips=1000)
    app = application()
    ws = open_workspace(report.db)
    clip_id = _featured(ws)
    desk = CodingDesk(ws, "reviewer")
    desk.audio = getattr(desk, "audio", None) or DeskAudio(desk)
    desk.resize(1600, 1000)
    desk.show()

    def settle(condition, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)

    desk.open_clip(clip_id)
    settle(lambda: desk.player.current_frame()[0] >= 0)
    if desk.audio.data is None or desk.audio.data.clip_id != clip_id:
        desk.audio.open_clip(clip_id)
    desk.audio.wait_for_analysis()
    desk.side.setCurrentWidget(desk.audio.panel)
    desk.audio.panel.choose_suggestion(+1)
    desk.audio.step_utterance(+1)
    settle(lambda: False, 1.5)
    desk.audio.panel.search.setText("description")
    desk.audio.search("description")
    settle(lambda: False, 0.5)
    desk.grab().save(str(DOCS / "audio-desk.png"))
    desk.side.grab().save(str(DOCS / "transcript-panel.png"))
    print(f"screenshots of {clip_id} written to {DOCS}")
    ws.close()


if __name__ == "__main__":
    main()
