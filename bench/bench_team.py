"""A team on one server workspace: N reviewers (separate processes, each with their own PostgreSQL login in the
reviewer role) code at once, about R point events a second each, with queue reads, a review answer and a status
change per clip, against a throwaway local cluster.

* **key → committed**: ``CodingSession.code_key`` (the desk's own path: one transaction with the event, on a
  clip's first press the assignment's status, and the audit row appended under the database's chain lock) until it
  returns — it returns after COMMIT. Baseline: a bare one-row INSERT + COMMIT on the same connection (the same
  adapter, so the same pipelining of BEGIN), in its own slot halfway between two key presses: interleaved, same
  load, and like the key it starts after a pause.
  Both as p50 / p99 over every press of every reviewer, and p99 over the first and the last third of each run
  (flat with the number of events?).
* **afterwards**: every press is a stored event (0 lost), the audit chain verifies, no row is another coder's.

    python bench/bench_team.py [--reviewers 20] [--seconds 120] [--rate 2]

Starts and stops its own cluster (tests/pg.py, fsync on: real commits), or uses ``$BWVTOOL_TEST_PG`` (a socket
folder) when set — the tests' cluster runs without fsync, so its commits are cheaper than a real server's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from figures import Figure, emit, percentile  # noqa: E402

CODES = ("reason_given", "command", "explains_process", "complies", "escalation_down")
CLIPS_EACH = 3
NOW = "2026-11-02T10:00:00.000Z"


def reviewer(url: str, login: str, clips: list[str], codebook_id: int, seconds: float, rate: float) -> None:
    """One reviewer's process: code the clips in turn until time is up; print one JSON line of timings."""
    import psycopg

    from bwvtool.codebook import parse_codebook
    from bwvtool.coding.review import save_answer
    from bwvtool.coding.session import CodebookCodes, CodingSession
    from bwvtool.store import open_workspace, queue
    from bwvtool.store.codebooks import get_codebook_by_id

    ws = open_workspace(psycopg.conninfo.make_conninfo(url, user=login))
    codebook = get_codebook_by_id(ws.conn, codebook_id).codebook
    del parse_codebook
    keys, bare, stamps, presses = [], [], [], 0
    # Everyone starts together once all are connected: twenty interpreters starting at once saturate two cores
    # for seconds, which is the bench starting, not a team coding.
    # Each reviewer at their own phase of the beat, as people are: in lock step, twenty presses would land in the
    # same millisecond every 1/rate s.
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.perf_counter() + random.Random(login).random() / rate
    deadline = start + seconds
    clip = 0
    while time.perf_counter() < deadline:
        session = CodingSession(ws, clip_id=clips[clip % len(clips)], coder=login, codebook_id=codebook_id,
                                codes=CodebookCodes(codebook))  # fmt: skip
        for _ in range(40):  # a clip's worth of key presses, then its review and the next clip
            due = start + presses / rate
            if due > deadline:
                break
            time.sleep(max(0.0, due - time.perf_counter()))
            t0 = time.perf_counter()
            session.code_key(
                CODES[presses % len(CODES)], at_ms=40 * presses, at_frame=presses, actor="officer_1"
            )
            keys.append((time.perf_counter() - t0) * 1000)
            # The baseline in its own slot, halfway to the next press: like the key, it starts after a pause.
            # (Right after the key it would find the process, its connection and its server backend warm and
            # measure a floor no key press ever meets: on these VMs the first round trip after 0.5 s idle costs
            # 0.5-1 ms more than one straight after another.)
            time.sleep(max(0.0, due + 0.5 / rate - time.perf_counter()))
            t1 = time.perf_counter()
            ws.conn.execute("BEGIN")
            ws.conn.execute("INSERT INTO bench_bare (who) VALUES (?)", (login,))
            ws.conn.execute("COMMIT")
            bare.append((time.perf_counter() - t1) * 1000)
            stamps.append(t0 - start)
            presses += 1
            if presses % 10 == 0:
                queue.for_coder(ws.conn, login)
        save_answer(ws, clip_id=session.clip_id, coder=login, codebook=codebook, codebook_id=codebook_id,
                    item_id=codebook.review_items[0].id, value=None)  # fmt: skip
        with ws.transaction(login) as tx:
            queue.set_status(tx, clip_id=session.clip_id, coder_id=session.coder_id, status="complete")
            tx.audit("assignment.complete", "clip", session.clip_id)
        clip += 1
    ws.close()
    print(json.dumps({"login": login, "keys": keys, "bare": bare, "stamps": stamps, "presses": presses}))


