"""The tabular files of a research export: clips, clip reviews and events, row by row from store cursors.

Each ``*_table`` function returns the :class:`~bwvtool.export.tables.Table` (columns with meaning, type and
allowed values) for the codebooks in use; each ``write_*`` function streams the store's rows through the
privacy rules of :class:`~bwvtool.export.context.Context` into a :class:`~bwvtool.export.tables.TableWriter`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bwvtool.catalogue import vocab
from bwvtool.codebook import ACTOR_KINDS, ModifierSet
from bwvtool.export.context import ClipInfo, Context, actor_kind
from bwvtool.export.tables import FALSE, TRUE, Column, Table, TableWriter, protection_match
from bwvtool.store import exports as rows_of
from bwvtool.store import incidents as incident_rows

_ID_NOTE = "keyed HMAC-SHA256 pseudonym (the same key gives the same pseudonym in every export)"


def _identifier(name: str, what: str, ctx: Context) -> Column:
    how = "the real identifier (identified export)" if ctx.pseudo.identified else _ID_NOTE
    return Column(name, "identifier", f"{what}: {how}.")


def _date(name: str, what: str, ctx: Context) -> Column:
    level = ctx.options.dates
    how = (
        f"coarsened to the {'ISO week (YYYY-Www)' if level == 'week' else level}" if level else "UTC ISO 8601"
    )
    return Column(name, "datetime", f"{what} ({how}).")


def _sample_column() -> Column:
    return Column("sample_id", "integer", "The sample's id in the workspace it was drawn in.")


def _codebook_columns(ctx: Context) -> list[Column]:
    keys = tuple(sorted({s.key for s in ctx.codebooks.values()}))
    return [
        Column("codebook", "text", "Key of the codebook the row was coded with.", keys),
        Column("codebook_version", "integer", "Version of that codebook (locked: it never changes)."),
    ]


# -- clips ----------------------------------------------------------------------------------------------------
def clips_table(ctx: Context) -> Table:
    columns = [
        _sample_column(),
        _identifier("clip_id", "The clip", ctx),
        _identifier("incident_id", "The incident (several officers' cameras may film one incident)", ctx),
        _identifier("unit_id", f"The sampling unit ({ctx.sample['unit']}) the clip was drawn as", ctx),
        _identifier("officer_ref", "The officer wearing the camera", ctx),
        _identifier("camera_id", "The camera", ctx),
        _date("recorded_at", "Start of the recording", ctx),
        Column("duration_s", "number", "Length of the clip in seconds."),
        Column("borough", "text", "Borough of the incident."),
        Column("bcu", "text", "Basic command unit."),
        Column("sources", "list", "Why the clip was catalogued.", vocab.SOURCES),
        Column("uof_tactics", "list", "Home Office use-of-force tactics recorded.", vocab.UOF_TACTICS),
        Column("assault_types", "list", "Types of assault on the officer recorded.", vocab.ASSAULT_TYPES),
        Column("ss_power", "text", "Stop and search power used.", vocab.SS_POWERS),
        Column("ss_outcome", "text", "Stop and search outcome.", vocab.SS_OUTCOMES),
        Column("mtip", "boolean", "Flag carried over from the evidence system."),
        Column("subject_age_band", "text", "Subject's age band.", vocab.AGE_BANDS),
        Column("subject_gender", "text", "Subject's gender.", vocab.GENDERS),
        Column("subject_ethnicity", "text", "Subject's self-defined ethnicity.", vocab.ETHNICITIES),
        Column("stratum", "text", "Stratum of the sampling design (empty for census selections)."),
        Column("selection", "text", "'sample' (random draw) or 'census:<rule>' (taken with certainty)."),
        Column("inclusion_prob", "number", "Probability that the unit was included in the sample (0-1]."),
        Column("design_weight", "number", "Design weight 1 / inclusion_prob, for weighted estimates."),
        Column("draw_order", "integer", "Order in which the unit was drawn."),
        Column(
            "coders",
            "list",
            "Coders who coded the clip (an event, a review or a completed assignment); each a"
            f" {'user name' if ctx.pseudo.identified else 'keyed pseudonym'}, sorted.",
        ),
        Column("n_coders", "integer", "Number of coders who coded the clip (2 or more: double-coded)."),
    ]
    if ctx.options.keep_text:
        columns.append(Column("notes", "text", "Catalogue notes (free text; identifiers pseudonymised)."))
    return Table("clips", columns)


def read_clips(ctx: Context, conn: Any, people: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """The sample's clips; also fills ``ctx.clips`` and the identifiers to scrub from labels and text (the clips'
    ids and ``people``, the workspace's coders and the exporter)."""
    found = list(rows_of.clip_rows(conn, ctx.sample_id))
    pairs: list[tuple[str, str]] = [(name, ctx.person(name)) for name in people]  # type: ignore[misc]
    pseudo = ctx.pseudo
    for row in found:
        clip_id, incident_id, _, officer_ref, camera_id = row[:5]
        ctx.clips[clip_id] = ClipInfo(
            clip_id=clip_id,
            name=pseudo("clip", clip_id),  # type: ignore[arg-type]
            incident=pseudo("incident", incident_id),
            duration_ms=round(float(row[6]) * 1000),
            media_path=row[24],
            camera=pseudo("camera", camera_id),
        )
        for kind, value in (("clip", clip_id), ("incident", incident_id), ("officer", officer_ref),
                            ("camera", camera_id)):  # fmt: skip
            if value:
                pairs.append((value, pseudo(kind, value)))  # type: ignore[arg-type]
    ctx.set_identifiers(pairs)
    return found


