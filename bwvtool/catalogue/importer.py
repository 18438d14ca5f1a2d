"""Importing a catalogue file into the workspace: one transaction, idempotent, nothing lost.

Every record ends up in exactly one place: inserted, updated (audited field by field), unchanged (its row hash
matches the stored clip), or rejected (listed with line, column and reason, and copied verbatim to a rejects
file the user can fix and import again). The whole import is one transaction: a crash leaves the store as it was.
"""

from __future__ import annotations

import csv
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwvtool.catalogue import media_check
from bwvtool.catalogue.readers import Reject, copy_records, detect_format, fingerprint, open_reader
from bwvtool.catalogue.rows import COLUMNS, NORMALISED_FIELDS, Normaliser, Problem, RowError
from bwvtool.errors import StoreError, UsageError
from bwvtool.store import catalogue as store
from bwvtool.store import snapshot
from bwvtool.store.workspace import Transaction, Workspace

CHUNK_ROWS = 20_000  # rows per executemany: big enough to amortise, small enough to keep memory flat
_MEDIA_COLUMNS = ("media_status", "media_probe", "media_checked_at")
_SHA_INDEX = NORMALISED_FIELDS.index("sha256")
_MEDIA_PATH_INDEX = NORMALISED_FIELDS.index("media_path")
# The audit trail of an update lists catalogue fields, not the hash and bookkeeping that follow from them.
_AUDITED_FIELDS = tuple(f for f in NORMALISED_FIELDS if f != "row_hash")


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
class ImportReport:
    """What an import did. ``partial`` is true when anything was rejected or a media file could not be checked."""

    import_id: int
    source_path: str
    source_sha256: str
    format: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    incidents_created: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejects_path: str | None = None
    reasons_path: str | None = None
    media: dict[str, int] = field(default_factory=dict)
    media_issues: list[MediaIssue] = field(default_factory=list)
    inserted_ids_sha256: str = ""
    elapsed_s: float = 0.0

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def partial(self) -> bool:
        return bool(self.rejects or self.media_issues)

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
    """Import a CSV or JSON Lines catalogue into the workspace, in one audited transaction.

    :param path: the catalogue file.
    :param media_root: folder that relative ``media_path`` values start from (default: the file's folder).
    :param hash_media: hash (SHA-256) and probe every row's media file; a catalogued sha256 that does not match
        rejects the row, a missing or unreadable file is reported and recorded on the clip.
    :param rejects_path: where rejected rows are copied verbatim (default ``<name>.rejects.<ext>`` beside the
        file); their reasons go to ``<rejects name>.reasons.csv``. Written only when something was rejected.
    :param actor: who imports (for the audit log); default the current user.
    :param fmt: ``csv`` or ``jsonl``; default from the file's extension.
    :param progress: called with the number of records read so far, every :data:`CHUNK_ROWS` records.
    :raises UsageError: the file is missing, empty, not UTF-8, or its header lacks required columns.
    """
    started = time.perf_counter()
    source = Path(path)
    if not source.is_file():
        raise UsageError(f"no catalogue file at {source}")
    fmt = detect_format(source, fmt)
    rejects_file = Path(rejects_path) if rejects_path else default_rejects_path(source, fmt)
    if rejects_file.resolve() == source.resolve():
        raise UsageError("the rejects file must not be the catalogue being imported")
    source_sha256 = fingerprint(source)
    reader = open_reader(source, fmt)
    try:
        with store.bulk_load(ws.conn), ws.transaction(actor) as tx:
            import_id = store.begin_import(
                tx, source_path=str(source.resolve()), source_sha256=source_sha256, fmt=fmt, rejects_path=None
            )
            report = ImportReport(import_id, str(source), source_sha256, fmt)
            run = _Run(
                tx,
                report,
                hash_media=hash_media,
                media_root=Path(media_root or source.parent).resolve(),
                progress=progress,
            )
            run.load(reader, Normaliser(text=fmt == "csv"))
            if report.rejects:
                report.rejects_path, report.reasons_path = _write_rejects(
                    source, fmt, reader.header_lines, report.rejects, rejects_file
                )
            store.finish_import(tx, import_id, report.counts(), report.rejects_path)
            snapshot.refresh(tx.conn)  # so the next draw reads the new catalogue as packed columns at once
            report.elapsed_s = time.perf_counter() - started
            tx.audit("catalogue.import", "catalogue_import", str(import_id), _audit_detail(report))
    finally:
        reader.close()
    return report


