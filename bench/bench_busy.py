"""Key presses during a big catalogue import: how long does a reviewer's key wait for the workspace?

A reviewer codes through the app's own path (a workspace worker process, the desk's one-second wait, then
pending) while `bwvtool catalogue import` loads a synthetic catalogue in another process. Each key press is
timed from the call to its commit; presses that had to wait are counted. Baseline: the same presses on the idle
workspace, in the same run.

    python bench/bench_busy.py --rows 1000000     # the issue's figure (a few minutes on 2 cores)
    python bench/bench_busy.py --rows 100000      # quick
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from figures import Figure, emit  # noqa: E402
from workloads import coding_workspace_and_year, import_bench_arguments  # noqa: E402

from bwvtool.coding.session import CodebookCodes, CodingSession  # noqa: E402
from bwvtool.errors import WorkspaceBusy  # noqa: E402
from bwvtool.store import open_workspace  # noqa: E402
from bwvtool.store.codebooks import list_codebooks  # noqa: E402
from bwvtool.store.remote import stop_workers  # noqa: E402
from bwvtool.store.workspace import use_worker_process  # noqa: E402

DESK_WAIT_MS = 1000  # what the desk allows a key press before keeping it pending (ui/desk/pending.py)
CODES = ("command", "reason_given", "explains_process", "invites_voice")


def press(session: CodingSession, i: int) -> tuple[float, bool]:
    """One point-code key press the desk's way; (seconds to committed, whether it was kept pending first)."""
    started = time.perf_counter()
    pending = False
    while True:
        try:
            session.busy_ms = DESK_WAIT_MS if not pending else 100
            session.code_key(CODES[i % len(CODES)], at_ms=10 * i, at_frame=i // 4, actor="officer_1")
            return time.perf_counter() - started, pending
        except WorkspaceBusy:
            pending = True  # the desk shows "not saved yet" and retries every 400 ms
            time.sleep(0.4)


def main() -> int:
    parser = import_bench_arguments(__doc__.splitlines()[0])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bwv-bench-busy-") as tmp:
        folder = Path(tmp)
        path, source = coding_workspace_and_year(folder, args.rows)
        use_worker_process()
        ws = open_workspace(path)
        stored = next(c for c in list_codebooks(ws.conn) if c.key.startswith("ss_"))
        session = CodingSession(
            ws, clip_id="K1", coder="alice", codebook_id=stored.id, codes=CodebookCodes(stored.codebook)
        )
        idle = []
        for i in range(200):
            idle.append(press(session, i)[0])
        started = time.perf_counter()
        importer = subprocess.Popen(
            [sys.executable, "-m", "bwvtool", "--db", str(path), "--user", "ana", "catalogue", "import", str(source)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        during, kept_pending, i = [], 0, 200
        while importer.poll() is None:
            seconds, pending = press(session, i)
            during.append(seconds)
            kept_pending += pending
            i += 1
            time.sleep(args.gap)
        import_s = time.perf_counter() - started
        errors = importer.stderr.read().strip()
        ws.close()
        stop_workers()
        check = open_workspace(path)
        saved = check.counts()["events"]
        check.close()
    print(
        f"import of {args.rows:,} rows: {import_s:.1f} s (exit {importer.returncode}){' ' + errors if errors else ''}"
    )
    print(f"{len(during)} key presses during the import: longest wait {max(during) * 1000:.0f} ms;"
          f" {kept_pending} kept pending first; {saved} events stored of {len(idle) + len(during)} pressed")  # fmt: skip
    emit(Figure("busy", f"key → committed during a {args.rows:,}-row import", "ms", [s * 1000 for s in during],
                "the same key presses, workspace idle", [s * 1000 for s in idle], "max ≤ 1,000 ms"))  # fmt: skip
    return 0 if saved == len(idle) + len(during) else 1


if __name__ == "__main__":
    sys.exit(main())
