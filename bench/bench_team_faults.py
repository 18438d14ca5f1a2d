"""A team coding through server faults: N reviewers (separate processes, their own logins) code while their server
sessions are cut at random (``pg_terminate_backend``), the server is restarted twice, and one more reviewer's
process is killed (SIGKILL) mid-press; on its own durable cluster.

Each reviewer presses point-code keys through the desk's own ``CodingSession.code_key``. A press the store reports
not saved (NotSaved: "the server cannot be reached") is pressed again, as the desk does, until it is saved. Afterwards:

* **every press reported saved is stored, exactly once** (0 lost, 0 duplicates: a press is its reviewer's onset);
* the audit chain verifies, and nothing the killed process held keeps anyone waiting;
* **recovery**: after each restart, how long until each reviewer's next press is saved, beside how long the
  server's own restart took (``pg_ctl restart -m fast``, the baseline).

    python bench/bench_team_faults.py [--reviewers 8] [--seconds 60] [--rate 2]
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_team import CODES, setup, start_together, team_arguments  # noqa: E402
from figures import Figure, emit  # noqa: E402


def reviewer(url: str, login: str, clips: list[str], codebook_id: int, seconds: float, rate: float) -> None:
    """One reviewer's process: press keys on the clips in turn, each until it is saved; a line per saved press
    (``saved ID ONSET WALL``, flushed: the killed reviewer's are read up to its death), then a JSON summary."""
    import psycopg

    from bwvtool.coding.session import CodebookCodes, CodingSession
    from bwvtool.errors import ConnectionLost, NotSaved
    from bwvtool.store import open_workspace
    from bwvtool.store.codebooks import get_codebook_by_id

    ws = open_workspace(psycopg.conninfo.make_conninfo(url, user=login))
    codebook = get_codebook_by_id(ws.conn, codebook_id).codebook
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.perf_counter() + random.Random(login).random() / rate
    deadline = start + seconds
    presses = refused = other = 0
    session = None
    while time.perf_counter() < deadline:
        if session is None or presses % 40 == 0:  # a clip's worth, then the next clip (its first press too)
            try:
                session = CodingSession(ws, clip_id=clips[(presses // 40) % len(clips)], coder=login,
                                        codebook_id=codebook_id, codes=CodebookCodes(codebook))  # fmt: skip
            except (NotSaved, ConnectionLost, psycopg.Error, OSError):
                time.sleep(0.1)  # the server is away: open the clip again in a moment
                continue
        time.sleep(max(0.0, start + presses / rate - time.perf_counter()))
        onset = 40 * presses
        given_up = time.perf_counter() + 30  # the desk would still be trying; the bench reports it
        while time.perf_counter() < given_up:
            try:
                event = session.code_key(CODES[presses % len(CODES)], at_ms=onset, at_frame=presses,
                                         actor="officer_1")  # fmt: skip
                break
            except (NotSaved, ConnectionLost):
                refused += 1
            except Exception as exc:  # reported, and the press tried again: the guarantee is what is checked
                other += 1
                print(f"error {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            time.sleep(0.05)
        else:
            print(f"gave up {onset}", flush=True)
            presses += 1
            continue
        print(f"saved {event.id} {onset} {time.time():.4f}", flush=True)
        presses += 1
    ws.close()
    print(json.dumps({"login": login, "presses": presses, "refused": refused, "other": other}), flush=True)


def main() -> None:
    args = team_arguments(__doc__, 8, 60, reviewer)
    if args is None:
        return

    from tests import pg

    # A cluster of its own always: it is restarted.
    with pg.throwaway("bwvtool-bench-faults-", durable=True) as cluster:
        url = cluster.new_database("bwvfaults")
        logins, clips, book = setup(url, args.reviewers + 1)
        victim = logins[-1]
        print(
            f"{args.reviewers} reviewers x {args.seconds:.0f} s at {args.rate} key presses/s, and {victim}, killed"
            " halfway; sessions cut at random, the server restarted twice; own cluster, fsync on"
        )
        procs = dict(zip(logins, start_together(__file__, url, logins, clips, book, args), strict=True))
        faults = chaos(cluster, url, logins, procs[victim], args.seconds)
        outputs = {login: proc.communicate()[0] for login, proc in procs.items()}
        check(cluster, url, logins, victim, outputs, faults)


def chaos(cluster, url: str, logins: list[str], victim: subprocess.Popen, seconds: float) -> dict:
    """Cut a random reviewer's session every 0.2-1 s; restart the server at 30 % and 65 % of the run; SIGKILL
    ``victim`` at half time. Returns what was done and when (wall clock)."""
    import psycopg

    rng = random.Random(7)
    start = time.time()
    restarts_at, killed_at = [0.30 * seconds, 0.65 * seconds], 0.5 * seconds
    restarts: list[tuple[float, float]] = []  # (began, back), wall clock
    cuts = 0
    while time.time() - start < seconds:
        time.sleep(rng.uniform(0.2, 1.0))
        now = time.time() - start
        if restarts_at and now >= restarts_at[0]:
            restarts_at.pop(0)
            began = time.time()
            cluster.restart()
            restarts.append((began, time.time()))
            continue
        if killed_at is not None and now >= killed_at:
            victim.send_signal(signal.SIGKILL)
            killed_at = None
            continue
        try:
            with psycopg.connect(url, autocommit=True) as admin:
                cut = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY(%s)"
                    " ORDER BY random() LIMIT 1",
                    (logins,),
                ).fetchone()
            cuts += bool(cut and cut[0])
        except psycopg.Error:
            pass  # the server is starting up after a restart
    return {"restarts": restarts, "cuts": cuts}


def check(cluster, url: str, logins: list[str], victim: str, outputs: dict[str, str], faults: dict) -> None:
    from bwvtool.store import open_workspace

    saved: dict[str, list[tuple[int, int, float]]] = {}
    summaries = {}
    for login, out in outputs.items():
        lines = out.strip().splitlines()
        saved[login] = [
            (int(p[1]), int(p[2]), float(p[3])) for p in (line.split() for line in lines) if p[0] == "saved"
        ]
        if lines and lines[-1].startswith("{"):
            summaries[login] = json.loads(lines[-1])
    with open_workspace(url) as ws:
        stored = ws.conn.execute(
            "SELECT c.name, e.id, e.onset_ms FROM events e JOIN coders c ON c.id = e.coder_id"
        ).fetchall()
        chain = ws.verify_audit()
    by_id = {event_id: (name, onset) for name, event_id, onset in stored}
    onsets: dict[tuple[str, int], int] = {}
    for name, _, onset in stored:
        onsets[(name, onset)] = onsets.get((name, onset), 0) + 1
    reported = sum(len(v) for v in saved.values())
    lost = [
        (login, i) for login, rows in saved.items() for i, onset, _ in rows if by_id.get(i) != (login, onset)
    ]
    duplicates = [key for key, n in onsets.items() if n > 1]
    # Stored but never reported saved: only the killed reviewer's press in flight may be one.
    unreported = len(stored) - reported
    refused = sum(s["refused"] for s in summaries.values())
    gave_up = sum(line.startswith("gave up") for out in outputs.values() for line in out.splitlines())
    other = sum(s["other"] for s in summaries.values())
    recovery = []
    for _, back in faults["restarts"]:
        for login in logins:
            if login == victim:
                continue
            after = [t for _, _, t in saved[login] if t > back]
            if after:
                recovery.append(min(after) - back)
    restart_s = [back - began for began, back in faults["restarts"]]
    print(
        f"  {reported} presses reported saved, {len(stored)} events stored; lost {len(lost)}, duplicates"
        f" {len(duplicates)}, stored but not reported {unreported} (the killed reviewer's press in flight may be"
        f" one); audit chain {'intact' if chain.ok else 'BROKEN'} ({chain.rows} rows)"
    )
    print(
        f"  faults: {faults['cuts']} sessions cut, {len(faults['restarts'])} server restarts"
        f" ({', '.join(f'{s:.2f} s' for s in restart_s)}), 1 reviewer killed; presses reported not saved and"
        f" pressed again: {refused}; other errors: {other}; given up after 30 s: {gave_up}"
    )
    emit(
        Figure(
            bench="team faults",
            name="server restarted → each reviewer's next press saved",
            unit="s",
            values=recovery,
            baseline_name="the server's own restart (pg_ctl restart -m fast)",
            baseline_values=restart_s,
            target="0 lost, 0 duplicates",
        )
    )
    if lost or duplicates or unreported > 1 or not chain.ok or other or gave_up:
        raise SystemExit("the guarantee was broken: see above")


if __name__ == "__main__":
    main()
