"""Checking a stored sample: its rows against its manifest, and a redraw against the manifest.

Outcomes (and the command's exit code):

* ``identical`` (0): the redraw matches the stored manifest byte for byte;
* ``catalogue_changed`` (1): the stored sample is intact, but what the draw read is not what it was. With the
  fingerprint a sample keeps (:mod:`bwvtool.sampling.fingerprint`) the result names the clips added, removed and
  changed and the fields that changed; when every value read is the same, the earlier samples or reviews that the
  plan excludes changed instead (``cause``: ``catalogue`` or ``exclusions``);
* ``differs`` (2): the draw read exactly the same values and still came out different — the software draws
  differently (another bwvtool or numpy);
* ``altered`` (2): the stored sample does not match its own hashes — the workspace was edited outside bwvtool.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from bwvtool.sampling import engine, fingerprint, manifest
from bwvtool.store import samples as store

if TYPE_CHECKING:
    from bwvtool.store import Workspace


def verify(ws: Workspace, sample_id: int, actor: str | None = None) -> dict[str, Any]:
    """Verify sample ``sample_id`` (see the module docstring for the outcomes); the result is audited."""
    sample = engine.get_sample(ws, sample_id)
    stored = sample["report"]["manifest"]
    problems = _integrity_problems(ws, sample, stored)
    result: dict[str, Any] = {
        "sample_id": sample_id,
        "stored_manifest_sha256": sample["manifest_sha256"],
        "frame_then": {"size": stored["frame"]["size"], "sha256": stored["frame"]["sha256"]},
    }
    if problems:
        result |= {"ok": False, "status": "altered", "message": "; ".join(problems)}
    else:
        redrawn = engine.redraw(ws, sample)
        frame_now = redrawn.manifest["frame"]
        result["redrawn_manifest_sha256"] = redrawn.manifest_sha256
        result["frame_now"] = {"size": frame_now["size"], "sha256": frame_now["sha256"]}
        if redrawn.manifest_sha256 == sample["manifest_sha256"]:
            result |= {
                "ok": True,
                "status": "identical",
                "message": "the redraw matches the stored manifest byte for byte",
            }
        else:
            result |= _explain(ws, sample, stored, redrawn)
    with ws.transaction(actor) as tx:
        tx.audit(
            "sample.verify",
            "sample",
            str(sample_id),
            {k: result.get(k) for k in ("status", "stored_manifest_sha256", "redrawn_manifest_sha256")},
        )
    return result


def _explain(
    ws: Workspace, sample: dict[str, Any], stored: dict[str, Any], redrawn: engine.Draw
) -> dict[str, Any]:
    """Why a redraw differs: the catalogue (naming clips and fields), the exclusions, or the software."""
    kept = store.get_fingerprint(ws.conn, sample["id"])
    frame_then, frame_now = stored["frame"], redrawn.manifest["frame"]
    then = _stored_fingerprint(ws, kept)
    if then is not None and redrawn.cols is not None:
        changes = fingerprint.compare(then, fingerprint.of_columns(redrawn.cols))
        if fingerprint.differs(changes):
            return {
                "ok": False,
                "status": "catalogue_changed",
                "cause": "catalogue",
                "changes": changes,
                "message": (
                    f"the catalogue changed since the draw: {fingerprint.describe(changes)}; the frame had "
                    f"{frame_then['size']} units, now {frame_now['size']}; the stored sample itself is intact"
                ),
            }
        catalogue_same = True
    else:  # drawn before fingerprints: only the frame's ids can tell
        catalogue_same = frame_now["candidates"] == frame_then["candidates"]
    if frame_now["sha256"] != frame_then["sha256"]:
        cause = (
            "the earlier samples or reviews it excludes changed"
            if catalogue_same
            else "the catalogue changed"
        )
        return {
            "ok": False,
            "status": "catalogue_changed",
            "cause": "exclusions" if catalogue_same else "catalogue",
            "message": (
                f"{cause} since the draw: the frame had {frame_then['size']} units, now {frame_now['size']} (frame "
                f"hash {frame_then['sha256'][:12]}… → {frame_now['sha256'][:12]}…); the stored sample itself is intact"
            ),
        }
    then_software = sample["report"].get("software", {})
    return {
        "ok": False,
        "status": "differs",
        "message": (
            "the draw read exactly the same catalogue values and exclusions, yet came out different in: "
            f"{', '.join(_differing_parts(stored, redrawn.manifest))}: the software draws differently "
            f"(drawn with {then_software})"
        ),
    }


def _integrity_problems(ws: Workspace, sample: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    problems = []
    if manifest.sha256(stored) != sample["manifest_sha256"]:
        problems.append("the stored manifest does not match its hash")
    if hashlib.sha256(sample["plan_text"].encode("utf-8")).hexdigest() != sample["plan_sha256"]:
        problems.append("the stored plan text does not match its hash")
    rows = store.stored_rows(ws.conn, sample["id"])
    expected = {
        "strata": manifest.strata_rows(stored),
        "items": manifest.item_rows(stored),
        "assignments": manifest.assignment_rows(stored),
    }
    for part, wanted in expected.items():
        if sorted(map(tuple, rows[part]), key=repr) != sorted(map(tuple, wanted), key=repr):
            problems.append(f"the stored {part} do not match the manifest")
    kept = store.get_fingerprint(ws.conn, sample["id"])
    if kept is not None:
        unpacked = _stored_fingerprint(ws, kept)
        recorded = sample["report"].get("fingerprint", {}).get("sha256")
        if unpacked is None or not unpacked.sha256 == kept["sha256"] == recorded:
            problems.append("the stored fingerprint of the catalogue does not match its hash")
    return problems


def _stored_fingerprint(ws: Workspace, kept: dict[str, Any] | None) -> fingerprint.Fingerprint | None:
    """The fingerprint a sample keeps, as stored in either layout (its hash recomputed from the stored content, so
    an altered blob shows as a hash that does not match); None when it has none or a blob is missing."""
    if kept is None:
        return None
    parts = kept["parts"]
    if parts is None:  # stored before blobs: the ids and digests are in the row
        return fingerprint.Fingerprint.unpack(kept["fields"], kept["clip_ids"], kept["digests"])
    keys = [parts["ids"], *parts["digests"]]
    found = fingerprint.contents(store.get_blobs(ws.conn, keys), lambda more: store.get_blobs(ws.conn, more))
    if len(found) < len(set(keys)):
        return None
    return fingerprint.Fingerprint.from_blobs(
        kept["fields"], found[parts["ids"]], [found[key] for key in parts["digests"]]
    )


def _differing_parts(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)) or ["(key order)"]
