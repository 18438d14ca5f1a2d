"""The small forms that start a job: each collects a command's options and returns its arguments.

A form never touches the workspace's data itself; it only builds the ``bwvtool`` command line that the job runs
(the same one a researcher would script), so what the app does and what the command does cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bwvtool.errors import BwvError

CATALOGUE_FILES = "Catalogue exports (*.csv *.jsonl *.json);;All files (*)"
CODEBOOK_FILES = "Codebooks (*.yaml *.yml *.json);;All files (*)"


class PathField(QWidget):
    """A line edit with a Browse… button (a file to open, a file to save, or a folder)."""

    def __init__(
        self, title: str, start: Path, *, kind: str = "open", filters: str = "All files (*)"
    ) -> None:
        super().__init__()
        self.title, self.start, self.kind, self.filters = title, start, kind, filters
        self.edit = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def browse(self) -> None:
        start = self.edit.text() or str(self.start)
        if self.kind == "folder":
            path = QFileDialog.getExistingDirectory(self, self.title, start)
        elif self.kind == "save":
            path, _ = QFileDialog.getSaveFileName(self, self.title, start, self.filters)
        else:
            path, _ = QFileDialog.getOpenFileName(self, self.title, start, self.filters)
        if path:
            self.edit.setText(path)

    def value(self) -> str:
        return self.edit.text().strip()


class JobForm(QDialog):
    """A form with OK/Cancel; ``arguments()`` is the command line it stands for (None while incomplete)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(620)
        self.form = QFormLayout()
        self.note = QLabel()
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def arguments(self) -> list[str] | None:
        """The command line this form stands for, None while incomplete; each form below says its own."""
        return None

    def _accept(self) -> None:
        try:
            ready = self.arguments()
        except BwvError as exc:
            QMessageBox.warning(self, self.windowTitle(), str(exc))
            return
        if ready is None:
            QMessageBox.warning(self, self.windowTitle(), "Fill in the fields marked *.")
            return
        self.accept()


class ImportCatalogueForm(JobForm):
    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__("Import catalogue", parent)
        self.file = PathField("Catalogue export", folder, filters=CATALOGUE_FILES)
        self.media_root = PathField("Folder media paths start from", folder, kind="folder")
        self.hash = QCheckBox("Hash (SHA-256) and probe every media file")
        self.form.addRow("Catalogue file *", self.file)
        self.form.addRow("Media folder", self.media_root)
        self.form.addRow("", self.hash)
        self.file.edit.setFocus()
        self.note.setText(
            "All or nothing, applied in short steps so reviewers keep coding. Rejected rows are kept verbatim"
            " with line, column and reason, ready to fix and import again."
        )

    def arguments(self) -> list[str] | None:
        if not self.file.value():
            return None
        args = ["catalogue", "import", self.file.value()]
        if self.media_root.value():
            args += ["--media-root", self.media_root.value()]
        if self.hash.isChecked():
            args.append("--hash")
        return args


class ImportCodebookForm(JobForm):
    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__("Import codebook", parent)
        self.file = PathField("Codebook", folder, filters=CODEBOOK_FILES)
        self.new_version = QCheckBox("Store a changed file as a new version when the stored one is in use")
        self.form.addRow("Codebook file *", self.file)
        self.form.addRow("", self.new_version)
        self.file.edit.setFocus()
        self.note.setText("The file is validated first; any problem is shown with its line and column.")

    def arguments(self) -> list[str] | None:
        if not self.file.value():
            return None
        return [
            "codebook",
            "import",
            self.file.value(),
            *(["--new-version"] if self.new_version.isChecked() else []),
        ]


