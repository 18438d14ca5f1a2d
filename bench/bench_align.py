"""Multi-camera alignment speed and accuracy: a 4-camera, 10-minute incident, beside ffmpeg decoding its audio alone.

The incident is generated here into a temporary folder (bwvtool.media.synth_incident: 25 and 29.97 fps, one clock
100 ppm fast, a silent 30 s pre-event buffer, catalogue clocks up to 2.3 s out; 320x180 video, 16 kHz AAC) and its
catalogue imported into a fresh workspace. Interleaved runs:

* align: ``bwvtool incident align INC`` in a fresh process (start-up, imports, decoding all four clips' sound,
  matching, drift fits, storing), wall time (what a user waits for) and CPU seconds (its own and its ffmpegs');
* baseline: ffmpeg alone decoding the four clips' audio to 8 kHz mono, four processes at once, wall and CPU.

The CPU figures do not stretch when other work shares the two cores; the load average is printed beside them.

Then the accuracy of the stored alignment against the generator's truth: for every camera, the largest distance
between where the alignment puts the camera and where it really was, over 2,000 incident times across its clip
(ms and frames), and the pixel code of the frame shown at 10 of those times (frames off). The issue asks for
≤ 5 s on 2 cores and every camera within one frame.

    python bench/bench_align.py [--minutes 10] [--cameras 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from figures import Figure, emit

INCIDENT = "INC-BENCH-1"


def _children_cpu() -> float:
    usage = resource.getrusage(
        resource.RUSAGE_CHILDREN
    )  # waited-for descendants, ffmpeg grandchildren included
    return usage.ru_utime + usage.ru_stime


def decode_only(paths: list[Path]) -> tuple[float, float]:
    from bwvtool.media.ffmpeg import ffmpeg_exe

    def one(path: Path) -> None:
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0", "-vn", "-ac", "1",
             "-ar", "8000", "-f", "f32le", "-"],
            stdout=subprocess.DEVNULL, check=True,
        )  # fmt: skip

    started, cpu = time.perf_counter(), _children_cpu()
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - started, _children_cpu() - cpu


def align_cli(db: Path) -> tuple[float, float]:
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(db), "incident", "align", INCIDENT],
        stdout=subprocess.DEVNULL, check=True, env={**os.environ, "BWVTOOL_USER": "bench"},
    )  # fmt: skip
    return time.perf_counter() - started, _children_cpu() - cpu


def accuracy(incident, db: Path) -> dict[str, dict]:
    """Per camera: max error in ms and frames over 2,000 incident times, and frames off by pixel code at 10."""
    import numpy as np

    from bwvtool.incidents.library import placements
    from bwvtool.media import framecode
    from bwvtool.media.frame import grab_frame
    from bwvtool.media.probe import frame_times
    from bwvtool.store import incidents as rows
    from bwvtool.store import open_workspace

    with open_workspace(db) as ws:
        places = placements(ws, INCIDENT)
        stored = {r["clip_id"]: r for r in rows.alignments(ws.conn, INCIDENT)}
    reference = next(c for c, r in stored.items() if r["method"] == "reference")
    ref_camera, ref_place = incident.camera(reference), places[reference]
    out = {}
    for camera in incident.cameras:
        place, fps = places[camera.clip_id], 1000 / stored[camera.clip_id]["frame_ms"]
        start, end = place.span(camera.seconds * 1000)
        at = np.linspace(start + 1, end - 1, 2000)
        scene = ref_camera.start_s + ref_place.camera_ms(at) / 1000 / ref_camera.rate
        truth_ms = (scene - camera.start_s) * camera.rate * 1000
        error_ms = np.abs(place.camera_ms(at) - truth_ms)
        path = incident.media(camera.clip_id)
        times = frame_times(path)
        off = []
        for t in np.linspace(start + 20, end - 60, 10):
            read = framecode.decode(grab_frame(path, place.camera_ms(t), times=times).rgb)
            truth = camera.frame_at(ref_camera.start_s + ref_place.camera_ms(t) / 1000 / ref_camera.rate)
            off.append(abs(read - truth))
        out[camera.clip_id] = {
            "method": stored[camera.clip_id]["method"],
            "max_error_ms": float(error_ms.max()),
            "max_error_frames": float(error_ms.max() * fps / 1000),
            "pixel_code_frames_off": max(off),
            "drift_ppm": stored[camera.clip_id]["drift_ppm"],
            "truth_drift_ppm": (camera.rate / ref_camera.rate - 1) * 1e6,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from bwvtool.catalogue.importer import import_catalogue
    from bwvtool.media.synth_incident import make_incident
    from bwvtool.store import open_workspace

    with tempfile.TemporaryDirectory(prefix="bwvtool-bench-align-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        incident = make_incident(
            folder / "media", seconds=args.minutes * 60, cameras=args.cameras, incident_id=INCIDENT
        )
        size = sum(incident.media(c.clip_id).stat().st_size for c in incident.cameras)
        print(
            f"generated {args.cameras} cameras × {args.minutes:g} min ({size / 1e6:.1f} MB) in "
            f"{time.perf_counter() - started:.0f} s; {os.cpu_count()} cores"
        )
        db = folder / "ws.sqlite"
        with open_workspace(db, create=True) as ws:
            import_catalogue(ws, incident.catalogue, actor="bench")
        paths = [incident.media(c.clip_id) for c in incident.cameras]
        decode_only(paths)  # warm the page cache for both sides
        aligned, decoded = [], []
        load_before = os.getloadavg()[0]
        for _ in range(args.repeat):
            aligned.append(align_cli(db))
            decoded.append(decode_only(paths))
        print(
            f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores: wall times stretch)"
        )
        what = f"incident align, {args.cameras} cameras × {args.minutes:g} min (fresh process)"
        baseline = f"ffmpeg decoding the {args.cameras} clips' audio alone (at once)"
        wall, cpu = ([a[i] for a in aligned] for i in (0, 1))
        emit(Figure("align", what, "s", wall, baseline, [d[0] for d in decoded], "≤ 5 s on 2 cores"))
        emit(Figure("align", what + ", CPU", "CPU s", cpu, baseline + ", CPU", [d[1] for d in decoded]))
        found = accuracy(incident, db)
        for clip_id, row in found.items():
            print(
                f"  {clip_id}: {row['method']:9} max error {row['max_error_ms']:6.2f} ms "
                f"({row['max_error_frames']:.3f} frames), pixel code off by {row['pixel_code_frames_off']} frames; "
                f"drift {row['drift_ppm']:+.1f} ppm (truth {row['truth_drift_ppm']:+.1f})"
            )
        print("ACCURACY " + json.dumps(found))


if __name__ == "__main__":
    main()
