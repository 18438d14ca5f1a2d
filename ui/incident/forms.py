"""The form that starts an alignment job: ``bwvtool incident align INCIDENT`` or ``--sample ID``."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from bwvtool.ui.jobs.forms import JobForm


class AlignIncidentForm(JobForm):
    """One incident by id, or every multi-camera incident of a sample."""

    def __init__(
        self, samples: list[tuple[int, str]], incident_id: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__("Align incident", parent)
        self.scope = QComboBox()
        self.scope.addItem("One incident", None)
        for sample_id, label in samples:
            self.scope.addItem(f"Every multi-camera incident of sample {label}", sample_id)
        self.incident = QLineEdit(incident_id)
        self.incident.setPlaceholderText("incident id, e.g. INC-2026-0042")
        self.form.addRow("Incidents", self.scope)
        self.form.addRow("Incident id", self.incident)
        self.scope.currentIndexChanged.connect(
            lambda: self.incident.setEnabled(self.scope.currentData() is None)
        )
        self.note.setText(
            "Each clip's catalogue time is refined by matching the cameras' sound, with each camera's clock drift."
            " Clips with no sound in common keep the catalogue time and say so. Stored and audited; reviewers keep"
            " coding meanwhile."
        )

    def arguments(self) -> list[str] | None:
        sample = self.scope.currentData()
        if sample is not None:
            return ["incident", "align", "--sample", str(sample)]
        incident = self.incident.text().strip()
        return ["incident", "align", incident] if incident else None
