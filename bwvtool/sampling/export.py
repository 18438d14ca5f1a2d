"""Exporting a sample: a CSV of its clips with weights and coders, or its JSON manifest with provenance."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwvtool.errors import UsageError
from bwvtool.sampling import engine

if TYPE_CHECKING:
    from bwvtool.store import Workspace

CSV_COLUMNS = (
    "sample_id", "draw_order", "unit_id", "clip_id", "incident_id", "recorded_at", "duration_s", "officer_ref",
    "stratum", "selection", "inclusion_prob", "design_weight", "coder", "reliability_coder",
)  # fmt: skip


def provenance(sample: dict[str, Any]) -> dict[str, Any]:
    """Who drew the sample, when, from what: everything except the manifest itself."""
    report = sample["report"]
    return {
        "sample_id": sample["id"],
        "name": sample["name"],
        "unit": sample["unit"],
        "codebook": sample.get("codebook"),
        "plan_sha256": sample["plan_sha256"],
        "plan_text": sample["plan_text"],
        "seed": sample["seed"],
        "seed_source": report.get("seed_source"),
        "as_of": report["as_of"],
        "drawn_at": sample["drawn_at"],
        "drawn_by": sample["drawn_by"],
        "frame_size": sample["frame_size"],
        "frame_sha256": sample["frame_sha256"],
        "manifest_sha256": sample["manifest_sha256"],
        "software": report.get("software"),
    }


def export_sample(ws: Workspace, sample_id: int, out: str | Path, actor: str | None = None) -> dict[str, Any]:
    """Write sample ``sample_id`` to ``out``: ``.csv`` (one row per clip) or ``.json`` (provenance + manifest).

    :raises UsageError: unknown sample or an extension other than .csv/.json.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise UsageError(f"export to .csv or .json, not {out.name!r}")
    sample = engine.get_sample(ws, sample_id)
    temp = out.with_name(f".{out.name}.part")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        rows = engine.sample_items(ws, sample_id)
        with temp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({"sample_id": sample_id, **row})
        count = len(rows)
    else:
        body = {"sample": provenance(sample), "manifest": sample["report"]["manifest"]}
        temp.write_text(
            json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
        )
        count = len(body["manifest"]["items"])
    os.replace(temp, out)  # never leave a half-written export under the real name
    with ws.transaction(actor) as tx:
        tx.audit("sample.export", "sample", str(sample_id), {"path": str(out.resolve()), "rows": count})
    return {"sample_id": sample_id, "path": str(out), "format": suffix[1:], "rows": count}
