"""Soak: SIGKILL the real app at random moments while it codes, opens its own file dialogs in the workspace's
folder (or opens and closes the workspace's files directly), and other processes read, write and close the same
workspace. Every event the app ever showed as saved must be in the workspace at the end; the file must pass
SQLite's integrity check and the audit chain must verify.

    python bench/soak_workspace.py --kills 1000            # the issue's soak (about an hour on 2 cores)
    python bench/soak_workspace.py --kills 50 --minutes 5  # a quick one

Prints one line per 25 kills and a summary: kills, events shown saved, lost, integrity, audit chain.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bwvtool.store import events as event_rows  # noqa: E402
from bwvtool.store import open_workspace  # noqa: E402
from tests.reliability.processes import HostileApp, OtherPrograms  # noqa: E402
from tests.reliability.workspaces import coding_workspace  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=120, help="stop early after this long")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="bwvtool-soak-"))
    try:
        return soak(folder, args.kills, args.minutes * 60, rng)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def soak(folder: Path, kills: int, seconds: float, rng: random.Random) -> int:
    path = coding_workspace(folder)
    others = OtherPrograms(path)
    shown_saved: set[int] = set()
    done, started = 0, time.monotonic()
    problems: list[str] = []
    try:
        while done < kills and time.monotonic() - started < seconds:
            app = HostileApp(path, rng.choice(["dialogs", "handles"]))
            if not app.ready.wait(120):
                problems.append(f"kill {done}: the app did not start: {app.errors[-3:]}")
                app.proc.kill()
                break
            coding = time.monotonic() + 30
            while not app.saved and time.monotonic() < coding and app.proc.poll() is None:
                time.sleep(0.05)  # kill a desk that is coding, not one still opening its clip
            time.sleep(rng.uniform(0.05, 2.5))  # a random moment: mid key press, mid dialog, mid commit
            if app.proc.poll() is not None:
                problems.append(f"kill {done}: the app exited by itself: {app.errors[-3:]}")
                break
            app.kill()
            shown_saved |= app.saved
            done += 1
            if done % 25 == 0:
                print(
                    f"{done} kills, {len(shown_saved)} events shown saved, {time.monotonic() - started:.0f} s",
                    flush=True,
                )
    finally:
        others.stop()
    ws = open_workspace(path)
    try:
        integrity = ws.integrity_check()
        chain = ws.verify_audit()
        stored = {event.id for event in event_rows.for_clip(ws.conn, "K1")}
    finally:
        ws.close()
    lost = sorted(shown_saved - stored)
    print(
        f"soak: {done} SIGKILLs in {time.monotonic() - started:.0f} s; {len(shown_saved)} events shown saved;"
        f" {len(lost)} lost; other programs ran {others.runs} times ({len(others.failures)} failed);"
        f" integrity {'ok' if not integrity else integrity[:3]}; audit chain {'ok' if chain.ok else chain.reason}"
    )
    for problem in problems + others.failures[:3]:
        print(f"  problem: {problem}")
    return 0 if not lost and not integrity and chain.ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
