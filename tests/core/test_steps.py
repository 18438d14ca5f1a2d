"""A long job's steps: no gap while nobody waits, writers that announce themselves go in first, and those that do
not still get a gap now and then."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest

from bwvtool.store import open_workspace, steps


@pytest.fixture
def ws(tmp_path):
    workspace = open_workspace(tmp_path / "ws.sqlite", create=True)
    yield workspace
    workspace.close()


def _gaps(pacer: steps.Pacer, ws, n: int) -> list[float]:
    gaps, released = [], None
    for _ in range(n):
        with pacer.step(ws, "tester") as tx:
            if released is not None:
                gaps.append(time.perf_counter() - released)
            tx.execute(
                "INSERT INTO coders (name, role, created_at) VALUES (?, 'reviewer', ?)",
                (f"c{time.time_ns()}", tx.at),
            )
        released = time.perf_counter()
    return gaps


def test_no_gap_while_nobody_waits_and_a_gap_now_and_then_for_writers_that_do_not_say(ws):
    pacer = steps.Pacer(fallback_every_s=3600)
    assert max(_gaps(pacer, ws, 10)) < steps.GAP_S / 2
    assert steps.side_file(ws).exists()  # made by the first step
    pacer.close()
    pacer = steps.Pacer(fallback_every_s=0)  # every step is past due: the full gap each time
    assert min(_gaps(pacer, ws, 3)) >= steps.GAP_S * 0.9
    pacer.close()


def test_a_writer_that_says_it_waits_goes_in_before_the_next_step(ws):
    pacer = steps.Pacer(fallback_every_s=3600)
    _gaps(pacer, ws, 1)
    fd = os.open(steps.side_file(ws), os.O_RDONLY)  # what ``announced`` holds around a writer's BEGIN
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        started = time.perf_counter()
        pacer.wait()
        assert (
            time.perf_counter() - started >= steps.MAX_YIELD_S * 0.9
        )  # it waited for the writer, up to the cap
    finally:
        os.close(fd)
    started = time.perf_counter()
    pacer.wait()
    assert time.perf_counter() - started < 0.05  # the writer is in: no more waiting
    assert pacer.yielded == 1
    pacer.close()


def test_a_transaction_announces_itself_while_it_begins(ws):
    pacer = steps.Pacer()
    _gaps(pacer, ws, 1)
    probe = os.open(steps.side_file(ws), os.O_RDONLY)
    began = threading.Event()

    def write():
        with ws.transaction("tester"):
            began.set()

    try:
        fcntl.flock(
            probe, fcntl.LOCK_EX
        )  # as a pacer's probe holds it: the writer's shared lock waits for it
        writer = threading.Thread(target=write)
        writer.start()
        assert not began.wait(0.3)
        fcntl.flock(probe, fcntl.LOCK_UN)
        assert began.wait(5)
        writer.join()
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # and it let go once its BEGIN was through
    finally:
        os.close(probe)
        pacer.close()
