"""The Jobs page: long work (imports, checks, exports) running beside the coding, each with a progress bar, a
Cancel button and a result page. Coders keep working meanwhile: every job is a child process (``command.py``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bwvtool.ui import theme
from bwvtool.ui.jobs.command import CommandJob, JobResult
from bwvtool.wording import count

Summary = Callable[[JobResult], str]


class _JobRow(QWidget):
    """A job in the list: its title, what it is doing, and a bar."""

    def __init__(self, job: CommandJob) -> None:
        super().__init__()
        self.title = QLabel(f"<b>{job.title}</b>")
        self.state = theme.muted(QLabel(job.text))
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setRange(0, 0)  # busy until the job says how far it is
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        layout.addWidget(self.title)
        layout.addWidget(self.state)
        layout.addWidget(self.bar)

    def show_progress(self, text: str, done: int, total: int) -> None:
        self.state.setText(text)
        if total > 0 and done >= 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def show_end(self, job: CommandJob) -> None:
        self.state.setText(job.text)
        self.bar.setRange(0, 1)
        # Done, even if cancelled too late (a cancelled import that was undone exits 2).
        finished = job.result is not None and job.result.exit_code in (0, 1)
        self.bar.setValue(1 if finished else 0)


class JobsPage(QWidget):
    """Lists the session's jobs; the selected one's progress or result fills the right side."""

    job_finished = Signal(object, object)  # the CommandJob and its JobResult
    status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[CommandJob] = []
        self._summaries: dict[int, Summary] = {}
        self.list = QListWidget()
        self.heading = theme.heading(QLabel("No jobs yet"))
        self.detail = QLabel(
            "Long work — catalogue imports, media checks, exports — runs here while you code."
        )
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.rejects = QTableWidget(0, 4)
        self.rejects.setHorizontalHeaderLabels(["Line", "Clip", "Column", "Reason"])
        self.rejects.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.rejects.verticalHeader().setVisible(False)
        self.rejects.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rejects.setWordWrap(True)
        self.save_rejects_button = QPushButton("Save rejects for fixing…")
        self._layout()
        self.list.currentRowChanged.connect(self._show_selected)
        self.cancel_button.clicked.connect(self._cancel_selected)
        self.save_rejects_button.clicked.connect(self._save_rejects)
        self._show_selected(-1)

    def _layout(self) -> None:
        right = QWidget()
        column = self._column = QVBoxLayout(right)
        column.setContentsMargins(14, 12, 14, 12)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.cancel_button)
        column.addLayout(top)
        column.addWidget(self.detail)
        column.addWidget(self.rejects, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_rejects_button)
        column.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setSizes([380, 900])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(splitter)

    # -- running ---------------------------------------------------------------------------------------------------
    def start(self, job: CommandJob, summary: Summary | None = None) -> CommandJob:
        """Show ``job`` at the top of the list and start it; ``summary`` turns its result into the result text."""
        self.jobs.append(job)
        if summary is not None:
            self._summaries[id(job)] = summary
        row = _JobRow(job)
        item = QListWidgetItem()
        item.setSizeHint(row.sizeHint())
        self.list.insertItem(0, item)
        self.list.setItemWidget(item, row)
        job.progress.connect(lambda text, done, total: self._progress(job, row, text, done, total))
        job.finished.connect(lambda result: self._finished(job, row, result))
        self.list.setCurrentRow(0)
        job.start()
        return job

    def running(self) -> list[CommandJob]:
        return [job for job in self.jobs if job.running]

    def _progress(self, job: CommandJob, row: _JobRow, text: str, done: int, total: int) -> None:
        row.show_progress(text, done, total)
        if self.selected() is job:
            self._show(job)

    def _finished(self, job: CommandJob, row: _JobRow, result: JobResult) -> None:
        row.show_end(job)
        if self.selected() is job:
            self._show(job)
        self.status.emit(f"{job.title}: {job.text}")
        self.job_finished.emit(job, result)

    # -- showing -----------------------------------------------------------------------------------------------------
    def selected(self) -> CommandJob | None:
        row = self.list.currentRow()
        return self.jobs[len(self.jobs) - 1 - row] if 0 <= row < len(self.jobs) else None

    def _show_selected(self, _row: int) -> None:
        job = self.selected()
        if job is None:
            self.heading.setText("No jobs yet")
            self.cancel_button.setEnabled(False)
            self.cancel_button.setVisible(False)
            self._fill_rejects(None)
            return
        self._show(job)

    def _show(self, job: CommandJob) -> None:
        self.heading.setText(job.title)
        self.cancel_button.setEnabled(job.running)
        self.cancel_button.setVisible(job.running)  # a finished job has nothing to cancel
        if job.result is None:
            self.detail.setText(job.text)
            self._fill_rejects(None)
            return
        summary = self._summaries.get(id(job), generic_summary)
        parts = [f"{job.text[0].upper()}{job.text[1:]}.", summary(job.result)]
        if job.result.message and job.result.message not in parts[1]:
            parts.append(job.result.message)
        self.detail.setText("\n\n".join(part for part in parts if part))
        self._fill_rejects(job.result.data if isinstance(job.result.data, dict) else None)

    def _fill_rejects(self, data: dict[str, Any] | None) -> None:
        """The result's rows, if it has any: an import's rejected rows, a codebook's problems or its versions."""
        headers, rows = result_rows(data or {})
        self.rejects.setVisible(bool(rows))
        self._column.setStretchFactor(self.detail, 0 if rows else 1)  # the text stays at the top either way
        self.save_rejects_button.setVisible(bool((data or {}).get("rejects_path")) and bool(rows))
        self.rejects.setColumnCount(len(headers))
        self.rejects.setHorizontalHeaderLabels(headers)
        self.rejects.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
        self.rejects.setRowCount(len(rows))
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.rejects.setItem(row, column, QTableWidgetItem("" if value is None else str(value)))
        for column in range(len(headers) - 1):  # the last column takes the rest and wraps: no sideways scroll
            self.rejects.resizeColumnToContents(column)
        self.rejects.resizeRowsToContents()

    def _cancel_selected(self) -> None:
        job = self.selected()
        if job is not None:
            job.cancel()

    def _save_rejects(self) -> None:
        job = self.selected()
        data = job.result.data if job is not None and job.result is not None else None
        if not isinstance(data, dict) or not data.get("rejects_path"):
            return
        source = Path(data["rejects_path"])
        path, _ = QFileDialog.getSaveFileName(self, "Save rejects for fixing", str(source), "All files (*)")
        if path:
            self.save_rejects_to(job, Path(path))

    def save_rejects_to(self, job: CommandJob, dest: Path) -> None:
        """Copy the rejected rows (verbatim, ready to fix and import again) and their reasons beside them."""
        data = job.result.data  # type: ignore[union-attr]
        if Path(data["rejects_path"]).resolve() != dest.resolve():
            shutil.copyfile(data["rejects_path"], dest)
        reasons = data.get("reasons_path")
        if reasons and Path(reasons).exists():
            target = dest.with_name(f"{dest.stem}.reasons.csv")
            if Path(reasons).resolve() != target.resolve():
                shutil.copyfile(reasons, target)
        self.status.emit(f"Saved the rejected rows to {dest}")


