"""`bwvtool queue`, `bwvtool events` and `bwvtool review`: the coding desk's work, as commands."""

from __future__ import annotations

import json
from typing import Any

import click

from bwvtool.cli.common import Settings, emit, json_option, pass_settings, table, warn

_SAMPLE = click.option(
    "--sample",
    "sample_id",
    type=int,
    default=None,
    help="The sample whose assignment to work on, when the clip is yours in several.",
)


@click.group("queue", invoke_without_command=True)
@click.option("--coder", default=None, help="Whose queue (default: --user).")
@click.option(
    "--status", type=click.Choice(["not_started", "in_progress", "complete", "flagged"]), default=None
)
@json_option
@click.pass_context
def queue(ctx: click.Context, coder: str | None, status: str | None, as_json: bool) -> None:
    """A coder's assigned clips with their status; the subcommands share a sample's clips through the unit's
    pool, from which reviewers take the next one (each clip goes to exactly one person)."""
    if ctx.invoked_subcommand is None:
        _show_queue(ctx.find_object(Settings), coder, status, as_json)


def _show_queue(settings: Settings, coder: str | None, status: str | None, as_json: bool) -> None:
    from dataclasses import asdict

    from bwvtool.store import queue as queue_rows

    with settings.workspace() as ws:
        rows = [asdict(item) for item in queue_rows.for_coder(ws.conn, coder or settings.user, status)]
    emit(
        as_json,
        rows,
        lambda: table(
            rows, ["clip_id", "sample_id", "sample_name", "codebook", "role", "status", "recorded_at"]
        ),
    )


@queue.command("share")
@click.argument("sample_id", type=int)
@json_option
@pass_settings
def queue_share(settings: Settings, sample_id: int, as_json: bool) -> None:
    """Give SAMPLE_ID's clips that nobody is assigned to the unit's pool, for reviewers to claim (audited)."""
    from bwvtool.coding.claims import share_sample

    with settings.workspace() as ws:
        added = share_sample(ws, sample_id, settings.user)
    emit(
        as_json,
        {"sample_id": sample_id, "added": added},
        f"Sample {sample_id}: {added} clips put in the pool",
    )


@queue.command("claim")
@click.option("--sample", "sample_id", type=int, default=None, help="Take only from this sample's clips.")
@json_option
@pass_settings
def queue_claim(settings: Settings, sample_id: int | None, as_json: bool) -> None:
    """Take the next unclaimed clip from the pool: it becomes your assignment (audited). Exits 1 when the pool
    is empty."""
    from dataclasses import asdict

    from bwvtool.coding.claims import claim_next

    with settings.workspace() as ws:
        claimed = claim_next(ws, settings.user, sample_id)
    if claimed is None:
        emit(as_json, None, "Nothing left to claim in the pool")
        raise SystemExit(1)
    emit(
        as_json,
        asdict(claimed),
        f"Claimed {claimed.clip_id} (sample {claimed.sample_id}): it is in your queue",
    )


@queue.command("release")
@click.argument("clip_id")
@_SAMPLE
@json_option
@pass_settings
def queue_release(settings: Settings, clip_id: str, sample_id: int | None, as_json: bool) -> None:
    """Give back a clip you claimed and have not started: it returns to the pool (audited)."""
    from bwvtool.coding.claims import release

    with settings.workspace() as ws:
        row = release(ws, settings.user, clip_id, sample_id)
    emit(as_json, {"released": clip_id, "sample_id": row.sample_id}, f"Released {clip_id}: back in the pool")


@queue.command("pool")
@click.option("--sample", "sample_id", type=int, default=None, help="Only this sample's clips.")
@json_option
@pass_settings
def queue_pool(settings: Settings, sample_id: int | None, as_json: bool) -> None:
    """The unit's pool: each shared clip and who claimed it (blank: still free)."""
    from dataclasses import asdict

    from bwvtool.store import pool as pool_rows

    with settings.workspace() as ws:
        rows = [asdict(row) for row in pool_rows.rows(ws.conn, sample_id)]
    emit(as_json, rows, lambda: table(rows, ["clip_id", "sample_id", "role", "claimed_by", "claimed_at"]))


@click.group("events")
def events_group() -> None:
    """Coded events: list, add and delete them without the app."""


