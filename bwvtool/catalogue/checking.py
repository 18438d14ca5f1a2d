"""Reading and checking a catalogue's records, beside the import that writes them: in a process of its own for a
large file.

Parsing, validating and normalising a row costs about as much Python as writing it. Two threads of one process
cannot run Python at once, so a large file is read and checked by a child process (:func:`main`) on the other core while the importer writes: the child streams ready batches to the
importer over a pipe (pickled), a batch at a time, at most a few batches ahead, so memory stays flat. A small file
is checked in the importer's own process, by the same code (:class:`Checker`), without the child's start-up.

Each :class:`Batch` carries the rows ready to write, every record it rejected (with line numbers and reasons), and
what ``--hash`` found; duplicate clip ids are caught here against every id read so far (a scratch file,
:mod:`bwvtool.store.import_staging`), and media files are hashed and probed here, outside any lock.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool import interrupts
from bwvtool.catalogue import media_check
from bwvtool.catalogue.readers import Reject, open_reader
from bwvtool.catalogue.rows import COLUMNS, NORMALISED_FIELDS, Normaliser, Problem, RowError
from bwvtool.store.import_staging import ImportStaging

BATCH_ROWS = 1_000  # records per batch handed to the importer
# Files at least this large are checked in a child process (its start-up, ~0.1 s, is hidden behind the import's
# own setup; below this the whole file checks in about that time).
CHILD_BYTES = 2 << 20
AHEAD_BATCHES = (
    12  # batches received but not yet written, at most (~1.3 MB each in Python): memory stays flat
)
_SHA_INDEX = NORMALISED_FIELDS.index("sha256")
_MEDIA_PATH_INDEX = NORMALISED_FIELDS.index("media_path")
_LENGTH = struct.Struct("<Q")
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
_PIPE_BYTES = 1 << 20  # the pipe's buffer where it can be set (a batch is ~0.3 MB pickled)
_STOP_POLL_S = 0.1  # how soon a stop is taken while the importer waits for the child


@dataclass(frozen=True)
class MediaIssue:
    """A media file that ``--hash`` could not check (missing or unreadable); the row itself was imported."""

    line: int
    clip_id: str
    status: str
    path: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "clip_id": self.clip_id,
            "status": self.status,
            "path": self.path,
            "detail": self.detail,
        }


@dataclass
class Batch:
    """Records read and checked. ``ready`` holds ``(line, row, media, apply)``: ``apply`` False for a row rejected
    for its media, whose stored clip (if any) still gets the media check recorded. ``read``: records read so far."""

    read: int
    ready: list[tuple[int, tuple, media_check.MediaCheck | None, bool]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    media: dict[str, int] = field(default_factory=dict)
    media_issues: list[MediaIssue] = field(default_factory=list)


@dataclass(frozen=True)
class Job:
    """What to check: the file, its format, and how media paths are resolved and checked."""

    source: str
    fmt: str
    media_root: str
    hash_media: bool


class Checker:
    """Reads one file's records and checks them, batch by batch."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.normaliser = Normaliser(text=job.fmt == "csv")
        self.file_facts = media_check.FileFacts()

    def batches(self) -> Iterator[Batch]:
        reader = open_reader(Path(self.job.source), self.job.fmt)
        staging = ImportStaging()
        try:
            yield from self._batches(reader, staging)
        finally:
            staging.close()
            reader.close()

    def _batches(self, reader: Any, staging: ImportStaging) -> Iterator[Batch]:
        normalise = self.normaliser.normalise
        root, path_index = self.job.media_root, _MEDIA_PATH_INDEX
        chunk: list[tuple[int, int, tuple]] = []
        rejects: list[Reject] = []
        read = 0
        for line, end_line, values, extra, reject in reader:
            read += 1
            if reject is not None:
                rejects.append(reject)
            else:
                try:
                    row = normalise(values, extra)
                except RowError as exc:
                    rejects.append(Reject(line, end_line, _clip_guess(values), list(exc.problems)))
                else:
                    relative = row[path_index]
                    if relative is not None and not os.path.isabs(relative):
                        # Stored resolved, so the app finds the file wherever it is started from.
                        row = (*row[:path_index], _under(root, relative), *row[path_index + 1 :])
                    chunk.append((line, end_line, row))
            if read % BATCH_ROWS == 0:
                yield self._checked(read, chunk, rejects, staging)
                chunk, rejects = [], []
        yield self._checked(read, chunk, rejects, staging)

    def _checked(
        self, read: int, chunk: list[tuple[int, int, tuple]], rejects: list[Reject], staging: ImportStaging
    ) -> Batch:
        """Drop duplicates and check media."""
        batch = Batch(read, rejects=rejects)
        duplicates = staging.duplicates([c[2][0] for c in chunk], [c[0] for c in chunk]) if chunk else {}
        for i, (line, end_line, row) in enumerate(chunk):
            first = duplicates.get(i)
            if first is not None:
                problem = Problem("clip_id", f"duplicate clip_id {row[0]!r}: already on line {first}")
                rejects.append(Reject(line, end_line, row[0], [problem]))
                continue
            media = None
            if self.job.hash_media and row[_MEDIA_PATH_INDEX] is not None:
                media = self._check_media(batch, line, end_line, row)
            batch.ready.append((line, row, media, media is None or media.status != media_check.MISMATCH))
        return batch

    def _check_media(self, batch: Batch, line: int, end_line: int, row: tuple) -> media_check.MediaCheck:
        """Check the row's media file; a sha256 mismatch rejects the row."""
        interrupts.check()  # hashing a batch's files can take long: checked in the importer's process, stop here
        clip_id = row[0]
        result = media_check.check(
            row[_MEDIA_PATH_INDEX], row[_SHA_INDEX], Path(self.job.media_root), self.file_facts
        )
        batch.media[result.status] = batch.media.get(result.status, 0) + 1
        if result.status == media_check.MISMATCH:
            batch.rejects.append(Reject(line, end_line, clip_id, [Problem("sha256", result.detail or "")]))
        elif result.status != media_check.OK:
            batch.media_issues.append(
                MediaIssue(line, clip_id, result.status, str(result.path), result.detail or "")
            )
        return result


