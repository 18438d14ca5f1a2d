"""Checking a stored sample: its rows against its manifest, and a redraw against the manifest.

Outcomes: ``identical`` (the redraw matches byte for byte); ``catalogue_changed`` (the stored sample is intact,
but the frame is not what it was: clips were added, changed or removed since the draw — or, when the clips before
exclusions are the same, the earlier samples or reviews it excludes changed — so the redraw cannot match);
``differs`` (same frame, different draw: the software changed); ``altered`` (the stored sample does not match its
own hashes — the workspace was edited outside bwvtool).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from bwvtool.sampling import engine, manifest
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
        elif frame_now["sha256"] != stored["frame"]["sha256"]:
            cause = (
                "the catalogue changed since the draw"
                if frame_now["candidates"] != stored["frame"]["candidates"]
                else "the earlier samples or reviews it excludes changed since the draw"
            )
            result |= {
                "ok": False,
                "status": "catalogue_changed",
                "message": (
                    f"{cause}: the frame had {stored['frame']['size']} units, now {frame_now['size']} (frame hash "
                    f"{stored['frame']['sha256'][:12]}… → {frame_now['sha256'][:12]}…); the stored sample itself "
                    "is intact"
                ),
            }
        else:
            then = sample["report"].get("software", {})
            result |= {
                "ok": False,
                "status": "differs",
                "message": (
                    f"same frame but a different draw in: {', '.join(_differing_parts(stored, redrawn.manifest))} "
                    f"(drawn with {then}; is this a different bwvtool or numpy?)"
                ),
            }
    with ws.transaction(actor) as tx:
        tx.audit(
            "sample.verify",
            "sample",
            str(sample_id),
            {k: result.get(k) for k in ("status", "stored_manifest_sha256", "redrawn_manifest_sha256")},
        )
    return result


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
    return problems


def _differing_parts(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)) or ["(key order)"]