def write_clips(
    ctx: Context, rows: Iterable[tuple[Any, ...]], coders: dict[str, set[str]], out: TableWriter
) -> None:
    pseudo, keep = ctx.pseudo, ctx.options.keep_text
    for row in rows:
        (clip_id, incident_id, unit_id, officer_ref, camera_id, recorded_at, duration_s, borough, bcu, sources,
         uof, assaults, ss_power, ss_outcome, mtip, age, gender, ethnicity, stratum, selection, prob, weight,
         order, notes, _media) = row  # fmt: skip
        who = sorted(ctx.person(c) for c in coders.get(clip_id, ()))
        line = [
            ctx.sample_id,
            pseudo("clip", clip_id),
            pseudo("incident", incident_id),
            pseudo(ctx.unit_kind, unit_id),
            pseudo("officer", officer_ref),
            pseudo("camera", camera_id),
            ctx.date(recorded_at),
            duration_s,
            borough,
            bcu,
            json.loads(sources),
            json.loads(uof),
            json.loads(assaults),
            ss_power,
            ss_outcome,
            None if mtip is None else bool(mtip),
            age,
            gender,
            ethnicity,
            ctx.scrub(stratum),
            ctx.scrub(selection),
            prob,
            weight,
            order,
            who,
            len(who),
        ]
        if keep:
            line.append(ctx.text(notes))
        out.write(line)


# -- reviews --------------------------------------------------------------------------------------------------
def review_items(ctx: Context) -> list[Any]:
    """Review items of the codebooks in use (first occurrence of each id), text items only if text is kept."""
    seen: dict[str, Any] = {}
    for stored in ctx.codebooks.values():
        for item in stored.codebook.review_items:
            if item.type != "text" or ctx.options.keep_text:
                seen.setdefault(item.id, item)
    return list(seen.values())


_REVIEW_BASE = ("sample_id", "clip_id", "incident_id", "coder", "codebook", "codebook_version", "review_status",
                "created_at", "updated_at")  # fmt: skip


def _item_column_name(item_id: str) -> str:
    return f"item_{item_id}" if item_id in _REVIEW_BASE else item_id