class InProcess:
    """A small file, checked in this process as it is written. Builds no snapshot."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def batches(self) -> Iterator[Batch]:
        return Checker(self.job).batches()

    def build_snapshot(self, workspace_file: Path) -> None:
        """Nothing: the importer builds the snapshot itself at its end (:meth:`built_snapshot` says so)."""

    def finish_snapshot(self) -> None:
        """Nothing to finish."""

    def built_snapshot(self) -> tuple[int, bool] | None:
        return None


class ChildProcess:
    """A large file, checked in a child process. Once every batch is through, the child can also build the
    workspace's sampling snapshot from the rows the import commits (:meth:`build_snapshot`), while the import still
    writes, so that it is ready when the import's last step commits (:meth:`built_snapshot`)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self._items: queue.Queue[Any] = queue.Queue(maxsize=AHEAD_BATCHES)
        self._stop = threading.Event()
        self._finishing = False
        self._receiver = threading.Thread(target=self._receive, name="catalogue-checker", daemon=True)
        self._receiver.start()

    def batches(self) -> Iterator[Batch]:
        while True:
            kind, value = self._next()
            if kind == "batch":
                yield value
            elif kind == "end":
                return
            else:
                raise value

    def build_snapshot(self, workspace_file: Path) -> None:
        """Ask the child to build the snapshot of ``workspace_file`` from committed rows, from now on."""
        self._command(f"build {os.fsencode(workspace_file).hex()}")

    def finish_snapshot(self) -> None:
        """After the import's last change: the child reads the last rows and stores the snapshot, while the
        importer finishes its own work."""
        self._finishing = self._command("finish")

    def built_snapshot(self) -> tuple[int, bool] | None:
        """(change seq it is current through, stored), once the child is done; None when it built none or failed
        (the importer then builds it itself)."""
        if not self._finishing:
            return None
        kind, value = self._next()
        return value if kind == "built" else None

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:  # a receiver blocked on a full queue sees the stop
                self._items.get_nowait()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def _command(self, line: str) -> bool:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            stdin.write(line.encode() + b"\n")
            stdin.flush()
        except OSError:  # the child is gone; what it said is in the queue
            return False
        return True

    def _next(self) -> tuple[str, Any]:
        """The next message, unpickled here, between steps: the receiving thread only reads. A thread that ran
        Python during a step would hold the GIL whenever the step's SQLite hands it back after a row, and on a
        busy machine it can be descheduled while holding it, stalling the step for a whole time slice."""
        while True:
            try:
                item = self._items.get(timeout=_STOP_POLL_S)
            except queue.Empty:
                interrupts.check()  # waiting for the child is a safe place to stop
                continue
            return pickle.loads(item) if isinstance(item, bytes) else item

    def _receive(self) -> None:
        """Every message, in order, received by a thread that stays a few batches ahead of the writing, so the child
        never waits for a step to end. It only reads (the system call lets go of the GIL)."""
        stream = self.process.stdout
        assert stream is not None
        try:
            while not self._stop.is_set():
                head = stream.read(_LENGTH.size)
                if len(head) < _LENGTH.size:
                    code = self.process.wait()
                    lost = RuntimeError(
                        f"the catalogue checking process stopped unexpectedly (exit status {code})"
                    )
                    self._put(("error", lost))
                    return
                self._put(stream.read(_LENGTH.unpack(head)[0]))
        except BaseException as exc:  # handed to the importer, which raises it
            self._put(("error", exc))

    def _put(self, item: bytes | tuple[str, Any]) -> None:
        while not self._stop.is_set():  # once stopped, nobody takes it
            with contextlib.suppress(queue.Full):
                self._items.put(item, timeout=0.1)
                return