class SampleForm(JobForm):
    """Pick a sample (and, for exports, where to write)."""

    def __init__(self, title: str, samples: list[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.sample = QComboBox()
        for sample_id, label in samples:
            self.sample.addItem(label, sample_id)
        self.form.addRow("Sample *", self.sample)

    def sample_id(self) -> str | None:
        value = self.sample.currentData()
        return None if value is None else str(value)


class VerifySampleForm(SampleForm):
    def __init__(self, samples: list[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__("Verify sample", samples, parent)
        self.note.setText(
            "Redraws the sample from its stored plan, seed and draw date and compares it clip by clip; a changed"
            " catalogue is told apart from a different draw."
        )

    def arguments(self) -> list[str] | None:
        return None if self.sample_id() is None else ["sample", "verify", self.sample_id()]  # type: ignore[list-item]


class ExportSampleForm(SampleForm):
    def __init__(self, samples: list[tuple[int, str]], folder: Path, parent: QWidget | None = None) -> None:
        super().__init__("Export sample manifest", samples, parent)
        self.out = PathField(
            "Sample manifest", folder / "sample.csv", kind="save", filters="CSV (*.csv);;JSON (*.json)"
        )
        self.form.addRow("Write to *", self.out)
        self.note.setText("One row per clip with inclusion probabilities, design weights and coders (CSV), or the"
                          " manifest with its provenance (JSON).")  # fmt: skip

    def arguments(self) -> list[str] | None:
        if self.sample_id() is None or not self.out.value():
            return None
        return ["sample", "export", self.sample_id(), "--out", self.out.value()]  # type: ignore[list-item]


class ResearchExportForm(SampleForm):
    """A research dataset: pseudonymised by a key file the user keeps (never stored in the workspace)."""

    def __init__(self, samples: list[tuple[int, str]], folder: Path, parent: QWidget | None = None) -> None:
        super().__init__("Research export", samples, parent)
        self.format = QComboBox()
        for fmt, label in (
            ("csv", "CSV (R, Stata, pandas)"),
            ("tsv", "TSV"),
            ("jsonl", "JSON Lines"),
            ("eaf", "ELAN .eaf"),
        ):
            self.format.addItem(label, fmt)
        self.out = PathField("Export folder (new or empty)", folder, kind="folder")
        # Keys are looked for and made in the user's home, not beside the workspace: whoever copies the workspace's
        # folder must not get the key with it.
        self.key = PathField("Pseudonymisation key", Path.home(), filters="Key files (*.key);;All files (*)")
        make_key = QPushButton("Create a new key…")
        make_key.clicked.connect(self.create_key)
        key_row = QWidget()
        row = QHBoxLayout(key_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.key, 1)
        row.addWidget(make_key)
        self.dates = QComboBox()
        for value, label in (
            ("day", "Coarsened to the day"),
            ("week", "ISO week"),
            ("month", "Month"),
            ("exact", "Exact (audited)"),
        ):
            self.dates.addItem(label, value)
        self.keep_text = QCheckBox("Keep free text (notes, text answers), identifiers pseudonymised")
        self.form.addRow("Format", self.format)
        self.form.addRow("Folder *", self.out)
        self.form.addRow("Key file *", key_row)
        self.form.addRow("Dates", self.dates)
        self.form.addRow("", self.keep_text)
        self.note.setText(
            "Every person and place identifier is replaced by a keyed pseudonym. Keep the key file safe and out of"
            " the workspace: the same key gives the same pseudonyms in later exports."
        )

    def create_key(self) -> None:
        from bwvtool.export.pseudonym import generate_key_file

        path, _ = QFileDialog.getSaveFileName(
            self, "New pseudonymisation key", str(self.key.start / "study.key")
        )
        if not path:
            return
        try:
            fingerprint = generate_key_file(path)
        except BwvError as exc:
            QMessageBox.warning(self, "New key", str(exc))
            return
        self.key.edit.setText(path)
        self.note.setText(f"New key written to {path} (fingerprint {fingerprint}). Keep it safe.")

    def arguments(self) -> list[str] | None:
        if self.sample_id() is None or not self.out.value() or not self.key.value():
            return None
        args = ["export", "sample", self.sample_id(), "--format", self.format.currentData(),
                "--out", self.out.value(), "--pseudonymise", self.key.value()]  # fmt: skip
        dates = self.dates.currentData()
        args += ["--exact-dates"] if dates == "exact" else ["--coarsen-dates", dates]
        if self.keep_text.isChecked():
            args.append("--keep-text")
        return args  # type: ignore[return-value]


class CheckMediaForm(JobForm):
    """Every clip's media, or one sample's: present, readable, and the catalogued file."""

    def __init__(self, samples: list[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__("Check media", parent)
        self.scope = QComboBox()
        self.scope.addItem("Every clip in the catalogue", None)
        for sample_id, label in samples:
            self.scope.addItem(f"Clips of sample {label}", sample_id)
        self.form.addRow("Clips", self.scope)
        self.note.setText(
            "Each file is hashed (SHA-256) and probed; its status shows in the catalogue and on the desk. Hashing"
            " runs outside the workspace's lock: reviewers keep coding."
        )

    def arguments(self) -> list[str] | None:
        sample = self.scope.currentData()
        return ["media", "check", "--all"] if sample is None else ["media", "check", "--sample", str(sample)]