def generic_summary(result: JobResult) -> str:
    """A plain reading of a command's JSON result: its top-level numbers and names, one per line."""
    data = result.data
    if not isinstance(data, dict):
        return ""
    lines = []
    for key, value in data.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            label = key.replace("_", " ")
            lines.append(
                f"{label[0].upper()}{label[1:]}: {value:,}"
                if isinstance(value, int)
                else f"{label[0].upper()}{label[1:]}: {value}"
            )
    return "\n".join(lines)


def import_summary(result: JobResult) -> str:
    data = result.data if isinstance(result.data, dict) else {}
    if not data or data.get("cancelled"):  # a cancelled import: its one line says what was undone
        return ""
    text = (
        f"{data.get('read', 0):,} records read: {data.get('inserted', 0):,} new clips, {data.get('updated', 0):,}"
        f" updated, {data.get('unchanged', 0):,} unchanged, {data.get('rejected', 0):,} rejected."
        f"\nApplied in {count(data.get('steps', 0), 'short step')} (the longest held the workspace"
        f" {data.get('longest_step_s', 0)} s) while others kept working."
    )
    if data.get("rejected"):
        shown = len(data.get("rejects") or [])
        text += (
            f"\n\nRejected rows are kept verbatim in {data.get('rejects_path')} with their reasons in"
            f" {data.get('reasons_path')}"
            + (f" (the first {shown:,} are listed below)." if shown < data["rejected"] else ".")
        )
    return text


def result_rows(data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) of the table under a result: rejected rows of an import, the problems of a codebook that
    does not validate (at their line), or the stored versions of an imported codebook."""
    if data.get("rejects"):
        return ["Line", "Clip", "Column", "Reason"], [
            [r.get("line"), r.get("clip_id"), r.get("column"), r.get("reason")] for r in data["rejects"]
        ]
    if data.get("errors"):
        return ["Line", "Column", "Where", "Problem"], [
            [e.get("line"), e.get("column"), e.get("path"), e.get("message")] for e in data["errors"]
        ]
    if data.get("versions"):
        return ["Codebook", "Version", "Imported", "SHA-256", "In use"], [
            [data.get("key"), v["version"], str(v["imported_at"])[:16].replace("T", " "), v["sha256"][:16],
             "locked: coded with" if v["locked"] else "not yet"]
            for v in data["versions"]
        ]  # fmt: skip
    return [], []


def codebook_summary(result: JobResult) -> str:
    """A codebook import: what was stored, or that the file does not validate (its problems are listed below)."""
    data = result.data if isinstance(result.data, dict) else {}
    if data.get("errors"):
        return (
            f"{count(len(data['errors']), 'problem')} in {data.get('file')}: nothing was imported."
            " Fix the file at the lines below and import it again."
        )
    if not data:
        return ""
    said = {
        "imported": "Imported",
        "unchanged": "Unchanged (already stored):",
        "replaced": "Replaced (no one had coded with it yet):",
        "new_version": "The stored version is in use, so the changed file became",
        "present": "Present:",
    }
    head = said.get(str(data.get("status")), str(data.get("status", "")).capitalize())
    return f"{head} {data.get('key')} version {data.get('version')}. Its versions in this workspace:"
