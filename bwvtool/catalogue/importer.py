"""Importing a catalogue file into the workspace: all or nothing, idempotent, nothing lost, never in anyone's way.

Every record ends up in exactly one place: inserted, updated (audited field by field), unchanged (its row hash
matches the stored clip), or rejected (listed with line, column and reason, and copied verbatim to a rejects
file the user can fix and import again).

How it stays out of the way: records stream through in batches, read and checked outside any lock (for a large
file in a process of its own, :mod:`bwvtool.catalogue.checking`, so checking and writing run side by side), and
are applied in short transactions (:class:`~bwvtool.store.steps.Pacer`: about 0.3 s under the write lock, and a
writer that waits for the lock goes in before the next step), so a reviewer's key press never waits behind an
import. Memory stays flat: what must be remembered about every row lives in scratch files
(:mod:`bwvtool.store.import_staging`).

How it stays all or nothing: the import is ``applying`` until its last step, which records it ``done`` together with
its audit row and the fresh sampling snapshot; every clip it changes is journaled first, in the same step. If it
fails or is stopped (Ctrl+C; SIGTERM: the app's Cancel), it rolls itself back in short steps; a stop is taken only
between steps and never cuts the rollback short (:mod:`bwvtool.interrupts`). If it is killed, the next import, any
``bwvtool`` command or opening the workspace rolls it back (:mod:`bwvtool.catalogue.recovery`). Draws refuse to read
the catalogue meanwhile.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool import interrupts
from bwvtool.catalogue import media_check, recovery
from bwvtool.catalogue.checking import Batch, ChildProcess, InProcess, Job, MediaIssue, checking
from bwvtool.catalogue.readers import Reject, copy_records, detect_format, fingerprint, open_reader
from bwvtool.catalogue.rows import NORMALISED_FIELDS
from bwvtool.errors import UsageError
from bwvtool.store import catalogue as store
from bwvtool.store import dialect, leases, snapshot
from bwvtool.store.import_staging import ImportStaging
from bwvtool.store.steps import Pacer
from bwvtool.store.workspace import Transaction, Workspace

CHUNK_ROWS = 20_000  # progress is reported every this many records
FIRST_STEP_ROWS = 2_000  # the first step's size; later steps are sized to hold the lock ~Pacer.target_s
MAX_STEP_ROWS = 10_000  # at most this many rows per step (a row is ~1.3 KB in Python): memory stays flat
REPORTED_REJECTS = 1_000  # rejects (and media issues) kept in the report; all rejects go to the rejects files
# Up to this many changed clips the sampling snapshot is patched from its change log; an import that changes more
# builds a fresh snapshot instead and publishes it in its last step.
SNAPSHOT_PATCH_LIMIT = 20_000
_MEDIA_COLUMNS = ("media_status", "media_probe", "media_checked_at")
_SHA_INDEX = NORMALISED_FIELDS.index("sha256")
# The audit trail of an update lists catalogue fields, not the hash and bookkeeping that follow from them.
_AUDITED_FIELDS = tuple(f for f in NORMALISED_FIELDS if f != "row_hash")


@dataclass
class ImportReport:
    """What an import did. ``partial`` is true when anything was rejected or a media file could not be checked.

    ``rejects`` holds the first :data:`REPORTED_REJECTS` rejected records (all of them are in the rejects and
    reasons files); ``rejected`` counts them all. ``media_issues`` likewise holds the first media files ``--hash``
    could not check (``media`` counts every status; each clip keeps its own), so a million missing files do not
    make a million objects. ``steps`` and ``longest_step_s`` say how the import shared the
    write lock: how many transactions it took and the longest time one held it.
    """

    import_id: int
    source_path: str
    source_sha256: str
    format: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    incidents_created: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejects_path: str | None = None
    reasons_path: str | None = None
    media: dict[str, int] = field(default_factory=dict)
    media_issues: list[MediaIssue] = field(default_factory=list)
    inserted_ids_sha256: str = ""
    elapsed_s: float = 0.0
    steps: int = 0
    longest_step_s: float = 0.0

    @property
    def partial(self) -> bool:
        return bool(self.rejected or self.media_issues)

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "rows_inserted": self.inserted,
            "rows_updated": self.updated,
            "rows_unchanged": self.unchanged,
            "rows_rejected": self.rejected,
        }

    def as_dict(self, max_rejects: int | None = None) -> dict[str, Any]:
        rejects = self.rejects if max_rejects is None else self.rejects[:max_rejects]
        return {
            "import_id": self.import_id,
            "source_path": self.source_path,
            "source_sha256": self.source_sha256,
            "format": self.format,
            "read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "incidents_created": self.incidents_created,
            "rejects_path": self.rejects_path,
            "reasons_path": self.reasons_path,
            "rejects": [r.as_dict() for r in rejects],
            "media": dict(self.media),
            "media_issues": [m.as_dict() for m in self.media_issues],
            "inserted_ids_sha256": self.inserted_ids_sha256,
            "elapsed_s": round(self.elapsed_s, 3),
            "steps": self.steps,
            "longest_step_s": round(self.longest_step_s, 3),
        }


class ImportCancelled(KeyboardInterrupt):
    """The import was stopped (Ctrl+C; SIGTERM: the app's Cancel) before its last step, and undone.

    ``undone`` counts what the rollback put back (clips ``deleted`` and ``restored``, ``incidents_deleted``; empty
    and ``import_id`` None when it was stopped before it wrote anything); it is None when the rollback itself failed
    (``problem`` says why): the import then stays ``applying``, and the next import, ``bwvtool catalogue recover`` or
    the app rolls it back. A KeyboardInterrupt, so that a caller that does not look for it stops as for Ctrl+C.
    """

    def __init__(
        self, import_id: int | None, undone: dict[str, int] | None, problem: str | None = None
    ) -> None:
        super().__init__(import_id, undone, problem)
        self.import_id = import_id
        self.undone = undone
        self.problem = problem

    def as_dict(self) -> dict[str, Any]:
        return {
            "cancelled": True,
            "import_id": self.import_id,
            "rolled_back": self.undone,
            "problem": self.problem,
        }


def default_rejects_path(source: Path, fmt: str) -> Path:
    """``catalogue.csv`` → ``catalogue.rejects.csv`` beside it."""
    suffix = source.suffix or (".csv" if fmt == "csv" else ".jsonl")
    return source.with_name(f"{source.stem}.rejects{suffix}")


def reasons_path_for(rejects_path: Path) -> Path:
    """The reasons report that goes with a rejects file: ``x.rejects.csv`` → ``x.rejects.reasons.csv``."""
    return rejects_path.with_name(f"{rejects_path.stem}.reasons.csv")


def import_catalogue(
    ws: Workspace,
    path: str | Path,
    *,
    media_root: str | Path | None = None,
    hash_media: bool = False,
    rejects_path: str | Path | None = None,
    actor: str | None = None,
    fmt: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a CSV or JSON Lines catalogue into the workspace: all or nothing, audited, in short steps.

    :param path: the catalogue file.
    :param media_root: folder that relative ``media_path`` values start from (default: the file's folder).
    :param hash_media: hash (SHA-256) and probe every row's media file; a catalogued sha256 that does not match
        rejects the row, a missing or unreadable file is reported and recorded on the clip.
    :param rejects_path: where rejected rows are copied verbatim (default ``<name>.rejects.<ext>`` beside the
        file); their reasons go to ``<rejects name>.reasons.csv``. Written only when something was rejected.
    :param actor: who imports (for the audit log and the lease); default the current user.
    :param fmt: ``csv`` or ``jsonl``; default from the file's extension.
    :param progress: called with the number of records read so far, every :data:`CHUNK_ROWS` records.
    :raises UsageError: the file is missing, empty, not UTF-8, or its header lacks required columns.
    :raises WorkspaceBusy: another catalogue import is running on this workspace.
    :raises ImportCancelled: stopped (Ctrl+C, SIGTERM) before its last step began; it says what was undone. A stop
        from then on is too late: the import finishes and is kept, and the stop stays pending for the caller
        (:func:`bwvtool.interrupts.take`), or is raised as it returns when nobody holds it back.
    """
    started = time.perf_counter()
    source = Path(path)
    if not source.is_file():
        raise UsageError(f"no catalogue file at {source}")
    fmt = detect_format(source, fmt)
    rejects_file = Path(rejects_path) if rejects_path else default_rejects_path(source, fmt)
    if rejects_file.resolve() == source.resolve():
        raise UsageError("the rejects file must not be the catalogue being imported")
    job = Job(str(source), fmt, str(Path(media_root or source.parent).resolve()), hash_media)
    # A large file's checking process starts now, while this one sets up.
    with checking(job) as checked:
        source_sha256 = fingerprint(source)
        reader = open_reader(source, fmt)  # a bad header is refused before anything is written
        reader.close()
        # From the first write on, a stop (Ctrl+C; SIGTERM: the app's Cancel) waits for the end of the step it
        # arrives in and is taken between steps (interrupts.check), and the rollback runs to its end.
        with interrupts.deferred():
            if interrupts.take():  # a stop the caller held back while the file was read: nothing written yet
                raise ImportCancelled(None, {})
            lease_id = leases.acquire(
                ws.conn, recovery.IMPORT_JOB, _who(actor), {"file": str(source.resolve())}
            )
            try:
                recovery.recover_interrupted(ws, actor, leased=True)
                with store.bulk_load(ws.conn):
                    report = _import(ws, source, fmt, source_sha256, checked, reader.header_lines,
                                     rejects_file, lease_id, actor, progress)  # fmt: skip
            finally:
                leases.release(ws.conn, lease_id)
            report.elapsed_s = time.perf_counter() - started
            return report


def _who(actor: str | None) -> str:
    from bwvtool import identity

    return identity.current_user(actor)


def _import(
    ws: Workspace,
    source: Path,
    fmt: str,
    source_sha256: str,
    checked: InProcess | ChildProcess,
    header_lines: int,
    rejects_file: Path,
    lease_id: int,
    actor: str | None,
    progress: Callable[[int], None] | None,
) -> ImportReport:
    with ws.transaction(actor) as tx:
        import_id = store.begin_import(
            tx,
            source_path=str(source.resolve()),
            source_sha256=source_sha256,
            fmt=fmt,
            rejects_path=None,
            lease_id=lease_id,
        )
    report = ImportReport(import_id, str(source), source_sha256, fmt)
    staging = ImportStaging()
    run = _Run(ws, actor, report, staging, lease_id, checked, progress=progress, rejects_file=rejects_file)
    try:
        with store.relaxed_steps(ws.conn):
            run.load(checked.batches())
        run.finish_snapshot()  # the checking process finishes the snapshot meanwhile, if it builds one
        report.inserted_ids_sha256 = staging.inserted_sha256()
        if report.rejected:
            report.rejects_path, report.reasons_path = run.finish_rejects(source, fmt, header_lines)
        fresh = None
        if run.bulk or not snapshot.has_base(ws.conn):
            fresh = run.built_snapshot() or snapshot.prepare(ws.conn, rebuild=run.bulk, keep_columns=False)
        interrupts.check()  # the last moment a stop undoes the import: once its last step begins, it is kept
        with run.pacer.step(ws, actor) as tx:
            store.finish_import(tx, import_id, report.counts(), report.rejects_path)
            if fresh is not None and fresh.stored:
                snapshot.publish(tx.conn, fresh)
            report.steps, report.longest_step_s = run.pacer.steps, run.pacer.longest_s
            tx.audit("catalogue.import", "catalogue_import", str(import_id), _audit_detail(report))
    except BaseException as exc:
        run.discard_rejects()
        stopped = isinstance(exc, KeyboardInterrupt) or interrupts.take()
        try:
            undone = recovery.roll_back(ws, import_id, actor)
        except Exception as failed:
            if not stopped:
                raise
            raise ImportCancelled(import_id, None, f"{type(failed).__name__}: {failed}") from exc
        if stopped:
            raise ImportCancelled(import_id, undone) from exc
        raise
    finally:
        staging.close()
        run.pacer.close()
    if run.journaled:
        recovery.clear_journal(ws, import_id, actor, run.pacer)
    snapshot.discard_old(ws.conn)
    return report


class _Run:
    """The state of one import while its records stream through."""

    def __init__(
        self,
        ws: Workspace,
        actor: str | None,
        report: ImportReport,
        staging: ImportStaging,
        lease_id: int,
        checked: InProcess | ChildProcess,
        *,
        progress: Callable[[int], None] | None,
        rejects_file: Path,
    ) -> None:
        self.ws = ws
        self.actor = actor
        self.report = report
        self.staging = staging
        self.lease_id = lease_id
        self.checked = checked
        self.progress = progress
        self.rejects_file = rejects_file
        self.reasons_partial = reasons_path_for(rejects_file).with_suffix(".csv.partial")
        self._reasons: Any = None
        self.pacer = Pacer()
        self.step_rows = FIRST_STEP_ROWS
        # An empty catalogue cannot hold any id of this file (duplicates within it are caught by the staging).
        self.may_exist = store.count_clips(ws.conn) > 0
        self.changed = 0
        self.journaled = 0
        self.bulk = False  # past SNAPSHOT_PATCH_LIMIT: steps stop logging changes for the snapshot
        # A file workspace whose checking process builds the snapshot beside the steps, from committed rows.
        self.building = False
        self.workspace_file = snapshot_file(ws)
        self._beat = time.monotonic()

    # -- reading ----------------------------------------------------------------------------------------------
    def load(self, batches: Iterator[Batch]) -> None:
        """Write every checked record, a step at a time, as the batches arrive."""
        pending: list[tuple[int, tuple, media_check.MediaCheck | None, bool]] = []
        for batch in batches:
            self._take(batch)
            pending += batch.ready
            while len(pending) >= self.step_rows:
                ready, pending = pending[: self.step_rows], pending[self.step_rows :]
                self._apply(ready)
        if pending:
            self._apply(pending)

    def _take(self, batch: Batch) -> None:
        """A batch's progress, media findings and rejects (streamed out at once)."""
        report = self.report
        if self.progress is not None:
            for done in range(report.rows_read // CHUNK_ROWS + 1, batch.read // CHUNK_ROWS + 1):
                self.progress(done * CHUNK_ROWS)
        report.rows_read = batch.read
        for status, count in batch.media.items():
            report.media[status] = report.media.get(status, 0) + count
        report.media_issues += batch.media_issues[: max(0, REPORTED_REJECTS - len(report.media_issues))]
        self._reject(batch.rejects)

    # -- writing ------------------------------------------------------------------------------------------------
    def _apply(self, ready: list[tuple[int, tuple, media_check.MediaCheck | None, bool]]) -> None:
        """One step: classify the rows against what is stored now, write them and their journal, commit."""
        interrupts.check()  # a stop is taken between steps
        inserts = self._apply_step(ready)
        self.staging.add_inserted([r[0] for r in inserts])
        self.report.inserted += len(inserts)
        self.step_rows = self.pacer.next_size(len(ready), self.pacer.last_s, high=MAX_STEP_ROWS)

    def _apply_step(self, ready: list[tuple[int, tuple, media_check.MediaCheck | None, bool]]) -> list[tuple]:
        """The step itself (the write lock held): the clip rows it inserted."""
        report = self.report
        import_id = report.import_id
        with self.pacer.step(self.ws, self.actor) as tx:
            if self.bulk and not self.building:
                store.set_tracking(tx, False)
            existing = store.existing_clips(tx.conn, [r[1][0] for r in ready]) if self.may_exist else {}
            tail = (import_id, "unchecked", None, None, tx.at, tx.at)
            inserts, updates, media_only = [], [], []
            for line, row, media, apply in ready:
                old = existing.get(row[0])
                if not apply:  # its file does not match: the row is rejected, a stored clip says so
                    if old is not None:
                        media_only.append((old, media))
                elif old is None:
                    inserts.append(row + tail if media is None else self._with_media(row, media, tx.at))
                elif old["row_hash"] == row[-1]:
                    report.unchanged += 1
                    if media is not None:
                        media_only.append((old, media))
                else:
                    updates.append((line, row, media, old))
            incidents = list(dict.fromkeys(r[1] for r in inserts))
            incidents += [r[1][1] for r in updates if r[1][1] != r[3]["incident_id"]]
            if incidents:  # those already there are left as they are (and keep their own import id)
                report.incidents_created += store.insert_incidents(tx, dict.fromkeys(incidents), import_id)
            if inserts and self.building:  # the builder reads new rows in rowid order: no need to log them
                store.set_tracking(tx, False)
                store.insert_clips(tx, inserts)
                store.set_tracking(tx, True)
            elif inserts:
                store.insert_clips(tx, inserts)
            store.journal_clips(tx, import_id, [u[3] for u in updates] + [m[0] for m in media_only])
            for line, row, media, old in updates:
                self._update(tx, line, row, media, old)
            for old, media in media_only:
                self._record_media(tx, old["clip_id"], media)
            if self.bulk and not self.building:
                store.set_tracking(tx, True)
            if time.monotonic() - self._beat > leases.HEARTBEAT_EVERY_S:
                leases.heartbeat(tx.conn, self.lease_id)
                self._beat = time.monotonic()
        report.updated += len(updates)
        self.changed += len(inserts) + len(updates) + len(media_only)
        self.journaled += len(updates) + len(media_only)
        if not self.bulk and self.changed > SNAPSHOT_PATCH_LIMIT:
            self.bulk = True
            if self.workspace_file is not None and isinstance(self.checked, ChildProcess):
                self.checked.build_snapshot(self.workspace_file)
                self.building = True
        return inserts

    def finish_snapshot(self) -> None:
        """After the last data step: the checking process, if it builds the snapshot, reads the last rows."""
        if self.building:
            with self.pacer.step(self.ws, self.actor) as tx:
                # What is built holds the import's unlogged inserts: newer than any snapshot before.
                snapshot.mark_change(tx)
            self.checked.finish_snapshot()

    def built_snapshot(self) -> snapshot.Prepared | None:
        """The snapshot the checking process built beside the steps (None when it built none: the importer builds
        it now)."""
        if not self.building:
            return None
        built = self.checked.built_snapshot()
        return None if built is None else snapshot.Prepared(built[0], {}, stored=built[1])

    def _update(
        self,
        tx: Transaction,
        line: int,
        row: tuple,
        media: media_check.MediaCheck | None,
        old: dict[str, Any],
    ) -> None:
        """Rewrite a clip whose catalogue row changed; the audit row lists each changed field, old → new."""
        clip_id = row[0]
        new = dict(zip(NORMALISED_FIELDS, row, strict=True))
        if new["sha256"] is None:
            new["sha256"] = old["sha256"]  # a catalogue that omits the hash does not forget a known one
        changed = {f: [old[f], new[f]] for f in _AUDITED_FIELDS if old[f] != new[f]}
        values = {f: new[f] for f in NORMALISED_FIELDS if f != "clip_id"}
        values |= {"import_id": self.report.import_id, "updated_at": tx.at}
        if media is not None:
            values |= {"media_status": media.status, "media_probe": media.probe, "media_checked_at": tx.at}
            values["sha256"] = new["sha256"] or media.sha256
        elif "media_path" in changed or "sha256" in changed:
            values |= dict.fromkeys(_MEDIA_COLUMNS) | {"media_status": "unchecked"}
        store.update_clip(tx, clip_id, values)
        tx.audit(
            "clip.update",
            "clip",
            clip_id,
            {"import_id": self.report.import_id, "line": line, "changes": changed},
        )

    # -- rejects ------------------------------------------------------------------------------------------------
    def _reject(self, rejects: list[Reject]) -> None:
        """Stream a chunk's rejects out: reasons to the (partial) reasons file, line ranges to the staging."""
        if not rejects:
            return
        rejects.sort(key=lambda r: r.line)
        report = self.report
        report.rejected += len(rejects)
        room = REPORTED_REJECTS - len(report.rejects)
        if room > 0:
            report.rejects.extend(rejects[:room])
        self.staging.add_rejected([(r.line, r.end_line) for r in rejects])
        if self._reasons is None:
            self.reasons_partial.parent.mkdir(parents=True, exist_ok=True)
            self._reasons = self.reasons_partial.open("w", encoding="utf-8", newline="")
            csv.writer(self._reasons).writerow(["line", "end_line", "clip_id", "column", "reason"])
        writer = csv.writer(self._reasons)
        for reject in rejects:
            for problem in reject.problems:
                writer.writerow(
                    [reject.line, reject.end_line, reject.clip_id or "", problem.column or "", problem.reason]
                )

    def finish_rejects(self, source: Path, fmt: str, header_lines: int) -> tuple[str, str]:
        """The rejected records verbatim (same format) beside their reasons report."""
        self._reasons.close()
        self.rejects_file.parent.mkdir(parents=True, exist_ok=True)
        copy_records(source, fmt, header_lines, self.staging.rejected_ranges(), self.rejects_file)
        reasons = reasons_path_for(self.rejects_file)
        os.replace(self.reasons_partial, reasons)
        return str(self.rejects_file), str(reasons)

    def discard_rejects(self) -> None:
        if self._reasons is not None:
            self._reasons.close()
            self.reasons_partial.unlink(missing_ok=True)

    # -- media --------------------------------------------------------------------------------------------------
    def _with_media(self, row: tuple, media: media_check.MediaCheck, at: str) -> tuple:
        content = list(row)
        if content[_SHA_INDEX] is None:
            content[_SHA_INDEX] = media.sha256
        return (*content, self.report.import_id, media.status, media.probe, at, at, at)

    def _record_media(self, tx: Transaction, clip_id: str, media: media_check.MediaCheck) -> None:
        sha = media.sha256 if media.status == media_check.OK else None
        store.set_media(tx, clip_id, status=media.status, sha256=sha, probe=media.probe, checked_at=tx.at)


def snapshot_file(ws: Workspace) -> Path | None:
    """The workspace's file, when another process may read it to build the snapshot (not a server)."""
    return ws.path if isinstance(ws.path, Path) and not dialect.is_postgres(ws.conn) else None


def _audit_detail(report: ImportReport) -> dict[str, Any]:
    return {
        "source": report.source_path,
        "source_sha256": report.source_sha256,
        "format": report.format,
        **report.counts(),
        "incidents_created": report.incidents_created,
        "inserted_ids_sha256": report.inserted_ids_sha256,
        "media": report.media,
        "rejects_path": report.rejects_path,
        "steps": report.steps,
    }
