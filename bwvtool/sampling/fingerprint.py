"""What a draw read from the catalogue, clip by clip and field by field, so that a later check can name what changed.

A draw reads some catalogue fields of the clips in its date window (the ids, the recording time, the duration,
and every field its plan's rules and strata name). The fingerprint keeps, for each of those clips, a 32-bit digest
of each field's value *as the draw read it* (a vocabulary field outside its vocabulary reads as missing, a date as
seconds), and a SHA-256 over all of them. :func:`compare` then names the clips added, removed and changed, and the
fields that changed on each. Digests are computed with numpy over whole columns (no Python loop per clip), and the
same value always gives the same digest on any machine (no per-process hash seeds).

Stored content-addressed (layout 2): the clip ids read and each field's digests are separate blobs, each keyed by
the SHA-256 of its kind and content (:func:`blob_key`), and the fingerprint's own SHA-256 is taken over those keys. Draws that read the same
values share blobs, so a draw writes only the blobs no earlier draw wrote: nothing after another draw of the same
catalogue, one field's digests after an edit of that field (instead of every field of every clip, ~45 MB at a
million clips). Fingerprints stored before that (layout 1) keep one clips × fields matrix, hashed as such.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bwvtool.store import value_digests as digests

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from bwvtool.sampling.columns import Columns

LISTED = 10  # clips named in a message (the JSON result lists them all)
LAYOUT = 2  # how new fingerprints are stored (see the module docstring)
IDS, DIGESTS = "ids", "digests"  # the kinds of blob: zlib of the ids one a line; little-endian uint32 digests
# A digests blob stored as the rows where it differs from another digests blob of the same clips, stored whole
# (its key is still that of its whole content): what the first draw after an edit writes.
PATCH = "digests-patch"
PATCH_SHARE = 16  # a patch holds at most 1/16 of the rows; more changed and the digests are stored whole


@dataclass
class Fingerprint:
    """Per clip and field, a 32-bit digest of the value a draw read. Clips are in the order the draw read them
    (layout-1 fingerprints stored before that are sorted by id): :func:`compare` matches clips by id, whatever
    the order. ``columns[j]`` holds the digests of ``fields[j]``, one per clip."""

    fields: list[str]
    clip_ids: np.ndarray  # numpy unicode, or UTF-8 bytes (S) as the column snapshot keeps them
    columns: list[np.ndarray]  # uint32, one per field
    layout: int = LAYOUT
    stored_ids: bytes | None = field(default=None, repr=False)  # read back: the ids text as stored

    @functools.cached_property
    def _ids_text(self) -> bytes:
        # Read back, the ids blob's own text is what its key must hash (not the text joined again from the ids
        # cut apart: a million ids each way cost a verify ~0.06 s)
        return self.stored_ids if self.stored_ids is not None else joined_lines(self.clip_ids)

    @functools.cached_property
    def ids_key(self) -> str:
        return blob_key(IDS, self._ids_text)

    @functools.cached_property
    def _column_data(self) -> list[np.ndarray]:
        """Each field's digests as stored: contiguous little-endian uint32, hashed in place (bytes are made only
        for a blob that is stored)."""
        import numpy as np

        return [np.ascontiguousarray(c, dtype="<u4") for c in self.columns]

    @functools.cached_property
    def column_keys(self) -> list[str]:
        return [blob_key(DIGESTS, c) for c in self._column_data]

    @functools.cached_property
    def sha256(self) -> str:
        if self.layout == 1:  # over the ids text and the clips × fields matrix, as stored then
            import numpy as np

            body = hashlib.sha256("\n".join(self.fields).encode("utf-8") + b"\x00")
            body.update(self._ids_text + b"\x00")
            matrix = np.stack(self.columns, axis=1) if self.columns else np.zeros((0, 0), dtype=np.uint32)
            body.update(matrix.astype("<u4").tobytes())
            return body.hexdigest()
        head = f"bwvtool fingerprint {self.layout}\x00" + "\n".join(self.fields) + "\x00"
        return hashlib.sha256(
            (head + "\n".join([self.ids_key, *self.column_keys])).encode("utf-8")
        ).hexdigest()

    def parts(self) -> dict[str, Any]:
        """What a stored fingerprint row names: its layout and the keys of its blobs."""
        return {"layout": self.layout, "ids": self.ids_key, "digests": self.column_keys}

    def blob(self, key: str) -> tuple[str, bytes]:
        """(kind, stored bytes) of the blob ``key`` names: the ids compressed (they repeat a pattern), the digests
        raw (random bits do not compress, and trying costs a large draw seconds)."""
        if key == self.ids_key:
            return IDS, zlib.compress(self._ids_text, 1)
        return DIGESTS, self._column_data[self.column_keys.index(key)].tobytes()

    @classmethod
    def unpack(cls, fields: list[str], ids: bytes, digests: bytes) -> Fingerprint:
        """A layout-1 fingerprint: its ids (zlib) and its clips × fields matrix of digests."""
        import numpy as np

        clip_ids = _lines(zlib.decompress(ids))
        matrix = np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(clip_ids.shape[0], len(fields))
        return cls(fields, clip_ids, [np.ascontiguousarray(matrix[:, j]) for j in range(len(fields))], 1)

    @classmethod
    def from_blobs(cls, fields: list[str], ids: bytes, columns: list[bytes]) -> Fingerprint:
        """A layout-2 fingerprint from its blobs' whole content (see :func:`contents`; its keys and hash are
        recomputed from it)."""
        import numpy as np

        digests = [np.frombuffer(c, dtype="<u4").astype(np.uint32, copy=False) for c in columns]
        return cls(fields, _lines(ids), digests, stored_ids=ids)

    def summary(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "fields": self.fields, "clips": int(self.clip_ids.shape[0])}


def as_patch(base_key: str, base: bytes, content: bytes) -> bytes | None:
    """``content`` (digests) as a patch of ``base`` (the whole digests of the same clips, stored under
    ``base_key``): the base's key, then the changed rows' positions and digests; None when too many differ."""
    import numpy as np

    old, new = np.frombuffer(base, dtype="<u4"), np.frombuffer(content, dtype="<u4")
    if old.shape != new.shape:
        return None
    at = np.flatnonzero(old != new)
    if at.shape[0] > old.shape[0] // PATCH_SHARE:
        return None
    return base_key.encode("ascii") + at.astype("<u4").tobytes() + new[at].tobytes()


def patch_base(patch: bytes) -> str:
    """The key of the whole digests blob a patch applies to."""
    return patch[:64].decode("ascii")


def patched(patch: bytes, base: bytes) -> bytes:
    """The whole digests a patch stands for, given its base's."""
    import numpy as np

    body = patch[64:]
    count = len(body) // 8
    digests = np.frombuffer(base, dtype="<u4").copy()
    digests[np.frombuffer(body[: 4 * count], dtype="<u4")] = np.frombuffer(body[4 * count :], dtype="<u4")
    return digests.tobytes()