def setup(url: str, n: int) -> tuple[list[str], dict[str, list[str]], int]:
    """Reviewers, their clips and assignments, the S&S codebook, and the baseline's table."""
    from bwvtool import resources
    from bwvtool.codebook import parse_codebook
    from bwvtool.store import open_workspace
    from bwvtool.store.codebooks import import_codebook, lock_if_unlocked
    from bwvtool.store.postgres import roles

    tag = uuid.uuid4().hex[:4]
    logins = [f"rev{i:02d}_{tag}" for i in range(n)]
    text = resources.read_text("codebooks/ss_language_behaviour.yaml")
    with open_workspace(url, create=True) as ws:
        book = import_codebook(ws, parse_codebook(text, "ss.yaml"), actor="postgres").id
        # The codebook is in use already, as in every week of a study but its first (whose first press locks it).
        with ws.transaction("postgres") as tx:
            lock_if_unlocked(tx, book)
        for login in logins:
            roles.add_user(ws, login, "reviewer", actor="postgres")
        conn = ws.conn
        conn.execute("CREATE TABLE bench_bare (id BIGSERIAL PRIMARY KEY, who TEXT NOT NULL)")
        conn.execute("GRANT SELECT, INSERT ON bench_bare TO bwvtool_reviewer")  # RETURNING id reads it
        conn.execute("GRANT USAGE ON SEQUENCE bench_bare_id_seq TO bwvtool_reviewer")
        conn.execute("INSERT INTO incidents (incident_id, created_at) VALUES ('I1', ?)", (NOW,))
        sample = conn.execute(
            "INSERT INTO samples (name, plan_text, plan_sha256, seed, unit, drawn_at, drawn_by, frame_sha256,"
            " frame_size, manifest_sha256) VALUES ('load', '', '', 1, 'clip', ?, 'postgres', '', 0, '')",
            (NOW,),
        ).lastrowid
        clips: dict[str, list[str]] = {}
        for login in logins:
            coder = ws.find_coder(login)
            clips[login] = [f"{login}-C{k}" for k in range(CLIPS_EACH)]
            for clip in clips[login]:
                conn.execute(
                    "INSERT INTO clips (clip_id, incident_id, recorded_at, recorded_ts, duration_s, officer_ref,"
                    " borough, row_hash, created_at, updated_at)"
                    " VALUES (?, 'I1', ?, 1793613600, 600, 'PC1', 'Lambeth', 'h', ?, ?)",
                    (clip, NOW, NOW, NOW),
                )
                conn.execute(
                    "INSERT INTO assignments (sample_id, clip_id, coder_id, assigned_at) VALUES (?, ?, ?, ?)",
                    (sample, clip, coder, NOW),
                )
    return logins, clips, book