@events_group.command("list")
@click.argument("clip_id")
@click.option("--coder", default=None, help="Only this coder's events.")
@json_option
@pass_settings
def events_list(settings: Settings, clip_id: str, coder: str | None, as_json: bool) -> None:
    """The events coded on CLIP_ID, in onset order, each with its coder and the sample it was coded for.

    On a double-coded clip of a sample not yet opened, a reviewer sees only their own events (blind double
    coding; the study lead opens it with `bwvtool sample unblind`). Showing other coders' events is audited.
    """
    from dataclasses import asdict

    from bwvtool.coding import blind
    from bwvtool.errors import UsageError
    from bwvtool.store import events as event_rows

    with settings.workspace() as ws:
        view = blind.clip_view(ws, clip_id, settings.user)
        if view.own_only:
            if coder not in (None, settings.user):
                raise UsageError(view.reason(clip_id) + f"; {coder}'s events are not shown")
            coder = settings.user
        coder_id = None
        if coder:
            found = ws.find_coder(coder)
            coder_id = -1 if found is None else found  # an unknown coder has no events
        events = event_rows.for_clip(ws.conn, clip_id, coder_id)
        names = _coder_names(ws, {e.coder_id for e in events})
        samples = _samples_of(ws, {e.assignment_id for e in events if e.assignment_id is not None})
        rows = [
            {"coder": names[e.coder_id], "sample_id": samples.get(e.assignment_id), **asdict(e)}
            for e in events
        ]
        blind.record_look(ws, settings.user, "clip", clip_id, [r["coder"] for r in rows], "events list")
    if view.own_only:
        warn(view.reason(clip_id))
    emit(
        as_json,
        rows,
        lambda: table(
            rows,
            ["id", "coder", "sample_id", "onset_ms", "onset_frame", "offset_ms", "code", "actor", "note"],
        ),
    )


def _samples_of(ws, assignment_ids: set[int]) -> dict[int, int]:
    """The sample of each assignment (events without one are clip-level work)."""
    from bwvtool.store import queue as queue_rows

    found = {a: queue_rows.get(ws.conn, a) for a in assignment_ids}
    return {a: item.sample_id for a, item in found.items() if item is not None}


def _coder_names(ws, coder_ids: set[int]) -> dict[int, str]:
    from bwvtool.store import coders

    return {row["id"]: row["name"] for row in coders.named(ws.conn, sorted(coder_ids))}


def _modifiers(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``key=value`` pairs; a value that is JSON (a number, a list) is read as JSON."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not key=value", param_hint="--modifier")
        try:
            result[key] = json.loads(value)
        except json.JSONDecodeError:
            result[key] = value
    return result


@events_group.command("add")
@click.argument("clip_id")
@click.option("--code", required=True, help="Code id from the codebook.")
@click.option("--at-ms", type=float, required=True, help="Time of the frame on screen (ms from clip start).")
@click.option("--to-ms", type=float, default=None, help="End of a state event.")
@click.option(
    "--actor", default=None, help="officer_1, subject_2, third_party … (default: the code's default)."
)
@click.option("--modifier", "modifier_pairs", multiple=True, help="key=value (repeat); JSON values allowed.")
@click.option("--note", default=None)
@click.option(
    "--codebook", "codebook_key", default=None, help="Codebook key for a clip not yet coded by you."
)
@_SAMPLE
@json_option
@pass_settings
def events_add(
    settings: Settings,
    clip_id: str,
    code: str,
    at_ms: float,
    to_ms: float | None,
    actor: str | None,
    modifier_pairs: tuple[str, ...],
    note: str | None,
    codebook_key: str | None,
    sample_id: int | None,
    as_json: bool,
) -> None:
    """Record an event on CLIP_ID at the frame shown at --at-ms (frame index read from the clip's video).

    The event is coded for your assignment of the clip (--sample when you have it in several samples), with
    that sample's codebook; on a clip you have no assignment for, with --codebook."""
    from dataclasses import asdict

    from bwvtool.coding.scripted import add_event

    with settings.workspace() as ws:
        event = add_event(
            ws,
            clip_id=clip_id,
            coder=settings.user,
            code=code,
            at_ms=at_ms,
            to_ms=to_ms,
            actor=actor,
            modifiers=_modifiers(modifier_pairs),
            note=note,
            codebook_key=codebook_key,
            sample_id=sample_id,
        )
    emit(
        as_json,
        asdict(event),
        f"Saved event {event.id}: {event.code} at frame {event.onset_frame} ({event.onset_ms} ms)",
    )


_VERSION = click.option(
    "--version",
    "version",
    type=int,
    default=None,
    help="The version you read (`--json` output shows it): when someone has changed it since, nothing is"
    " written and the command exits 1 saying who and when.",
)


