"""SHA-256 check of the open clip against the catalogue, in the background so playback starts at once."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from bwvtool.errors import BwvError
from bwvtool.media.hashing import sha256_file
from bwvtool.ui.player.background import Background


class IntegrityCheck(QObject):
    """Hashes one file at a time in the background; a newer :meth:`start` makes older results void.

    Signals: ``verified(str sha256)`` when the file matches; ``failed(str message)`` on a mismatch or when the
    file cannot be read.
    """

    verified = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._expected = ""
        self._name = ""
        self._state = "none"
        self._background = Background(self)

    @property
    def state(self) -> str:
        """``"none"`` (nothing to check), ``"checking"``, ``"ok"`` or ``"failed"``."""
        return self._state

    def start(self, path: Path, expected_sha256: str | None) -> None:
        """Check ``path`` against ``expected_sha256`` (hex, any case); ``None`` or empty means no check."""
        self._generation += 1
        if not expected_sha256:
            self._state = "none"
            return
        self._state = "checking"
        self._expected = expected_sha256.strip().lower()
        self._name = path.name
        generation = self._generation
        self._background.run(
            lambda: sha256_file(path),
            lambda actual, error: self._on_done(generation, actual, error),
            "sha256",
        )

    def cancel(self) -> None:
        """Forget the running check (its result will be ignored)."""
        self._generation += 1
        self._state = "none"

    def _on_done(self, generation: int, actual: str | None, error: BaseException | None) -> None:
        if generation != self._generation:
            return
        if error is not None:
            self._state = "failed"
            problem = str(error) if isinstance(error, BwvError) else f"{self._name}: {error!r}"
            self.failed.emit(f"Integrity check failed: {problem}")
        elif actual != self._expected:
            self._state = "failed"
            self.failed.emit(
                f"Integrity check failed: {self._name} does not match the catalogue "
                f"(SHA-256 {actual[:12]}…, expected {self._expected[:12]}…). Do not code this clip."
            )
        else:
            self._state = "ok"
            self.verified.emit(actual)
