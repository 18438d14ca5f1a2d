"""Ctrl+C and SIGTERM (the app's Cancel) in a command: where a long job may stop, and where it may not.

Python raises ``KeyboardInterrupt`` between two bytecodes of the main thread, wherever it happens to be. A job that
writes in steps and undoes them when stopped cannot allow that anywhere: a signal that arrives while a step waits in
``BEGIN IMMEDIATE`` for the write lock is raised as that statement returns, before the code that ends the
transaction has started, and the job's rollback then finds the transaction still open and cannot begin — the
steps already committed are kept (a cancelled import once left 8,000 of its clips behind this way). A second signal
could also cut the rollback itself short.

So the command line installs its own handlers (:func:`installed`), and a job marks where a stop must wait
(:func:`deferred`): in there a signal is only noted, and the job stops at the points it chooses (:func:`check`,
between its steps), so a stop never lands inside a step, and a rollback, which checks nowhere, always runs to its
end. Outside :func:`deferred` a signal raises ``KeyboardInterrupt`` at once, as Python's own Ctrl+C does. Where these
handlers are not installed (a library call, the app's own process) nothing changes. What a command writes to its
pipes goes out whole (:func:`uninterrupted`): the report of an import that a late stop reached must not be cut.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_deferring = 0  # how many deferred() blocks are open
_requested = False  # a signal arrived that has not been raised yet


def _on_signal(_signum: int, _frame: object) -> None:
    global _requested
    if _deferring:
        _requested = True
        return
    raise KeyboardInterrupt


@contextmanager
def installed() -> Iterator[None]:
    """Within: SIGINT (unless it is ignored, as for a job started in the background) and SIGTERM stop the command
    as Ctrl+C does, and :func:`deferred` can hold them back. Main thread only; elsewhere it does nothing."""
    global _deferring, _requested
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _deferring, _requested = 0, False
    previous = {}
    try:
        for signum in _SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, _on_signal)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class deferred:  # noqa: N801 - used as a context manager, like contextlib's
    """Within: a stop is noted, not raised, until :func:`check` raises it or :func:`take` hands it over. If it is
    still pending when the outermost block ends normally, it is raised then."""

    def __enter__(self) -> None:
        global _deferring
        _deferring += 1

    def __exit__(
        self, kind: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        global _deferring
        _deferring -= 1
        if not _deferring and kind is None:
            check()


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Within: SIGINT and SIGTERM wait in the kernel (blocked for this thread) and arrive as it ends. For writes to a
    pipe: a signal that arrives while one waits for the reader makes it write short, and Python's text streams drop
    the rest without a word (a job's report, cut at 64 KiB while the app had not read it yet)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def check() -> None:
    """Raise ``KeyboardInterrupt`` if a stop arrived since the last check: the job stops here, where it is safe."""
    global _requested
    if _requested:
        _requested = False
        raise KeyboardInterrupt


def take() -> bool:
    """Whether a stop arrived (and it is now the caller's to act on, not raised)."""
    global _requested
    was, _requested = _requested, False
    return was


def requested() -> bool:
    """Whether a stop arrived that nobody has acted on yet."""
    return _requested
