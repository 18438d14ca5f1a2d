"""Multi-camera incidents in a workspace: align an incident's clips, show and nudge the result, code on its clock.

Aligning decodes every clip's sound at once (one ffmpeg per clip, as many at a time as there are cores) outside
any transaction, matches them (:mod:`bwvtool.incidents.align`) and stores the result in one short transaction,
so reviewers keep coding meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bwvtool.errors import BwvError, UsageError
from bwvtool.incidents.align import DEFAULT_SEARCH_S, Alignment, ClipSound, align
from bwvtool.incidents.sound import RATE, decode
from bwvtool.incidents.timeline import METHOD_LABELS, Placement
from bwvtool.store import Workspace
from bwvtool.store import incidents as rows
from bwvtool.timeutil import parse_iso

Progress = Callable[[str, int, int], None]  # text, steps done, steps in all


@dataclass(frozen=True)
class _Decoded:
    sound: ClipSound
    frame_ms: float | None
    problem: str | None


def catalogue_offsets(clips: list[dict[str, Any]]) -> dict[str, float]:
    """Each clip's ``recorded_at`` in ms after the earliest of them (incident time 0)."""
    starts = {c["clip_id"]: parse_iso(c["recorded_at"]).timestamp() * 1000 for c in clips}
    origin = min(starts.values())
    return {clip_id: round(at - origin, 3) for clip_id, at in starts.items()}


def clips_to_align(ws: Workspace, incident_id: str) -> list[dict[str, Any]]:
    """The incident's clips. :raises UsageError: no such incident, or fewer than two clips."""
    if not rows.exists(ws.conn, incident_id):
        raise UsageError(f"no incident {incident_id} in the catalogue")
    found = rows.clips(ws.conn, incident_id)
    if len(found) < 2:
        raise UsageError(f"incident {incident_id} has {len(found)} clip: nothing to align")
    return found


def _decode(clip: dict[str, Any], offset_ms: float) -> _Decoded:
    """The clip's sound and frame length; a clip without readable media gets no sound and the reason."""
    import numpy as np

    try:
        if not clip["media_path"]:
            raise UsageError("no media file in the catalogue")
        sound = decode(clip["media_path"])
    except BwvError as exc:
        problem = str(exc) if isinstance(exc, UsageError) else f"media unreadable: {exc}"
        empty = ClipSound(clip["clip_id"], offset_ms, np.zeros(0, dtype=np.float32), RATE)
        return _Decoded(empty, None, problem)
    frame_ms = 1000 / sound.fps if sound.fps else None
    return _Decoded(ClipSound(clip["clip_id"], offset_ms, sound.samples, sound.rate), frame_ms, None)