@contextlib.contextmanager
def checking(job: Job) -> Iterator[InProcess | ChildProcess]:
    """The file's checking: in a child process for a large file (started now), else in this one."""
    process = _start(job) if os.path.getsize(job.source) >= CHILD_BYTES else None
    if process is None:
        yield InProcess(job)
        return
    child = ChildProcess(process)
    try:
        yield child
    finally:
        child.close()


def _start(job: Job) -> subprocess.Popen | None:
    """The child process, given its job; None where none can be started (then this process checks)."""
    if not sys.executable:
        return None
    package_root = str(Path(__file__).resolve().parents[2])  # the same bwvtool as this one
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    try:
        process = subprocess.Popen(
            # Not ``-m``: what it sends must pickle under this module's name, not ``__main__``. ``-P``: a file in
            # the current folder named like a module it uses is not imported instead.
            [sys.executable, "-P", "-c", "from bwvtool.catalogue.checking import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
    except OSError:
        return None
    assert process.stdin is not None and process.stdout is not None
    with contextlib.suppress(ImportError, AttributeError, OSError):  # Linux: fewer wake-ups per batch
        import fcntl

        fcntl.fcntl(process.stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    try:
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        process.stdin.write(_LENGTH.pack(len(data)) + data)
        process.stdin.flush()
    except OSError:
        process.kill()
        process.wait()
        return None
    return process


def _under(root: str, relative: str) -> str:
    """``root/relative`` as ``pathlib`` writes it, without building a Path per row for the usual clean paths."""
    if (
        os.sep != "/"
        or "//" in relative
        or relative.startswith("./")
        or "/./" in relative
        or relative.endswith(("/", "/."))
    ):
        return str(Path(root) / relative)
    return f"{root}/{relative}" if root != "/" else f"/{relative}"


def _clip_guess(values: list[Any] | None) -> str | None:
    """The clip id of a rejected row, when it has a usable one (for the reasons report)."""
    value = values[COLUMNS.index("clip_id")] if values else None
    return value if isinstance(value, str) and value.strip() else None


def main() -> None:
    """The child. Reads the job (its length and its pickle) from stdin and writes ``("batch", Batch)`` messages,
    then ``("end", None)``, to stdout, each as its length and its pickle. Told ``build <file>`` on stdin (hex of the
    path), it builds the snapshot from committed rows whenever its output waits for the importer (it is usually
    ahead), and on, once every batch is through; told ``finish``, it answers ``("built", (seq, stored))``.
    Anything that goes wrong is sent as ``("error", exception)``. Ends when the importer goes away (the pipes
    break). One thread: its waits are on the pipes (``select``), and it never hands the GIL back and forth."""
    # Ctrl+C in a terminal reaches the whole process group: the importer alone decides where the import stops, and
    # then ends this process (it closes our input, or kills us).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    in_fd, out_fd = sys.stdin.fileno(), sys.stdout.fileno()
    job = pickle.loads(_read_exactly(in_fd, _LENGTH.unpack(_read_exactly(in_fd, _LENGTH.size))[0]))
    try:
        _serve(job, in_fd, out_fd)
    except BrokenPipeError:
        os._exit(0)  # the importer is gone: nothing to say to anyone
    except BaseException as exc:
        os.set_blocking(out_fd, True)
        try:
            _send(out_fd, "error", exc)
        except BrokenPipeError:
            os._exit(0)
        except Exception:
            _send(out_fd, "error", RuntimeError(f"{type(exc).__name__}: {exc}"))


def _serve(job: Job, in_fd: int, out_fd: int) -> None:
    batches = Checker(job).batches()
    commands = _Commands(in_fd)
    builder: Any = None
    pending = bytearray()  # what is ready to send and not sent yet
    reading, finishing = True, False
    os.set_blocking(out_fd, False)
    try:
        while True:
            for command in commands.ready():
                if command is None:  # the importer closed our input: it is gone or done with us
                    return
                if command.startswith(b"build ") and builder is None:
                    builder = _builder(Path(os.fsdecode(bytes.fromhex(command.split()[1].decode()))))
                elif command == b"finish":
                    finishing = True
            if pending:
                with contextlib.suppress(BlockingIOError):
                    del pending[: os.write(out_fd, pending)]
            if not pending and reading:
                batch = next(batches, None)
                reading = batch is not None
                pending += _frame("batch", batch) if reading else _frame("end", None)
                continue
            if finishing and not pending:
                os.set_blocking(out_fd, True)
                built = None if builder is None else builder.finish()
                _send(out_fd, "built", None if built is None else (built.seq, built.stored))
                return
            if builder is not None and builder.catch_up():
                continue  # the output waits for the importer: build meanwhile
            select.select([in_fd], [out_fd] if pending else [], [], 0.05)
    finally:
        if builder is not None:
            builder.close()


def _builder(workspace_file: Path) -> Any:
    from bwvtool.store import snapshot
    from bwvtool.store.workspace import connect

    _give_back_freed_arrays()
    return snapshot.Builder(connect(workspace_file))


class _Commands:
    """Lines from the importer on our input, read without waiting."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def ready(self) -> list[bytes | None]:
        """Complete lines that have arrived (stripped); None for the end of the input."""
        lines: list[bytes | None] = []
        while select.select([self.fd], [], [], 0)[0]:
            data = os.read(self.fd, 4096)
            if not data:
                lines.append(None)
                break
            self.buffer += data
        *complete, self.buffer = self.buffer.split(b"\n")
        return [line.strip() for line in complete] + lines


def _frame(kind: str, value: Any) -> bytes:
    data = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def _send(fd: int, kind: str, value: Any) -> None:
    data = memoryview(_frame(kind, value))
    while data:
        data = data[os.write(fd, data) :]


def _read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError("the importer went away before sending the job")
        data += chunk
    return data


def _give_back_freed_arrays() -> None:
    """glibc: allocate arrays of 16 KiB and more apart from the heap, so the memory of a chunk's packed columns
    goes back to the system when they are joined (in the heap, among Python's small objects, it would stay: the
    build's peak would hold the packed catalogue twice). Only here: this process does nothing else."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 16 * 1024)