def contents(
    blobs: dict[str, tuple[str, bytes]], fetch: Callable[[list[str]], dict[str, tuple[str, bytes]]]
) -> dict[str, bytes]:
    """The whole content of each stored blob (ids decompressed, patches applied to their bases, which ``fetch``
    reads when they are not among ``blobs``)."""
    bases = {patch_base(data) for kind, data in blobs.values() if kind == PATCH} - set(blobs)
    found = {**blobs, **(fetch(sorted(bases)) if bases else {})}
    out: dict[str, bytes] = {}
    for key, (kind, data) in blobs.items():
        if kind == IDS:
            out[key] = zlib.decompress(data)
        elif kind == PATCH:
            base = found.get(patch_base(data))
            if base is not None and base[0] == DIGESTS:
                out[key] = patched(data, base[1])
        else:
            out[key] = data
    return out


def blob_key(kind: str, content: bytes | np.ndarray) -> str:
    """The key of a blob: SHA-256 over its kind and its content (uncompressed), so no two kinds share a key (an
    empty window's ids and digests would)."""
    body = hashlib.sha256(kind.encode("ascii") + b"\x00")
    body.update(content)
    return body.hexdigest()


def _lines(text: bytes) -> np.ndarray:
    """Ids joined one a line (UTF-8) as an array: ASCII ids of one length (the usual) as UTF-8 bytes (``S``, cut
    apart in numpy without a Python string per id: a million ids in milliseconds, not 0.1 s), anything else as
    numpy unicode; either reads as the same ids."""
    import numpy as np

    raw = np.frombuffer(text, dtype=np.uint8)
    ends = np.flatnonzero(raw == 0x0A)
    width = int(ends[0]) if ends.shape[0] else raw.shape[0]
    count = ends.shape[0] + 1
    if (
        width > 0
        and count * (width + 1) - 1 == raw.shape[0]
        and np.array_equal(ends, np.arange(width, raw.shape[0], width + 1))
        and int(raw.max()) < 0x80
    ):
        grid = np.append(raw, np.uint8(0x0A)).reshape(count, width + 1)[:, :width]
        return np.ascontiguousarray(grid).view(np.dtype(("S", width))).reshape(-1)
    decoded = text.decode("utf-8")
    return np.array(decoded.split("\n") if decoded else [], dtype=str)