def align_incident(
    ws: Workspace,
    incident_id: str,
    *,
    actor: str | None = None,
    search_s: float = DEFAULT_SEARCH_S,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Align the incident's clips and store the result (audited); returns the stored rows, by offset.

    :raises UsageError: unknown incident or a single clip.
    """
    clips = clips_to_align(ws, incident_id)
    offsets = catalogue_offsets(clips)
    total = 2 * len(clips)
    done = 0

    def tick(text: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(f"{incident_id}: {text}", min(done, total), total)

    with ThreadPoolExecutor(max_workers=max(1, min(len(clips), os.cpu_count() or 1))) as pool:
        decoded = []
        for item in pool.map(lambda c: _decode(c, offsets[c["clip_id"]]), clips):
            decoded.append(item)
            tick(f"decoded the sound of {item.sound.clip_id}")
    matched: set[str] = set()

    def matching(clip_id: str) -> None:
        if clip_id not in matched:
            matched.add(clip_id)
            tick(f"matching {clip_id}")

    placed = align([d.sound for d in decoded], search_s=search_s, progress=matching)
    stored = []
    for item, alignment in zip(decoded, placed, strict=True):
        note = item.problem or alignment.note
        stored.append(_row(alignment, item.frame_ms, note))
    with ws.transaction(actor) as tx:
        rows.save(tx, incident_id, stored)
    if progress:
        progress(f"{incident_id}: aligned", total, total)
    return rows.alignments(ws.conn, incident_id)


def _row(alignment: Alignment, frame_ms: float | None, note: str | None) -> dict[str, Any]:
    return {
        "clip_id": alignment.clip_id,
        "offset_ms": alignment.offset_ms,
        "drift_ppm": alignment.drift_ppm,
        "method": alignment.method,
        "catalogue_offset_ms": alignment.catalogue_offset_ms,
        "confidence": alignment.confidence,
        "matched_to": alignment.matched_to,
        "windows": alignment.windows,
        "residual_ms": alignment.residual_ms,
        "note": note,
        "frame_ms": frame_ms,
    }


def placements(ws: Workspace, incident_id: str) -> dict[str, Placement]:
    """Each aligned clip's place on the incident clock. :raises UsageError: the incident is not aligned."""
    stored = rows.alignments(ws.conn, incident_id)
    if not stored:
        raise UsageError(
            f"incident {incident_id} is not aligned yet: run bwvtool incident align {incident_id}"
        )
    return {r["clip_id"]: Placement(r["clip_id"], r["offset_ms"], r["drift_ppm"]) for r in stored}


def describe(ws: Workspace, incident_id: str) -> dict[str, Any]:
    """The incident's clips with their alignment and coverage on incident time (ms), for ``incident show``."""
    clips = {c["clip_id"]: c for c in clips_to_align(ws, incident_id)}
    stored = {r["clip_id"]: r for r in rows.alignments(ws.conn, incident_id)}
    out = []
    for clip_id, clip in clips.items():
        row = stored.get(clip_id)
        entry: dict[str, Any] = {
            "clip_id": clip_id,
            "officer_ref": clip["officer_ref"],
            "camera_id": clip["camera_id"],
            "media_path": clip["media_path"],
        }
        if row is None:
            out.append(entry | {"method": None, "label": "not aligned"})
            continue
        place = Placement(clip_id, row["offset_ms"], row["drift_ppm"])
        start, end = place.span(float(clip["duration_s"]) * 1000)
        entry |= {k: row[k] for k in row if k not in ("incident_id",)}
        entry |= {"label": METHOD_LABELS[row["method"]], "start_ms": start, "end_ms": end}
        out.append(entry)
    out.sort(key=lambda e: (e.get("start_ms") is None, e.get("start_ms") or 0, e["clip_id"]))
    return {"incident_id": incident_id, "aligned": bool(stored), "clips": out}


def nudge(
    ws: Workspace, incident_id: str, clip_id: str, frames: int, *, actor: str | None = None
) -> dict[str, Any]:
    """Move ``clip_id`` so it shows ``frames`` frames further on at every incident time (negative: back),
    audited; returns its stored row. :raises UsageError: unknown or unaligned clip, no frame rate, 0 frames."""
    if frames == 0:
        raise UsageError("--frames must not be 0")
    stored = {r["clip_id"]: r for r in rows.alignments(ws.conn, incident_id)}
    if clip_id not in stored:
        if rows.incident_of(ws.conn, clip_id) != incident_id:
            raise UsageError(f"clip {clip_id} is not part of incident {incident_id}")
        raise UsageError(
            f"incident {incident_id} is not aligned yet: run bwvtool incident align {incident_id}"
        )
    row = stored[clip_id]
    if not row["frame_ms"]:
        raise UsageError(f"clip {clip_id} has no video frame rate on record: cannot nudge by frames")
    before = Placement(clip_id, row["offset_ms"], row["drift_ppm"])
    after = before.nudged(frames, row["frame_ms"])
    with ws.transaction(actor) as tx:
        rows.nudge(tx, clip_id, after.offset_ms, frames, before.offset_ms)
    return next(r for r in rows.alignments(ws.conn, incident_id) if r["clip_id"] == clip_id)


def aligned_incidents(ws: Workspace) -> list[str]:
    """Incidents with a stored alignment, newest recording first (what the app offers to open)."""
    return rows.aligned(ws.conn)