def reviews_table(ctx: Context) -> Table:
    columns = [
        _sample_column(),
        _identifier("clip_id", "The clip", ctx),
        _identifier("incident_id", "The incident", ctx),
        _identifier("coder", "Who answered the review", ctx),
        *_codebook_columns(ctx),
        Column(
            "review_status",
            "text",
            "draft, or complete (every required item answered).",
            ("draft", "complete"),
        ),
        _date("created_at", "When the review was first saved", ctx),
        _date("updated_at", "When it was last changed", ctx),
    ]
    for item in review_items(ctx):
        kind = {"scale_0_4": "integer", "text": "text", "multiple": "list"}.get(item.type, "text")
        meaning = item.label + (f" ({item.section})" if item.section else "")
        if item.type == "multiple":
            alone = f"; {', '.join(item.exclusive_options)} only alone" if item.exclusive_options else ""
            meaning += f". Multiple choice: the option ids chosen, sorted{alone}"
        if item.type == "scale_0_4" and item.anchors:
            meaning += ". " + "; ".join(f"{i} = {a}" for i, a in enumerate(item.anchors))
        if item.type == "text":
            meaning += ". Free text; identifiers pseudonymised"
        columns.append(
            Column(_item_column_name(item.id), kind, meaning + ". Empty: not answered.", item.choices)
        )
    return Table("reviews", columns)


def write_reviews(ctx: Context, conn: Any, out: TableWriter) -> dict[tuple[str, str], str]:
    """Stream the reviews; returns each (clip, coder)'s review status for the summary."""
    items = review_items(ctx)
    text_items = {item.id for item in items if item.type == "text"}
    statuses: dict[tuple[str, str], str] = {}
    for clip_id, incident_id, coder, codebook_id, status, answers, created, updated in rows_of.review_rows(
        conn, ctx.sample_id, ctx.options.coder
    ):
        statuses[(clip_id, coder)] = status
        stored = ctx.codebooks[codebook_id]
        values = json.loads(answers)
        line = [
            ctx.sample_id,
            ctx.pseudo("clip", clip_id),
            ctx.pseudo("incident", incident_id),
            ctx.person(coder),
            stored.key,
            stored.version,
            status,
            ctx.date(created),
            ctx.date(updated),
        ]
        line += [ctx.text(values.get(i.id)) if i.id in text_items else values.get(i.id) for i in items]
        out.write(line)
    return statuses


# -- events ---------------------------------------------------------------------------------------------------
def modifier_sets(ctx: Context) -> list[ModifierSet]:
    """Modifier sets of the codes in use, one per id (codes may share an id such as 'tactic')."""
    merged: dict[str, ModifierSet] = {}
    for code in ctx.all_codes():
        for modifier in code.modifiers:
            merged.setdefault(modifier.id, modifier)
    return list(merged.values())


def _modifier_column(modifier: ModifierSet, ctx: Context) -> Column:
    users = [c.id for c in ctx.all_codes() if any(m.id == modifier.id for m in c.modifiers)]
    allowed: list[Any] = []
    for code in ctx.all_codes():
        for m in code.modifiers:
            if m.id == modifier.id:
                allowed += [o for o in m.option_ids if o not in allowed]
    kind = {"single": "text", "multiple": "list", "number": "number"}[modifier.type]
    unit = f" in {modifier.unit}" if modifier.unit else ""
    meaning = (
        f"Modifier '{modifier.label}'{unit} of {', '.join(users)} events. Empty: not given or not applicable."
    )
    return Column(f"mod_{modifier.id}", kind, meaning, tuple(allowed))