def of_columns(cols: Columns) -> Fingerprint:
    """The fingerprint of the columns a draw read. Digests the column snapshot keeps (``cols.digests``, for the
    rows read) are taken as they are; the rest are computed here."""
    import numpy as np

    made = cols.digests
    named: dict[str, Callable[[], np.ndarray]] = {
        "incident_id": lambda: digests.of_ids(cols.incident_id, "incident_id"),
        "recorded_at": lambda: digests.of_integers(cols.recorded_ts, "recorded_at"),
        "duration_s": lambda: digests.of_numbers(cols.duration_s, "duration_s"),
    }
    for name, mask in cols.masks.items():
        named[name] = functools.partial(digests.of_integers, mask, name)
    for name, coded in cols.coded.items():
        named[name] = functools.partial(digests.of_codes, coded.codes, coded.categories, name)
    for name, values in cols.numbers.items():
        named[name] = functools.partial(digests.of_numbers, values, name)
    for name, flags in cols.flags.items():
        named[name] = functools.partial(digests.of_integers, flags, name)
    fields = sorted(named)
    ids = np.asarray(cols.id_array("clip_id"))
    if ids.dtype.kind not in "US":
        ids = ids.astype(str)
    return Fingerprint(fields, ids, [made[n] if n in made else named[n]() for n in fields])


def compare(then: Fingerprint, now: Fingerprint) -> dict[str, Any]:
    """The clips added, removed and changed since ``then`` (each changed clip with its fields), and per field how
    many clips changed. Empty lists everywhere: the draw read the same values."""
    import numpy as np

    then_ids, now_ids = _unicode(then.clip_ids), _unicode(now.clip_ids)
    added = np.setdiff1d(now_ids, then_ids).tolist()
    removed = np.setdiff1d(then_ids, now_ids).tolist()
    _, a, b = np.intersect1d(then_ids, now_ids, assume_unique=True, return_indices=True)
    shared = [f for f in then.fields if f in now.fields]
    differ = np.zeros((a.shape[0], len(shared)), dtype=bool)
    for j, name in enumerate(shared):
        differ[:, j] = then.columns[then.fields.index(name)][a] != now.columns[now.fields.index(name)][b]
    rows = np.flatnonzero(differ.any(axis=1))
    changed = {
        str(then_ids[a[r]]): [shared[j] for j in np.flatnonzero(differ[r]).tolist()] for r in rows.tolist()
    }
    by_field = {f: int(n) for f, n in zip(shared, differ.sum(axis=0).tolist(), strict=True) if n}
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "fields": by_field,
        "fields_read": sorted(set(then.fields) ^ set(now.fields)),
    }


def describe(changes: dict[str, Any]) -> str:
    """The changes of :func:`compare` in one sentence (at most :data:`LISTED` clips named per kind)."""
    parts = []
    changed = changes["changed"]
    if changed:
        named = "; ".join(f"{clip}: {', '.join(fields)}" for clip, fields in list(changed.items())[:LISTED])
        more = f"; and {len(changed) - LISTED} more" if len(changed) > LISTED else ""
        parts.append(f"{len(changed)} clip(s) changed ({named}{more})")
    for kind in ("added", "removed"):
        clips = changes[kind]
        if clips:
            more = f" and {len(clips) - LISTED} more" if len(clips) > LISTED else ""
            parts.append(f"{len(clips)} clip(s) {kind} ({', '.join(clips[:LISTED])}{more})")
    if changes["fields"]:
        parts.append(
            "fields that differ: " + ", ".join(f"{f} ({n} clips)" for f, n in changes["fields"].items())
        )
    return "; ".join(parts) or "no field the plan reads changed"


def differs(changes: dict[str, Any]) -> bool:
    return bool(changes["added"] or changes["removed"] or changes["changed"] or changes["fields_read"])


def joined_lines(ids: np.ndarray) -> bytes:
    """``"\\n".join(ids).encode("utf-8")`` for a numpy unicode array, or for ids as UTF-8 bytes (``S``, as the
    column snapshot keeps them): ASCII ids and bytes (the usual) are joined in numpy without a Python string per
    id; anything else the plain way."""
    import numpy as np

    text = np.ascontiguousarray(ids)
    count = text.shape[0]
    if text.dtype.kind == "S":  # UTF-8 already: its bytes are the lines' bytes
        width = text.dtype.itemsize
        points = text.view(np.uint8).reshape(count, width)
    else:
        width = text.dtype.itemsize // 4 if text.dtype.kind == "U" else 0
        if count == 0 or width == 0:
            return "\n".join(text.tolist()).encode("utf-8")
        points = text.view(np.uint32).reshape(count, width)
        if int(points.max()) >= 0x80:
            return "\n".join(text.tolist()).encode("utf-8")
    if count == 0:
        return b""
    lengths = np.char.str_len(text)
    padded = np.zeros((count, width + 1), dtype=np.uint8)
    padded[:, :width] = points
    padded[np.arange(count), lengths] = 0x0A  # a line end right after each id
    if int(lengths.min()) == width:  # ids of one length: nothing to cut out
        return padded.tobytes()[:-1]
    keep = np.arange(width + 1) <= lengths[:, None]
    return padded[keep].tobytes()[:-1]


def _unicode(ids: np.ndarray) -> np.ndarray:
    """Ids as numpy unicode (those kept as the snapshot's UTF-8 bytes decoded), for comparing by id."""
    from bwvtool.store.snapshot import Octets

    return Octets(ids).unicode() if ids.dtype.kind == "S" else ids