class _Run:
    """The state of one import while its records stream through."""

    def __init__(
        self,
        tx: Transaction,
        report: ImportReport,
        *,
        hash_media: bool,
        media_root: Path,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.tx = tx
        self.progress = progress
        self.report = report
        self.hash_media = hash_media
        self.media_root = media_root
        self.file_facts = media_check.FileFacts()
        conn = tx.conn
        self.existing = store.clip_hashes(conn) if store.count_clips(conn) else {}
        self.incidents = store.incident_ids(conn)
        self.new_incidents: list[str] = []
        self.pending: list[tuple] = []
        self.updates: list[tuple[int, tuple, media_check.MediaCheck | None]] = []
        self.inserted_ids: list[str] = []

    def load(self, reader: Any, normaliser: Normaliser) -> None:
        report, rejects = self.report, self.report.rejects
        normalise = normaliser.normalise
        existing, incidents = self.existing, self.incidents
        new_incidents, pending, inserted_ids = self.new_incidents, self.pending, self.inserted_ids
        seen: dict[str, int] = {}
        # Everything a new clip carries beyond its catalogue content, when no media check applies.
        tail = (report.import_id, "unchecked", None, None, self.tx.at, self.tx.at)
        read = 0
        progress = self.progress
        for line, end_line, values, extra, reject in reader:
            read += 1
            if progress is not None and read % CHUNK_ROWS == 0:
                progress(read)
            if reject is not None:
                rejects.append(reject)
                continue
            try:
                row = normalise(values, extra)
            except RowError as exc:
                rejects.append(Reject(line, end_line, _clip_guess(values), list(exc.problems)))
                continue
            relative = row[_MEDIA_PATH_INDEX]
            if relative is not None and not os.path.isabs(relative):
                # Stored resolved, so the app finds the file wherever it is started from.
                i = _MEDIA_PATH_INDEX
                row = (*row[:i], str(self.media_root / relative), *row[i + 1 :])
            clip_id = row[0]
            first_line = seen.get(clip_id)
            if first_line is not None:
                problem = Problem("clip_id", f"duplicate clip_id {clip_id!r}: already on line {first_line}")
                rejects.append(Reject(line, end_line, clip_id, [problem]))
                continue
            seen[clip_id] = line
            media = None
            if self.hash_media and row[_MEDIA_PATH_INDEX] is not None:
                media = self._check_media(line, end_line, row, clip_id in existing)
                if media is None:
                    continue  # rejected: the file does not match its catalogued sha256
            old_hash = existing.get(clip_id)
            if old_hash == row[-1]:
                report.unchanged += 1
                if media is not None:
                    self._record_media(clip_id, media)
                continue
            incident_id = row[1]
            if incident_id not in incidents:
                incidents.add(incident_id)
                new_incidents.append(incident_id)
            if old_hash is not None:
                self.updates.append((line, row, media))
                continue
            pending.append(row + tail if media is None else self._with_media(row, media))
            inserted_ids.append(clip_id)
            if len(pending) >= CHUNK_ROWS:
                self._flush()
        report.rows_read = read
        self._flush()
        for line, row, media in self.updates:
            self._update(line, row, media)
        report.inserted = len(inserted_ids)
        report.updated = len(self.updates)
        inserted_ids.sort()
        report.inserted_ids_sha256 = hashlib.sha256("\n".join(inserted_ids).encode("utf-8")).hexdigest()

    # -- writing ----------------------------------------------------------------------------------------------
    def _flush(self) -> None:
        """Write the incidents first (clips refer to them), then the waiting clips."""
        if self.new_incidents:
            self.report.incidents_created += store.insert_incidents(self.tx, self.new_incidents)
            self.new_incidents.clear()
        if self.pending:
            store.insert_clips(self.tx, self.pending)
            self.pending.clear()

    def _update(self, line: int, row: tuple, media: media_check.MediaCheck | None) -> None:
        """Rewrite a clip whose catalogue row changed; the audit row lists each changed field, old → new."""
        clip_id = row[0]
        old = store.get_clip(self.tx.conn, clip_id)
        if old is None:  # cannot happen inside the transaction that read it; never update blindly
            raise StoreError(f"clip {clip_id} vanished during the import")
        new = dict(zip(NORMALISED_FIELDS, row, strict=True))
        if new["sha256"] is None:
            new["sha256"] = old["sha256"]  # a catalogue that omits the hash does not forget a known one
        changed = {f: [old[f], new[f]] for f in _AUDITED_FIELDS if old[f] != new[f]}
        values = {f: new[f] for f in NORMALISED_FIELDS if f != "clip_id"}
        values |= {"import_id": self.report.import_id, "updated_at": self.tx.at}
        if media is not None:
            values |= self._media_values(media)
            values["sha256"] = new["sha256"] or media.sha256
        elif "media_path" in changed or "sha256" in changed:
            values |= dict.fromkeys(_MEDIA_COLUMNS) | {"media_status": "unchecked"}
        store.update_clip(self.tx, clip_id, values)
        self.tx.audit(
            "clip.update",
            "clip",
            clip_id,
            {"import_id": self.report.import_id, "line": line, "changes": changed},
        )

    # -- media --------------------------------------------------------------------------------------------------
    def _check_media(
        self, line: int, end_line: int, row: tuple, exists: bool
    ) -> media_check.MediaCheck | None:
        """Check the row's media file; None when the row is rejected for a sha256 mismatch."""
        clip_id = row[0]
        result = media_check.check(row[_MEDIA_PATH_INDEX], row[_SHA_INDEX], self.media_root, self.file_facts)
        self.report.media[result.status] = self.report.media.get(result.status, 0) + 1
        if result.status == media_check.MISMATCH:
            self.report.rejects.append(
                Reject(line, end_line, clip_id, [Problem("sha256", result.detail or "")])
            )
            if exists:
                self._record_media(clip_id, result)
            return None
        if result.status != media_check.OK:
            self.report.media_issues.append(
                MediaIssue(line, clip_id, result.status, str(result.path), result.detail or "")
            )
        return result

    def _media_values(self, media: media_check.MediaCheck) -> dict[str, Any]:
        return {"media_status": media.status, "media_probe": media.probe, "media_checked_at": self.tx.at}

    def _with_media(self, row: tuple, media: media_check.MediaCheck) -> tuple:
        content = list(row)
        if content[_SHA_INDEX] is None:
            content[_SHA_INDEX] = media.sha256
        at = self.tx.at
        return (*content, self.report.import_id, media.status, media.probe, at, at, at)

    def _record_media(self, clip_id: str, media: media_check.MediaCheck) -> None:
        sha = media.sha256 if media.status == media_check.OK else None
        store.set_media(
            self.tx, clip_id, status=media.status, sha256=sha, probe=media.probe, checked_at=self.tx.at
        )


def _clip_guess(values: list[Any] | None) -> str | None:
    """The clip id of a rejected row, when it has a usable one (for the reasons report)."""
    value = values[COLUMNS.index("clip_id")] if values else None
    return value if isinstance(value, str) and value.strip() else None


def _write_rejects(
    source: Path, fmt: str, header_lines: int, rejects: list[Reject], dest: Path
) -> tuple[str, str]:
    """The rejected records verbatim (same format) and a reasons report: line, clip_id, column, reason."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    copy_records(source, fmt, header_lines, rejects, dest)
    reasons = reasons_path_for(dest)
    with reasons.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "end_line", "clip_id", "column", "reason"])
        for reject in sorted(rejects, key=lambda r: r.line):
            for problem in reject.problems:
                writer.writerow(
                    [reject.line, reject.end_line, reject.clip_id or "", problem.column or "", problem.reason]
                )
    return str(dest), str(reasons)


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
    }