@events_group.command("delete")
@click.argument("event_id", type=int)
@_VERSION
@json_option
@pass_settings
def events_delete(settings: Settings, event_id: int, version: int | None, as_json: bool) -> None:
    """Delete one of your events (audited)."""
    from bwvtool.coding.scripted import delete_event

    with settings.workspace() as ws:
        event = delete_event(ws, event_id, settings.user, version)
    emit(as_json, {"deleted": event_id}, f"Deleted event {event_id} ({event.code} on {event.clip_id})")


@click.group("review")
def review_group() -> None:
    """Clip reviews: show, answer and complete them without the app."""


def _review_context(ws, clip_id: str, coder: str, codebook_key: str | None, sample_id: int | None):
    """The coding a review command works on (reads only: a coder is registered by the write that saves their
    first answer, so a refused answer, or a mere `review show`, writes nothing)."""
    from bwvtool.coding.scripted import coding_of

    return coding_of(ws, clip_id, coder, codebook_key, sample_id=sample_id)


@review_group.command("show")
@click.argument("clip_id")
@click.option("--codebook", "codebook_key", default=None)
@_SAMPLE
@json_option
@pass_settings
def review_show(
    settings: Settings, clip_id: str, codebook_key: str | None, sample_id: int | None, as_json: bool
) -> None:
    """Your review of CLIP_ID (for your assignment of it): every item, its answer, and what is still required."""
    from bwvtool.coding.review import load_review

    with settings.workspace() as ws:
        coding = _review_context(ws, clip_id, settings.user, codebook_key, sample_id)
        codebook = coding.codebook
        loaded = load_review(ws, clip_id, coding.coder_id, coding.assignment_id)
        answers, state = loaded.answers, loaded.status
    rows = [
        {"item": i.id, "label": i.label, "type": i.type, "required": i.required, "answer": answers.get(i.id)}
        for i in codebook.review_items
    ]
    data = {
        "clip_id": clip_id,
        "coder": settings.user,
        "status": state,
        "version": loaded.version,
        "items": rows,
    }

    def text() -> str:
        # A multiple answer is shown as it is typed: option ids joined by commas.
        shown = [
            r | {"answer": ",".join(r["answer"]) if isinstance(r["answer"], list) else r["answer"]}
            for r in rows
        ]
        return f"{clip_id} · {settings.user} · {state}\n" + table(
            shown, ["item", "type", "required", "answer"]
        )

    emit(as_json, data, text)


@review_group.command("answer")
@click.argument("clip_id")
@click.argument("item_id")
@click.argument("value")
@click.option("--codebook", "codebook_key", default=None)
@_SAMPLE
@_VERSION
@pass_settings
def review_answer(
    settings: Settings,
    clip_id: str,
    item_id: str,
    value: str,
    codebook_key: str | None,
    sample_id: int | None,
    version: int | None,
) -> None:
    """Answer one review item: an option id, yes/no, a number for 0–4 scales, text; for a multiple-choice item
    the option ids separated by commas (a,b,c). An empty string clears the answer."""
    from bwvtool.coding.review import save_answer

    with settings.workspace() as ws:
        coding = _review_context(ws, clip_id, settings.user, codebook_key, sample_id)
        codebook = coding.codebook
        known = {i.id: i for i in codebook.review_items}
        # An unknown item keeps the text as it is: save_answer names the problem.
        answer: Any = known[item_id].parse(value) if item_id in known else value
        save_answer(
            ws,
            clip_id=clip_id,
            coder=settings.user,
            codebook=codebook,
            codebook_id=coding.codebook_id,
            item_id=item_id,
            value=answer,
            assignment_id=coding.assignment_id,
            version=version,
        )
    shown = ",".join(answer) if isinstance(answer, list) else answer
    click.echo(f"Saved {item_id} = {shown!r}" if shown is not None else f"Cleared {item_id}")


@review_group.command("complete")
@click.argument("clip_id")
@click.option("--codebook", "codebook_key", default=None)
@_SAMPLE
@_VERSION
@pass_settings
def review_complete(
    settings: Settings, clip_id: str, codebook_key: str | None, sample_id: int | None, version: int | None
) -> None:
    """Mark your review of CLIP_ID complete (refused, exit 2, while a required item is unanswered)."""
    from bwvtool.coding.review import complete

    with settings.workspace() as ws:
        coding = _review_context(ws, clip_id, settings.user, codebook_key, sample_id)
        complete(
            ws,
            clip_id=clip_id,
            coder=settings.user,
            codebook=coding.codebook,
            codebook_id=coding.codebook_id,
            assignment_id=coding.assignment_id,
            version=version,
        )
    click.echo(f"Review of {clip_id} by {settings.user} is complete")
