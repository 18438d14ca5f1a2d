"""Make the app screenshots in docs/ from a fresh demo workspace (run under xvfb-run for real window decorations,
or offscreen): ``QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py [--dir /tmp/shots]``.

The coding view is shown on a demo clip with a busy timeline: a coder's events laid down through the same
session the desk uses, so what is pictured is what a reviewer would see.
"""

from __future__ import annotations

import argparse
import os
import random
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def _busy_coding(ws, clip_id: str, coder: str) -> None:
    """About 150 events over the clip: language points, subject states, de-escalation, escalation markers."""
    from bwvtool.coding.scripted import open_session
    from bwvtool.media import frametimes
    from bwvtool.media.probe import frame_times
    from bwvtool.store import catalogue

    session = open_session(ws, clip_id, coder, None)
    if len(session) >= 60:
        return
    for (
        event
    ) in session.events:  # the demo's few events of this coding would overlap the states laid down here
        session.delete(event.id)
    times = frame_times(catalogue.get_clip(ws.conn, clip_id)["media_path"])
    rng = random.Random(7)
    last = len(times) - 1

    def at(frame: int) -> dict:
        frame = max(0, min(last, frame))
        return {"at_ms": frametimes.frame_ms(times, frame), "at_frame": frame}

    points = [
        "command",
        "reason_given",
        "explains_process",
        "reassurance",
        "invites_voice",
        "active_listening",
        "formal_address",
        "safety_concern",
        "respect",
        "humanise",
    ]
    for frame in sorted(rng.sample(range(0, last), 110)):
        session.code_key(rng.choice(points), actor=f"officer_{rng.choice([1, 1, 2])}", **at(frame))
    states = ["verbal_resistance", "passive_resistance", "active_resistance"]
    frame = 20
    while frame < last - 40:
        session.code_key(rng.choice(states), actor="subject_1", **at(frame))
        frame += rng.randint(30, 90)
    session.code_key("calm", actor="officer_1", **at(40))
    session.code_key("calm", actor="officer_1", **at(last // 2))
    for frame in sorted(rng.sample(range(30, last - 10), 8)):
        marker = session.code_key(
            rng.choice(["escalation_up", "escalation_down", "complies"]),
            actor="subject_1" if rng.random() < 0.3 else "officer_1",
            **at(frame),
        )
        cause = session.neighbour(
            marker.onset_ms, -1
        )  # as the desk links it: the last event before the marker
        if marker.code.startswith("escalation") and cause is not None:
            session.edit(marker.id, caused_by=cause.id)
    session.code_key("turning_point", actor="officer_1", **at(last * 2 // 3))
    starred = session.events[12]
    session.edit(starred.id, starred=True, note="Clear grounds given before the search")


def _featured(ws) -> tuple[str, str]:
    """A demo reviewer's S&S clip on the frame-coded sample video: the busiest such (coder, clip)."""
    from bwvtool.coding.scripted import open_session
    from bwvtool.errors import BwvError
    from bwvtool.store import queue

    best: tuple[int, str, str] | None = None
    for coder, _n, _done in queue.coders_with_work(ws.conn):
        for item in queue.for_coder(ws.conn, coder):
            if not (item.media_path and "framecode_720p25" in item.media_path):
                continue
            try:
                session = open_session(ws, item.clip_id, coder, "ss_language_behaviour")
            except BwvError:
                continue
            if best is None or len(session) > best[0]:
                best = (len(session), coder, item.clip_id)
    assert best is not None, "the demo has no S&S clip on the sample video"
    return best[1], best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bwvtool-shots"))
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QTimer

    from bwvtool.demo.builder import build_demo
    from bwvtool.store import open_workspace
    from bwvtool.ui.main_window import MainWindow

    report = build_demo(args.dir, clips=5000)
    ws = open_workspace(report.db)
    coder, clip_id = _featured(ws)
    _busy_coding(ws, clip_id, coder)

    from bwvtool.ui.app import application

    app = application()
    window = MainWindow(ws, coder)
    window.resize(1600, 1000)
    window.show()

    def code_view() -> None:
        window.code_clip(clip_id)
        QTimer.singleShot(300, seek_when_ready)

    def seek_when_ready() -> None:
        player = window.desk.player
        if player.current_frame()[0] < 0:
            QTimer.singleShot(100, seek_when_ready)
            return
        player.seek_frame(330)
        QTimer.singleShot(1500, finish)

    def finish() -> None:
        desk = window.desk
        event = desk.session.events[40]
        desk.timeline.select(event.id)
        desk.timeline.set_playhead(desk.player.current_frame()[1])
        app.processEvents()
        window.grab().save(str(DOCS / "coding.png"))
        # The escalation marker nearest its cause, zoomed so that both and the link between them are in view.
        linked = min(
            (e for e in desk.session.events if e.caused_by is not None and e.code.startswith("escalation")),
            key=lambda e: e.onset_ms - desk.session.event(e.caused_by).onset_ms,
        )
        middle = (linked.onset_ms + desk.session.event(linked.caused_by).onset_ms) / 2
        desk.timeline.zoom_by(0.08, middle)
        view = desk.timeline.view
        view.start_ms = middle - view.width_px * view.ms_per_px / 2
        view.clamp()
        app.processEvents()
        desk.timeline.grab().save(str(DOCS / "timeline-zoomed.png"))
        desk.focus_review()
        app.processEvents()
        desk.side.grab().save(str(DOCS / "review-form.png"))
        window.pages.setCurrentWidget(window.samples)
        app.processEvents()
        app.quit()

    QTimer.singleShot(800, code_view)
    app.exec()
    print(f"screenshots written to {DOCS}")


if __name__ == "__main__":
    main()
