"""``--hash``: check a catalogue row's media file (present, SHA-256 as catalogued, readable) during import."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bwvtool.errors import MediaError

OK, MISSING, MISMATCH, UNREADABLE = "ok", "missing", "mismatch", "unreadable"


@dataclass(frozen=True)
class MediaCheck:
    """The outcome for one file. ``sha256`` is the file's own hash (None when it could not be read)."""

    status: str
    path: Path
    sha256: str | None = None
    probe: str | None = None  # JSON text from bwvtool.media.probe
    detail: str | None = None


def resolve(media_path: str, media_root: Path) -> Path:
    """A catalogue media path: absolute as written, else relative to the media root."""
    path = Path(media_path)
    return path if path.is_absolute() else media_root / path


class FileFacts:
    """Hashes and probes of files already read in this import, keyed by path, size and modification time:
    catalogues name one file for several clips (one recording cut into parts, a re-export), and each file is
    read once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int, int], tuple[str | None, str | None, str | None]] = {}

    def read(self, path: Path) -> tuple[str | None, str | None, str | None]:
        """(sha256, probe JSON, problem) for ``path``."""
        from bwvtool.media.hashing import sha256_file
        from bwvtool.media.probe import probe

        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._seen:
            try:
                digest = sha256_file(path)
            except MediaError as exc:
                self._seen[key] = (None, None, str(exc))
                return self._seen[key]
            try:
                info = json.dumps(probe(path).as_dict(), sort_keys=True, default=str)
                self._seen[key] = (digest, info, None)
            except MediaError as exc:
                self._seen[key] = (digest, None, str(exc))
        return self._seen[key]


def check(
    media_path: str, expected_sha256: str | None, media_root: Path, facts: FileFacts | None = None
) -> MediaCheck:
    """Hash (streamed) and probe one file. Never raises for a bad file: the status says what was found."""
    path = resolve(media_path, media_root)
    if not path.is_file():
        return MediaCheck(MISSING, path, detail=f"no file at {path}")
    digest, info, problem = (facts or FileFacts()).read(path)
    if digest is None:
        return MediaCheck(UNREADABLE, path, detail=problem)
    if expected_sha256 is not None and digest != expected_sha256:
        return MediaCheck(
            MISMATCH, path, digest, detail=f"sha256 does not match the file {path.name} (file has {digest})"
        )
    if info is None:
        return MediaCheck(UNREADABLE, path, digest, detail=problem)
    return MediaCheck(OK, path, digest, info)