def events_table(ctx: Context) -> Table:
    codes = ctx.all_codes()
    tracks = tuple(dict.fromkeys(c.track for c in codes))
    columns = [
        _sample_column(),
        Column("event_id", "integer", "The event's id in the workspace (caused_by refers to it)."),
        _identifier("clip_id", "The clip", ctx),
        _identifier("incident_id", "The incident", ctx),
        _identifier("camera_id", "The camera the event was coded on (the clip's camera)", ctx),
        _identifier("coder", "Who coded the event", ctx),
        *_codebook_columns(ctx),
        Column("track", "text", "Timeline track of the code.", tracks),
        Column(
            "code", "text", "Code id (see the codebook file for definitions).", tuple(c.id for c in codes)
        ),
        Column("label", "text", "The code's label in the codebook."),
        Column("kind", "text", "point (an instant) or state (an interval).", ("point", "state")),
        Column("actor", "text", "Who acted: officer_N, subject_N or third_party (numbered per clip)."),
        Column("actor_kind", "text", "The actor's kind.", ACTOR_KINDS),
        Column("onset_ms", "integer", "Start, in milliseconds from the start of the clip."),
        Column(
            "onset_frame",
            "integer",
            "Start as the index of the video frame on screen (from 0): the frame of the camera it was coded on.",
        ),
        Column(
            "offset_ms", "integer", "End of a state in ms; empty for a point event and for a state left open."
        ),
        Column("offset_frame", "integer", "End of a state as a frame index; empty as offset_ms."),
        Column(
            "duration_ms",
            "integer",
            "offset_ms - onset_ms for states; empty for point events and open states.",
        ),
        Column(
            "onset_incident_ms",
            "number",
            "For an event coded on incident time (all the incident's cameras in step): its start on the incident"
            " clock, ms from the first moment any of the incident's cameras filmed. Empty for clip-level coding.",
        ),
        Column(
            "offset_incident_ms",
            "number",
            "End of a state coded on incident time, on the incident clock; empty otherwise.",
        ),
        Column("open", "boolean", "true for a state the coder never ended (it runs to the end of the clip)."),
        Column("starred", "boolean", "Marked as a key moment for a debrief."),
        Column(
            "caused_by", "integer", "event_id of the event the coder linked as the cause (escalation codes)."
        ),
        *(_modifier_column(m, ctx) for m in modifier_sets(ctx)),
    ]
    if ctx.options.keep_text:
        columns.append(Column("note", "text", "The coder's note (free text; identifiers pseudonymised)."))
    columns += [
        _date("created_at", "When the event was recorded", ctx),
        _date("updated_at", "Last change", ctx),
    ]
    return Table("events", columns)


def _code_cells(
    ctx: Context, out: TableWriter | None, codebook_id: int, track: str, code_id: str, actor: str
) -> tuple[list[Any], str | None]:
    """The cells an event's code and actor give (codebook, version, track, code, label, kind, actor, actor kind),
    and, for CSV/TSV (``out``), their :meth:`~TableWriter.segment`."""
    stored, code = ctx.codebooks[codebook_id], ctx.code(codebook_id, code_id)
    cells = [stored.key, stored.version, track, code_id, code.label if code else None, code.type if code else None,
             actor, actor_kind(actor)]  # fmt: skip
    return cells, None if out is None else out.segment(out.table.names.index("codebook"), cells)


Observer = Callable[[str, str, list[tuple[str, int, int | None]]], None]
_INT_OR_NONE = frozenset({int, type(None)})
_TEXT_OR_NONE = frozenset({str, type(None)})


