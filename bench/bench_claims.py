"""Claims from the unit's pool with many people at once, beside one person claiming alone, on both engines.

Per engine and round: a fresh sample of N clips goes to the pool; one process claims all of it (the baseline),
then P processes (on the server, each its own reviewer login) claim another fresh sample of N at once. Every
claim is timed around :func:`bwvtool.coding.claims.claim_next` (one transaction: the pool row, the assignment,
the audit row). The two are interleaved round by round, so load on the machine hits both alike.

* **claim, P at once** beside **claim, alone**: p50 and p99 per claim.
* **afterwards**: every clip claimed exactly once, none lost, the audit chain intact (checked every round).

    python bench/bench_claims.py [--clips 200] [--processes 8] [--rounds 3] [--engine sqlite|postgresql|both]

The server is a throwaway cluster started here (tests/pg.py, fsync on: real commits).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from figures import Figure, emit  # noqa: E402

NOW = "2026-11-02T10:00:00.000Z"

CLAIMER = """
import json, sys, time
from bwvtool.coding.claims import claim_next
from bwvtool.store import open_workspace
location, user, sample = sys.argv[1], sys.argv[2], int(sys.argv[3])
got, waits = [], []
with open_workspace(location) as ws:
    print("ready", flush=True)
    sys.stdin.readline()
    while True:
        began = time.perf_counter()
        row = claim_next(ws, user, sample)
        if row is None:
            break
        waits.append((time.perf_counter() - began) * 1000)
        got.append(row.clip_id)
print(json.dumps({"got": got, "ms": waits}))
"""


def pooled(ws, clips: int, tag: str) -> int:
    """``clips`` new catalogue clips in one new sample, all given to the unit's pool; the sample's id."""
    from bwvtool.coding.claims import share_sample

    conn = ws.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO incidents (incident_id, created_at) VALUES (?, ?)", (f"I{tag}", NOW))
    ids = [f"{tag}-{n:05d}" for n in range(clips)]
    conn.executemany(
        "INSERT INTO clips (clip_id, incident_id, recorded_at, recorded_ts, duration_s, officer_ref, borough,"
        " row_hash, created_at, updated_at) VALUES (?, ?, ?, 1793613600, 60, 'PC1', 'Lambeth', 'h', ?, ?)",
        [(clip, f"I{tag}", NOW, NOW, NOW) for clip in ids],
    )
    sample = conn.execute(
        "INSERT INTO samples (name, plan_text, plan_sha256, seed, unit, drawn_at, drawn_by, frame_sha256,"
        " frame_size, manifest_sha256, report) VALUES (?, '', '', 1, 'clip', ?, 'bench', '', ?, '', '{}')",
        (f"bench {tag}", NOW, clips),
    ).lastrowid
    conn.executemany(
        "INSERT INTO sample_items (sample_id, clip_id, unit_id, stratum, selection, inclusion_prob, design_weight,"
        " draw_order) VALUES (?, ?, ?, NULL, 'sample', 1, 1, ?)",
        [(sample, clip, clip, n) for n, clip in enumerate(ids)],
    )
    conn.execute("COMMIT")
    share_sample(ws, int(sample), "bench")
    return int(sample)


def claim_all(locations: list[tuple[str, str]], sample: int) -> tuple[list[float], Counter]:
    """Processes (location, login) claim the sample's pool together; (each claim's ms, how often each clip went)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIMER, location, login, str(sample)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for location, login in locations
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    waits: list[float] = []
    clips: Counter = Counter()
    for proc in procs:
        out, _ = proc.communicate(timeout=900)
        if proc.returncode != 0:
            raise SystemExit(f"a claiming process failed (exit {proc.returncode})")
        result = json.loads(out.strip().splitlines()[-1])
        waits += result["ms"]
        clips.update(result["got"])
    return waits, clips


def run_engine(engine: str, args: argparse.Namespace, folder: Path) -> None:
    from bwvtool.store import audit, open_workspace

    with contextlib.ExitStack() as stack:
        if engine == "sqlite":
            admin = str(folder / "claims.sqlite")
            open_workspace(admin, create=True).close()
            people = [(admin, f"rev{n}") for n in range(args.processes)]
        else:
            import psycopg

            from bwvtool.store.postgres import roles
            from tests import pg

            cluster = stack.enter_context(pg.throwaway("bwvtool-bench-claims-", durable=True))
            admin = cluster.new_database("bwvclaims")
            with open_workspace(admin, create=True) as ws:
                for n in range(args.processes):
                    roles.add_user(ws, f"rev{n}", "reviewer", actor="postgres")
            people = [
                (psycopg.conninfo.make_conninfo(admin, user=f"rev{n}"), f"rev{n}")
                for n in range(args.processes)
            ]
        alone: list[float] = []
        together: list[float] = []
        with open_workspace(admin) as ws:
            for round_ in range(args.rounds):
                for mode in ("alone", "together"):
                    sample = pooled(ws, args.clips, f"{mode[0]}{round_}{uuid.uuid4().hex[:4]}")
                    waits, clips = claim_all(people[:1] if mode == "alone" else people, sample)
                    if len(clips) != args.clips or set(clips.values()) != {1}:
                        raise SystemExit(f"{engine}: {mode} round {round_}: a clip was lost or claimed twice")
                    (alone if mode == "alone" else together).extend(waits)
            chain = audit.verify(ws.conn)
            if not chain.ok:
                raise SystemExit(f"{engine}: the audit chain does not verify")
    print(
        f"{engine}: {args.rounds} rounds of {args.clips} clips, each clip claimed exactly once; audit chain intact"
    )
    emit(
        Figure(
            bench="claims",
            name=f"claim, {args.processes} processes at once ({engine})",
            unit="ms",
            values=together,
            baseline_name="claim, one process alone, same run",
            baseline_values=alone,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="50 clips, 4 processes, 1 round")
    args = parser.parse_args()
    if args.quick:
        args.clips, args.processes, args.rounds = 50, 4, 1
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    with tempfile.TemporaryDirectory() as folder:
        for engine in engines:
            run_engine(engine, args, Path(folder))


if __name__ == "__main__":
    main()
