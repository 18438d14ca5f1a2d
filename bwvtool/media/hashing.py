"""SHA-256 of media files, streamed so multi-gigabyte clips never sit in memory."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bwvtool.errors import MediaError


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of the file at ``path``, read ``chunk`` bytes at a time.

    :raises MediaError: when the file is missing or unreadable.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(chunk):
                digest.update(block)
    except FileNotFoundError:
        raise MediaError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise MediaError(f"{path}: not a file") from None
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return digest.hexdigest()
