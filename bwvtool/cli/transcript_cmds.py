"""`bwvtool transcript` (import, show, search, suggest, auto) and `bwvtool suggestion` (list, accept, dismiss)."""

from __future__ import annotations

from pathlib import Path

import click

from bwvtool.cli.common import Settings, emit, json_option, pass_settings, table


def clock(ms: int) -> str:
    """12:34.5 (or 1:02:03.4 past an hour): how a reviewer reads a time in a clip."""
    seconds, tenths = divmod(round(ms / 100), 10)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{tenths}" if hours else f"{minutes}:{seconds:02d}.{tenths}"


@click.group("transcript")
def transcript_group() -> None:
    """Transcripts of clips: import WebVTT/SRT/Word, show, search the workspace, suggest language codes."""


@transcript_group.command("import")
@click.argument("clip_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@pass_settings
def transcript_import(settings: Settings, clip_id: str, file: Path, as_json: bool) -> None:
    """Store FILE (WebVTT, SRT or a Word .docx export) as CLIP_ID's next transcript version, with its times and speaker labels."""
    from bwvtool.transcripts.library import import_file

    with settings.workspace() as ws:
        found = import_file(ws, clip_id, file, actor=settings.user)
    t = found.transcript
    data = {"clip_id": clip_id, "version": t.version, "format": t.format, "utterances": len(found.utterances)}
    emit(as_json, data, f"Stored {found.label()}")


@transcript_group.command("show")
@click.argument("clip_id")
@click.option("--version", type=int, default=None, help="An earlier version (default: the newest).")
@json_option
@pass_settings
def transcript_show(settings: Settings, clip_id: str, version: int | None, as_json: bool) -> None:
    """CLIP_ID's transcript: each utterance's time, speaker and text (automatic transcripts say so)."""
    from bwvtool.errors import UsageError
    from bwvtool.transcripts.library import transcript_of

    with settings.workspace() as ws:
        found = transcript_of(ws, clip_id, version)
    if found is None:
        raise UsageError(f"{clip_id} has no transcript")

    def text() -> str:
        lines = [found.label()]
        lines += [f"{clock(u.start_ms):>9}  {(u.speaker or '')[:14]:14}  {u.text}" for u in found.utterances]
        return "\n".join(lines)

    emit(as_json, found.as_dict(), text)


@transcript_group.command("search")
@click.argument("phrase")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
@pass_settings
def transcript_search(settings: Settings, phrase: str, limit: int, as_json: bool) -> None:
    """Utterances containing PHRASE (its words in order, any case) in every clip's newest transcript."""
    from bwvtool.transcripts.library import search

    with settings.workspace() as ws:
        hits = search(ws, phrase, limit=limit)
    shown = [
        h | {"time": clock(h["start_ms"]), "speaker": h["speaker"] or "",
             "text": ("[automatic] " if h["origin"] == "automatic" else "") + h["text"]}
        for h in hits
    ]  # fmt: skip
    emit(as_json, hits, lambda: table(shown, ["clip_id", "time", "speaker", "text"]))


@transcript_group.command("suggest")
@click.argument("clip_id")
@click.option(
    "--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="A rules YAML file (default: the shipped suggestion_rules.yaml).",
)  # fmt: skip
@json_option
@pass_settings
def transcript_suggest(settings: Settings, clip_id: str, rules_file: Path | None, as_json: bool) -> None:
    """Suggest language codes from CLIP_ID's transcript. Nothing is coded: accept or dismiss each suggestion
    (bwvtool suggestion accept/dismiss ID, or in the desk)."""
    from bwvtool.transcripts import rules
    from bwvtool.transcripts.suggest import suggest_for_clip

    rule_set = rules.load(rules_file)
    with settings.workspace() as ws:
        transcript, added, found = suggest_for_clip(ws, clip_id, rule_set, actor=settings.user)
    data = {"clip_id": clip_id, "transcript_version": transcript.version, "new": added, "suggestions": found}
    emit(as_json, data, lambda: f"{added} new suggestion(s) for {clip_id}\n" + _suggestion_table(found))


def _suggestion_table(found: list[dict]) -> str:
    shown = [s | {"time": clock(s["onset_ms"]), "what": s["code"]} for s in found]
    return table(shown, ["id", "time", "what", "rule", "status", "evidence"])


@click.group("suggestion")
def suggestion_group() -> None:
    """Suggested codes: list them, accept one (it becomes your event or review answer) or dismiss it."""


@suggestion_group.command("list")
@click.argument("clip_id")
@click.option("--status", type=click.Choice(["open", "accepted", "dismissed"]), default=None)
@json_option
@pass_settings
def suggestion_list(settings: Settings, clip_id: str, status: str | None, as_json: bool) -> None:
    """CLIP_ID's suggestions with their status."""
    from bwvtool.store import transcripts as rows

    with settings.workspace() as ws:
        found = rows.suggestions(ws.conn, clip_id, status)
    emit(as_json, found, lambda: _suggestion_table(found))


@suggestion_group.command("accept")
@click.argument("suggestion_id", type=int)
@click.option(
    "--codebook", "codebook_key", default=None, help="Codebook key for a clip not yet coded by you."
)
@json_option
@pass_settings
def suggestion_accept(
    settings: Settings, suggestion_id: int, codebook_key: str | None, as_json: bool
) -> None:
    """Code what suggestion SUGGESTION_ID proposes, as --user: an event at the frame shown at its time (or a
    review answer "given"); the suggestion records the event."""
    from bwvtool.transcripts.suggest import accept

    with settings.workspace() as ws:
        found = accept(ws, suggestion_id, coder=settings.user, codebook_key=codebook_key)
    made = f"event {found['event_id']}" if found["event_id"] else f"review answer {found['code']} = given"
    emit(as_json, found, f"Accepted suggestion {suggestion_id}: {made}")


@suggestion_group.command("dismiss")
@click.argument("suggestion_id", type=int)
@json_option
@pass_settings
def suggestion_dismiss(settings: Settings, suggestion_id: int, as_json: bool) -> None:
    """Dismiss suggestion SUGGESTION_ID (audited; it is not suggested again for this transcript)."""
    from bwvtool.transcripts.suggest import dismiss

    with settings.workspace() as ws:
        found = dismiss(ws, suggestion_id, coder=settings.user)
    emit(as_json, found, f"Dismissed suggestion {suggestion_id}")


@transcript_group.command("auto")
@click.argument("clip_id", required=False)
@click.option("--sample", "sample_id", type=int, default=None, help="Every clip of this sample.")
@click.option(
    "--model", "model_folder", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="A CTranslate2 Whisper model folder (default: $BWVTOOL_ASR_MODEL, else the packaged tiny.en).",
)  # fmt: skip
@json_option
@pass_settings
def transcript_auto(
    settings: Settings, clip_id: str | None, sample_id: int | None, model_folder: Path | None, as_json: bool
) -> None:
    """Transcribe CLIP_ID (or every clip of --sample ID) offline with faster-whisper: word times and a speaker
    guess (the wearer is the loudest voice). Stored as an automatic transcript naming the engine, the model and
    its files' SHA-256. Needs the asr extra: pip install "bwvtool[asr]"."""
    from bwvtool.audio.clips import sample_clips
    from bwvtool.cli.common import exit_partial_if
    from bwvtool.cli.terminal import ProgressLine
    from bwvtool.errors import BwvError, UsageError
    from bwvtool.transcripts.asr import find_model, transcribe_clip

    if (clip_id is None) == (sample_id is None):
        raise UsageError("give a CLIP_ID or --sample ID (one of them)")
    find_model(model_folder)  # not installed or no model: say so before any work
    line = ProgressLine(enabled=not as_json)
    rows, failed = [], False
    with settings.workspace() as ws:
        clip_ids = [clip_id] if clip_id else sample_clips(ws, sample_id)  # type: ignore[arg-type]
        for number, current in enumerate(clip_ids, start=1):

            def tick(seconds: float, current: str = current, number: int = number) -> None:
                line.show(f"transcribing {current} ({number}/{len(clip_ids)}): {seconds:,.0f} s of audio")

            try:
                stored, facts = transcribe_clip(ws, current, model_folder=model_folder, actor=settings.user,
                                                progress=tick)  # fmt: skip
            except BwvError as exc:
                if clip_id:
                    raise
                rows.append({"clip_id": current, "status": "failed", "error": str(exc)})
                failed = True
                continue
            t = stored.transcript
            rows.append({"clip_id": current, "status": "transcribed", "version": t.version, "utterances":
                         len(stored.utterances), "model": t.model, "model_sha256": t.model_sha256} | facts)  # fmt: skip
    line.done()

    def text() -> str:
        return "\n".join(
            f"{r['clip_id']}: failed: {r['error']}" if r["status"] == "failed" else
            f"{r['clip_id']}: automatic transcript v{r['version']}, {r['utterances']} utterances, "
            f"{r['audio_s']:.1f} s of audio in {r['seconds']:.1f} s (real-time factor {r['rtf']:.2f}), {r['model']}"
            for r in rows
        )  # fmt: skip

    emit(as_json, rows if sample_id is not None else rows[0], text)
    exit_partial_if(failed)