def team_arguments(
    doc: str, reviewers: int, seconds: float, child: Callable[..., None]
) -> argparse.Namespace | None:
    """The team benches' options; in a reviewer's own process (``--child``, see :func:`start_together`) it runs
    ``child(url, login, clips, codebook_id, seconds, rate)`` instead and returns None."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--reviewers", type=int, default=reviewers)
    parser.add_argument("--seconds", type=float, default=seconds)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.child:
        return args
    url, login, clips, book, seconds_, rate = args.child
    child(url, login, clips.split(","), int(book), float(seconds_), float(rate))
    return None


def main() -> None:
    args = team_arguments(__doc__, 20, 120, reviewer)
    if args is None:
        return

    from tests import pg

    given = pg.from_environment()
    own = given is None
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(pg.throwaway("bwvtool-bench-pg-", durable=True)) if own else given
        run(cluster, args, own)


def start_together(
    script: str, url: str, logins: list[str], clips: dict[str, list[str]], book: int, args: argparse.Namespace
) -> list[subprocess.Popen]:
    """A process per reviewer running ``script --child …``; each says "ready" once connected, then all start at
    once (twenty interpreters starting together saturate two cores for seconds: that is not a team coding)."""
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                script,
                "--child",
                url,
                login,
                ",".join(clips[login]),
                str(book),
                str(args.seconds),
                str(args.rate),
            ],  # fmt: skip
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for login in logins
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    return procs


def run(cluster: Any, args: argparse.Namespace, own: bool) -> None:
    """The whole bench against ``cluster`` (a database of its own there, dropped at the end)."""
    url = cluster.new_database("bwvbench")
    try:
        logins, clips, book = setup(url, args.reviewers)
        print(
            f"{args.reviewers} reviewers x {args.seconds:.0f} s at {args.rate} key presses/s;"
            f" {'own cluster, fsync on' if own else 'the cluster of $BWVTOOL_TEST_PG'}"
        )
        procs = start_together(__file__, url, logins, clips, book, args)
        results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
        report(url, results, args.seconds)
    finally:
        cluster.drop_database(url)


def report(url: str, results: list[dict], seconds: float) -> None:
    from bwvtool.store import open_workspace

    keys = [v for r in results for v in r["keys"]]
    bare = [v for r in results for v in r["bare"]]

    def third(series: str, last: bool) -> list[float]:
        return [v for r in results for v, t in zip(r[series], r["stamps"], strict=True)
                if (t >= 2 * seconds / 3 if last else t < seconds / 3)]  # fmt: skip

    # A session's first presses find its server backend cold (its caches of the events table, its row security,
    # foreign keys and triggers are filled by the first insert): shown apart, as the first third is.
    warm = [v for r in results for v in r["keys"][5:]]
    warm_bare = [v for r in results for v in r["bare"][5:]]
    presses = sum(r["presses"] for r in results)
    with open_workspace(url) as ws:
        stored = ws.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        chain = ws.verify_audit()
    emit(Figure("team", f"key → committed, {len(results)} reviewers at once", "ms", keys,
                "bare INSERT+COMMIT on the same connection", bare, "p99 ≤ 1.5× the baseline's", "p99"))  # fmt: skip
    print(f"  p50 {percentile(keys, 50):.2f} ms, p99 {percentile(keys, 99):.2f} ms;"
          f" baseline p50 {percentile(bare, 50):.2f} ms, p99 {percentile(bare, 99):.2f} ms;"
          f" p99 ratio {percentile(keys, 99) / percentile(bare, 99):.2f}x")  # fmt: skip
    print(f"  p99 first third {percentile(third('keys', False), 99):.2f} ms (bare {percentile(third('bare', False), 99):.2f}),"
          f" last third {percentile(third('keys', True), 99):.2f} ms (bare {percentile(third('bare', True), 99):.2f})")  # fmt: skip
    print(f"  after each reviewer's first five presses: p99 {percentile(warm, 99):.2f} ms"
          f" (bare {percentile(warm_bare, 99):.2f}), ratio {percentile(warm, 99) / percentile(warm_bare, 99):.2f}x;"
          f" the first five: p99 {percentile([v for r in results for v in r['keys'][:5]], 99):.2f} ms")  # fmt: skip
    print(f"  {presses} key presses, {stored} events stored, {presses - stored} lost;"
          f" audit chain {'intact' if chain.ok else 'BROKEN'} ({chain.rows} rows)")  # fmt: skip


if __name__ == "__main__":
    main()
