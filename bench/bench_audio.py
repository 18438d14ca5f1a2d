"""Audio analysis speed: loudness + voice activity + waveform of a long recording, beside ffmpeg decoding its audio.

The recording is the generator's speech-like track (talk at three levels with pauses over a faint noise floor),
AAC in M4A at 48 kHz, as body-worn cameras record it. Interleaved runs, each in this process:

* analysis: :func:`bwvtool.audio.analyse.analyse_file` (one ffmpeg decode to PCM feeding the numpy EBU R128
  meter, Silero VAD on two worker threads, and the waveform bins), wall time;
* baseline: ffmpeg alone decoding the same audio to PCM (``-f f32le`` to a null sink), a separate process, wall time.

Printed: both as seconds and as multiples of real time (audio seconds per wall second), their ratio, and the CPU
seconds the analysis used (this process + ffmpeg). The issue asks for ≥ 200× real time on 2 cores.

    python bench/bench_audio.py [--minutes 10] [--repeat 5] [--stereo]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from figures import Figure, emit


def make_recording(folder: Path, minutes: float, stereo: bool) -> Path:
    from bwvtool.media import ffmpeg, speech

    wav = speech.write_wav(folder / "speech.wav", minutes * 60, seed=11)
    out = folder / "recording.m4a"
    channels = ["-af", "pan=stereo|c0=c0|c1=0.6*c0"] if stereo else []
    result = ffmpeg.run(["-y", "-i", str(wav), *channels, "-c:a", "aac", "-b:a", "96k", str(out)],
                        timeout_s=600, what="encoding the bench recording")  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(ffmpeg.error_line(result.stderr))
    wav.unlink()
    return out


def decode_only(path: Path) -> float:
    from bwvtool.media.ffmpeg import ffmpeg_exe

    started = time.perf_counter()
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0", "-f", "f32le", "-"],
        stdout=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stereo", action="store_true")
    args = parser.parse_args()
    from bwvtool.audio.analyse import analyse_file

    with tempfile.TemporaryDirectory(prefix="bench-audio-") as tmp:
        path = make_recording(Path(tmp), args.minutes, args.stereo)
        seconds = args.minutes * 60
        analyse_file(path)  # warm: imports, the VAD model, the file in the page cache
        analysis, decode, cpu = [], [], []
        for _ in range(args.repeat):
            decode.append(decode_only(path))
            before = cpu_seconds()
            started = time.perf_counter()
            tracks = analyse_file(path)
            analysis.append(time.perf_counter() - started)
            cpu.append(cpu_seconds() - before)
    load = os.getloadavg()[0]
    print(f"audio analysis of {args.minutes:g} min ({'stereo' if args.stereo else 'mono'} AAC 48 kHz), "
          f"{args.repeat} runs, {os.cpu_count()} cores, load {load:.1f}; {len(tracks.regions)} speech regions")  # fmt: skip
    emit(Figure("audio", f"analysis of {args.minutes:g} min (loudness + VAD + waveform)", "s", analysis,
                "ffmpeg decoding the audio alone", decode, target="≥ 200× real time"))  # fmt: skip
    best, typical = seconds / min(analysis), seconds / sorted(analysis)[len(analysis) // 2]
    floor = seconds / sorted(decode)[len(decode) // 2]
    print(f"  real time: analysis {typical:.0f}× (best {best:.0f}×), ffmpeg decode alone {floor:.0f}×")
    used = sorted(cpu)[len(cpu) // 2]
    cores = os.cpu_count() or 1
    print(f"  CPU: {used:.2f} s per run, this process + ffmpeg: {seconds / used:.0f}× real time per core, "
          f"at most {cores * seconds / used:.0f}× on {cores} otherwise idle cores")  # fmt: skip


if __name__ == "__main__":
    main()