def write_events(ctx: Context, conn: Any, out: TableWriter, observe: Observer | None = None) -> None:
    """Stream the events into ``out``; ``observe(clip, coder, events)`` sees the ``(code, onset_ms, offset_ms)``
    of each clip's coder in turn (rows come clip by clip, coder by coder).

    The hot loop of an export (100,000 events in well under a second): what repeats — pseudonyms per clip,
    codebook, label and kind per code, modifiers per distinct JSON text — is worked out once and kept converted
    (:meth:`TableWriter.segment`: CSV/TSV cells, or JSON members), so a row is one f-string of them and its own
    numbers and dates. A CSV/TSV row is checked once (:meth:`TableWriter.plain`); a JSON Lines row needs no
    check when its own values are integers, text or null (as the schema stores them). Rows are written with their
    neighbours; any other row goes through :meth:`TableWriter.write` cell by cell, so the file is the same.
    """
    mods = [m.id for m in modifier_sets(ctx)]
    mod_index = {m: i for i, m in enumerate(mods)}
    keep, coarsen = ctx.options.keep_text, ctx.options.dates is not None
    # Day and month are prefixes of the stored ISO text: cut in the loop, as ctx.date does, without a call per cell.
    prefix = {"day": 10, "month": 7}.get(ctx.options.dates or "")
    pseudo, date, sample_id = ctx.pseudo, ctx.date, ctx.sample_id
    joined = out.fmt != "jsonl"
    d = out.delimiter if joined else ", "  # between a segment and the next cell (JSON: between members)
    names = out.table.names
    if not joined:  # the JSON member names of the cells each row brings itself, each after its ", "
        key = {name: out.member_name(name) for name in names}
        head = "{" + key["sample_id"] + str(sample_id) + ", " + key["event_id"]
        k_onset, k_onset_frame, k_offset, k_offset_frame, k_duration, k_on_inc, k_off_inc, k_open, k_starred, \
            k_caused = (", " + key[n] for n in ("onset_ms", "onset_frame", "offset_ms", "offset_frame", "duration_ms",
                                                "onset_incident_ms", "offset_incident_ms", "open", "starred",
                                                "caused_by"))  # fmt: skip
        k_note = ", " + key["note"] if keep else ""
        k_created, k_updated = ", " + key["created_at"], ", " + key["updated_at"]
        text = out.json_text
    delimiters, first_modifier = len(names) - 1, names.index("caused_by") + 1
    risky = protection_match
    described: dict[tuple[int, str, str, str], tuple[list[Any], str | None]] = {}
    parsed: dict[str, tuple[list[Any], str | None]] = {}
    unknown_modifiers: set[str] = set()
    lines: list[str] = []  # plain rows of the current clip and coder, written together (memory: one clip)
    seen: list[tuple[str, int, int | None]] = []
    last_clip = last_coder = coder = clip_name = incident_name = coder_name = ident = None
    # Each event's clip is one of the sample's (read_clips has its pseudonyms) and its coder one of a few: the rows
    # come without the per-event joins that would repeat them.
    clips, coders = ctx.clips, rows_of.coders_by_id(conn)
    # Events coded on an incident's clock are few: their incident times are looked up, not joined per event.
    on_incident = incident_rows.incident_times(conn, list(clips))
    camera_name = None
    for (event_id, clip_id, coder_id, codebook_id, track, code_id, actor, onset, onset_frame, offset,
         offset_frame, modifiers, note, starred, caused_by, created, updated) in rows_of.export_event_rows(
        conn, sample_id, ctx.options.coder
    ):  # fmt: skip
        if clip_id != last_clip or coder_id != last_coder:
            if lines:
                out.write_lines(lines)
                lines = []
            if observe is not None and seen:
                observe(last_clip, coder, seen)  # type: ignore[arg-type]
            seen = []
            last_clip, last_coder, coder = clip_id, coder_id, coders[coder_id]
            clip_name, incident_name, camera_name = (
                clips[clip_id].name,
                clips[clip_id].incident,
                clips[clip_id].camera,
            )
            coder_name = pseudo("coder", coder)
            ident = out.segment(names.index("clip_id"), [clip_name, incident_name, camera_name, coder_name])
        placed = on_incident.get(event_id)
        onset_incident, offset_incident = (None, None) if placed is None else placed[1:]
        seen.append((code_id, onset, offset))
        code = described.get((codebook_id, track, code_id, actor))
        if code is None:  # codebook, version, track, code, label, kind, actor, actor kind
            code = described[(codebook_id, track, code_id, actor)] = _code_cells(
                ctx, out, codebook_id, track, code_id, actor
            )
        mod = parsed.get(modifiers)
        if mod is None:
            values: list[Any] = [None] * len(mods)
            for name, value in json.loads(modifiers).items():
                index = mod_index.get(name)
                if index is None:
                    unknown_modifiers.add(name)
                else:
                    values[index] = value
            piece = out.segment(first_modifier, values)
            mod = parsed[modifiers] = (values, None if piece is None else d + piece if mods else "")
        if prefix:
            created, updated = created and created[:prefix], updated and updated[:prefix]
        elif coarsen:
            created, updated = date(created), date(updated)
        if keep:
            note = ctx.text(note)
        is_open = code[0][5] == "state" and offset is None
        if not joined:
            if (
                onset.__class__ is int
                and onset_frame.__class__ is int
                and offset.__class__ in _INT_OR_NONE
                and offset_frame.__class__ in _INT_OR_NONE
                and caused_by.__class__ in _INT_OR_NONE
                and created.__class__ in _TEXT_OR_NONE
                and updated.__class__ in _TEXT_OR_NONE
                and note.__class__ in _TEXT_OR_NONE
            ):
                lines.append(
                    f"{head}{event_id}, {ident}, {code[1]}{k_onset}{onset}{k_onset_frame}{onset_frame}{k_offset}"
                    f"{'null' if offset is None else offset}{k_offset_frame}"
                    f"{'null' if offset_frame is None else offset_frame}{k_duration}"
                    f"{'null' if offset is None else offset - onset}{k_on_inc}"
                    f"{'null' if onset_incident is None else onset_incident}{k_off_inc}"
                    f"{'null' if offset_incident is None else offset_incident}{k_open}{'true' if is_open else 'false'}"
                    f"{k_starred}{'true' if starred else 'false'}{k_caused}"
                    f"{'null' if caused_by is None else caused_by}{mod[1]}"
                    + (f"{k_note}{text(note)}" if keep else "")
                    + f"{k_created}{text(created)}{k_updated}{text(updated)}}}"
                )  # fmt: skip
                continue
        elif ident is not None and code[1] is not None and mod[1] is not None:
            line = (
                f"{sample_id}{d}{event_id}{d}{ident}{d}{code[1]}{d}{onset}{d}{onset_frame}{d}"
                f"{'' if offset is None else offset}{d}{'' if offset_frame is None else offset_frame}{d}"
                f"{'' if offset is None else offset - onset}{d}{'' if onset_incident is None else onset_incident}{d}"
                f"{'' if offset_incident is None else offset_incident}{d}{TRUE if is_open else FALSE}{d}"
                f"{TRUE if starred else FALSE}{d}{'' if caused_by is None else caused_by}{mod[1]}{d}"
                + (f"{'' if note is None else note}{d}{created}{d}{updated}" if keep else f"{created}{d}{updated}")
            )  # fmt: skip
            # The pieces are plain and the numbers need no check for formula characters (they are never
            # neutralised); the texts do. Written out rather than a call to TableWriter.plain: once per row.
            if (
                line.count(d) == delimiters
                and '"' not in line
                and "\n" not in line
                and "\r" not in line
                and not (created and risky(created))
                and not (updated and risky(updated))
                and not (keep and note and risky(note))
            ):
                lines.append(line)
                continue
        if lines:
            out.write_lines(lines)
            lines = []
        out.write([
            sample_id, event_id, clip_name, incident_name, camera_name, coder_name, *code[0], onset, onset_frame, offset,
            offset_frame, None if offset is None else offset - onset, onset_incident, offset_incident, is_open,
            bool(starred), caused_by, *mod[0], *((note, created, updated) if keep else (created, updated)),
        ])  # fmt: skip
    if lines:
        out.write_lines(lines)
    if observe is not None and seen:
        observe(last_clip, coder, seen)  # type: ignore[arg-type]
    if unknown_modifiers:
        ctx.warnings.append(
            f"modifiers not in the codebook were left out: {', '.join(sorted(unknown_modifiers))}"
        )
