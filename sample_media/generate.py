"""Regenerate the committed sample clips and their manifest with bwvtool's own generator.

    python sample_media/generate.py            # all clips, into this folder
    python sample_media/generate.py --only framecode_720p25.mp4 --out /tmp/clips

Writes each clip, then ``clips.json`` (options, probe facts and SHA-256 of every clip) and ``README.md``.
The clips are small on purpose (under 10 MB together); make long or 1080p clips on demand with
``bwvtool media generate`` or :func:`bwvtool.media.synth.make_clip`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bwvtool.media import synth
from bwvtool.media.hashing import sha256_file
from bwvtool.media.probe import probe

HERE = Path(__file__).resolve().parent

# name, make_clip options, what the clip is for
CLIPS: list[tuple[str, dict, str]] = [
    (
        "framecode_720p25.mp4",
        {"seconds": 24, "fps": 25, "width": 1280, "height": 720, "seed": 1},
        "The main sample: 1280x720, 25 fps CFR, 2 s GOP, speech-like AAC audio with quiet, normal and "
        "shouted passages.",
    ),
    (
        "odd_2997fps_rot90.mp4",
        {"seconds": 6, "fps": "30000/1001", "width": 640, "height": 360, "rotate": 90, "seed": 2},
        "29.97 fps (30000/1001), stored 640x360 with a 90° display rotation: players show it 360x640 portrait.",
    ),
    (
        "odd_vfr_start10s.mp4",
        {"seconds": 8, "fps": 30, "width": 640, "height": 360, "vfr": True, "start_s": 10.5, "seed": 3},
        "Variable frame rate (30 fps nominal, half-rate and stuttering stretches) with timestamps starting "
        "at 10.5 s.",
    ),
    (
        "odd_60fps_noaudio.mp4",
        {"seconds": 4, "fps": 60, "width": 640, "height": 360, "audio": False, "gop_s": 1, "seed": 4},
        "60 fps, 1 s GOP, no audio track.",
    ),
]


def _facts(path: Path) -> dict:
    info = probe(path)
    video = info.video
    assert video is not None
    return {
        "duration_s": info.duration_s,
        "start_time_s": info.start_time_s,
        "video_start_time_s": video.start_time_s,
        "frames": video.frame_count,
        "fps": video.fps,
        "r_frame_rate": video.r_frame_rate,
        "is_vfr": video.is_vfr,
        "size": f"{video.width}x{video.height}",
        "display_size": f"{video.display_width}x{video.display_height}",
        "rotation": video.rotation,
        "has_audio": info.has_audio,
    }


def _readme(entries: list[dict]) -> str:
    rows = "\n".join(
        f"| `{e['name']}` | {e['facts']['display_size']} | {e['facts']['fps']} | {e['facts']['frames']} | "
        f"{'yes' if e['facts']['has_audio'] else 'no'} | {e['bytes'] / 1e6:.2f} MB | {e['about']} |"
        for e in entries
    )
    return f"""# Sample media

Synthetic body-worn-video-like clips made by bwvtool's own generator (`bwvtool.media.synth`), small enough to
commit. Every frame carries its frame index as a pixel code in the top band (`bwvtool.media.framecode`, decode
it with `framecode.decode(rgb)`), plus a visible time since the first frame (bottom left) and frame number
(bottom right). Audio, where present, is speech-like with quiet, normal and shouted passages.

| file | shown as | fps | frames | audio | size | what it is for |
|---|---|---|---|---|---|---|
{rows}

`clips.json` holds each clip's generator options, probe facts and SHA-256. Regenerate everything with
`python sample_media/generate.py`; make other cases (long, 1080p, other rates) with `bwvtool media generate`.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: this one)")
    parser.add_argument("--only", action="append", help="generate just this clip (repeatable)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, options, about in CLIPS:
        if args.only and name not in args.only:
            continue
        path = synth.make_clip(args.out / name, **options)
        entries.append(
            {
                "name": name,
                "about": about,
                "options": options,
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
                "facts": _facts(path),
            }
        )
        print(f"{path}: {entries[-1]['bytes']:,} bytes")
    if not args.only:
        (args.out / "clips.json").write_text(json.dumps(entries, indent=2) + "\n")
        (args.out / "README.md").write_text(_readme(entries))


if __name__ == "__main__":
    main()
