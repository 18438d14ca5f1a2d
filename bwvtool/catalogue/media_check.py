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


def check(media_path: str, expected_sha256: str | None, media_root: Path) -> MediaCheck:
    """Hash (streamed) and probe one file. Never raises for a bad file: the status says what was found."""
    from bwvtool.media.hashing import sha256_file
    from bwvtool.media.probe import probe

    path = resolve(media_path, media_root)
    if not path.is_file():
        return MediaCheck(MISSING, path, detail=f"no file at {path}")
    try:
        digest = sha256_file(path)
    except MediaError as exc:
        return MediaCheck(UNREADABLE, path, detail=str(exc))
    if expected_sha256 is not None and digest != expected_sha256:
        return MediaCheck(
            MISMATCH, path, digest, detail=f"sha256 does not match the file {path.name} (file has {digest})"
        )
    try:
        info = probe(path).as_dict()
    except MediaError as exc:
        return MediaCheck(UNREADABLE, path, digest, detail=str(exc))
    return MediaCheck(OK, path, digest, json.dumps(info, sort_keys=True, default=str))
