"""Standalone player for manual checks: ``python -m bwvtool.ui.player CLIP [--sha256 HEX] [--frame N]``.

``--screenshot PNG`` waits for the picture (the wanted frame, or the first one, or an error message), saves
the window and quits: that is how ``docs/player.png`` is made (under ``xvfb-run``, or offscreen).
"""

from __future__ import annotations

import argparse
import sys

_SCREENSHOT_PATIENCE_MS = 20_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bwvtool.ui.player", description=__doc__)
    parser.add_argument("clip", help="video file to open")
    parser.add_argument("--sha256", help="expected SHA-256 (a mismatch shows the integrity banner)")
    parser.add_argument("--frame", type=int, help="show this frame (paused) after opening")
    parser.add_argument(
        "--loop", type=int, nargs=2, metavar=("A", "B"), help="set an A–B loop (frame indices)"
    )
    parser.add_argument("--screenshot", metavar="PNG", help="save the window as an image and quit")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from bwvtool.ui import theme
    from bwvtool.ui.player import PlayerWidget

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply(app)
    player = PlayerWidget()
    player.setWindowTitle(f"bwvtool player — {args.clip}")
    player.resize(1120, 720)
    player.show()
    player.setFocus()

    def on_duration(_ms: int, _frames: int) -> None:
        if args.loop:
            player.engine.set_loop(*args.loop)
        if args.frame is not None:
            player.seek_frame(args.frame)

    player.durationKnown.connect(on_duration)
    player.open_clip(args.clip, args.sha256)
    if args.screenshot:
        clock = QElapsedTimer()
        clock.start()

        def ready() -> bool:
            if player.view.frame() is None:  # an error message is the picture
                return player.view.message is not None and player.view.message[0] != "Opening…"
            index, _ms = player.current_frame()
            wanted = index if args.frame is None else args.frame
            return index >= 0 and index == wanted and not player.engine.seeking

        def shoot() -> None:
            player.grab().save(args.screenshot)
            app.quit()

        def poll() -> None:
            if ready() or clock.elapsed() > _SCREENSHOT_PATIENCE_MS:
                QTimer.singleShot(300, shoot)  # let the integrity check and the last repaint land
            else:
                QTimer.singleShot(50, poll)

        poll()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
