"""Building a debrief note from the workspace: the review it rests on, its events, key moments and stills."""

from __future__ import annotations

from pathlib import Path

from bwvtool.catalogue.clips import clip_details
from bwvtool.debrief.draft import draft_narrative
from bwvtool.debrief.model import NARRATIVE_IDS, ClipFacts, DebriefNote, KeyMoment, ReviewSummary
from bwvtool.debrief.moments import key_moments
from bwvtool.errors import BwvError, UsageError
from bwvtool.store import Workspace
from bwvtool.store import debriefs as store
from bwvtool.store import events as event_rows
from bwvtool.timeutil import utc_now

STILL_WIDTH = 640  # px: sharp at the ~8 cm a still takes on an A4 page, small enough to embed


def completed_reviews(
    ws: Workspace, search: str = "", limit: int = 500, *, viewer: str | None = None
) -> list[store.ReviewRef]:
    """Completed reviews a note can be built from, most recently recorded clip first.

    :param search: part of a clip id, officer, borough or coder name.
    :param viewer: who looks: other coders' reviews of clips blind to them are left out (blind double coding).
    """
    found = store.completed_reviews(ws.conn, search=search, limit=limit)
    if viewer is None:
        return found
    from bwvtool.coding import blind

    return blind.visible(ws, viewer, found)


def choose_review(ws: Workspace, clip_id: str, coder: str | None = None) -> store.ReviewRef:
    """The completed review a note is built from: ``coder``'s, or the only completed one.

    :raises UsageError: no such clip, no completed review, the coder's review is a draft, or several coders
        completed one and ``coder`` was not given.
    """
    clip_details(ws, clip_id)  # a clear error for an unknown clip
    reviews = store.reviews_of_clip(ws.conn, clip_id)
    done = [r for r in reviews if r.status == "complete"]
    if coder is not None:
        mine = next((r for r in reviews if r.coder == coder), None)
        if mine is None:
            others = ", ".join(r.coder for r in reviews) or "nobody"
            raise UsageError(f"{coder} has not reviewed {clip_id} (reviews by: {others})")
        if mine.status != "complete":
            raise UsageError(
                f"{coder}'s review of {clip_id} is still a draft; a debrief needs a completed review"
            )
        return mine
    if not done:
        drafts = f" (drafts by: {', '.join(r.coder for r in reviews)})" if reviews else ""
        raise UsageError(f"{clip_id} has no completed review to debrief{drafts}")
    if len(done) > 1:
        names = ", ".join(r.coder for r in done)
        raise UsageError(f"{clip_id} has completed reviews by {names}; choose one with --coder")
    return done[0]


def build_note(
    ws: Workspace,
    clip_id: str,
    coder: str | None = None,
    *,
    version: int | None = None,
    stills: bool = True,
) -> DebriefNote:
    """The debrief note for one coder's completed review of ``clip_id``.

    The narrative is the saved ``version`` (default: the latest); with no saved version it is the draft written
    from the review (:func:`~bwvtool.debrief.draft.draft_narrative`) and ``note.version`` is None.

    :param stills: grab the frame of each key moment from the clip's video (a few ffmpeg runs).
    :raises UsageError: see :func:`choose_review`; or ``version`` was never saved.
    """
    from bwvtool.store.codebooks import get_codebook_by_id  # loads the codebook schema: only when building

    ref = choose_review(ws, clip_id, coder)
    facts = ClipFacts.from_clip(clip_details(ws, clip_id))
    codebook = get_codebook_by_id(ws.conn, ref.codebook_id).codebook
    # The review's coding: the coder's events on the clip coded with the review's codebook (another sample's
    # coding of the same clip, with another codebook, is not this review's).
    events = tuple(
        e for e in event_rows.for_clip(ws.conn, clip_id, ref.coder_id) if e.codebook_id == ref.codebook_id
    )
    # An aligned incident coded on incident time: the coder's events on its other cameras during this clip
    # belong to this debrief too, placed on this clip's clock, each with its still from the camera coded on.
    from bwvtool.incidents.coding import seen_from

    elsewhere = seen_from(ws, clip_id, ref.coder_id, ref.codebook_id)
    if elsewhere:
        events = tuple(
            sorted((*events, *(e for e, _, _ in elsewhere)), key=lambda e: (e.onset_ms, e.id or 0))
        )
    cameras = {e.id: {"clip_id": e.clip_id, "camera_ms": ms, "media_path": path} for e, ms, path in elsewhere}
    review = ReviewSummary(ref.coder, ref.coder_id, codebook, ref.codebook_id, ref.updated_at, ref.answers)
    saved = store.get_version(ws.conn, clip_id, ref.coder_id, version)
    if version is not None and saved is None:
        have = [str(v.version) for v in store.versions(ws.conn, clip_id, ref.coder_id)]
        raise UsageError(
            f"the debrief note of {clip_id} by {ref.coder} has no version {version}"
            f" (saved: {', '.join(have) or 'none yet'})"
        )
    if saved is not None:
        narrative = {key: str(saved.narrative.get(key, "")) for key in NARRATIVE_IDS}
    else:
        narrative = draft_narrative(facts, review, events)
    note = DebriefNote(
        facts=facts,
        review=review,
        events=events,
        moments=_on_their_cameras(key_moments(events, codebook), cameras),
        narrative=narrative,
        version=saved.version if saved else None,
        saved_at=saved.saved_at if saved else None,
        saved_by=saved.saved_by if saved else None,
        generated_at=utc_now(),
        extra={"cameras": cameras} if cameras else {},
    )
    return attach_stills(note, ws.path.parent) if stills else note


def _on_their_cameras(moments: tuple[KeyMoment, ...], cameras: dict) -> tuple[KeyMoment, ...]:
    """A moment coded on another camera of the incident says so, with that camera's frame."""
    from dataclasses import replace

    from bwvtool.debrief.model import clock

    out = []
    for moment in moments:
        seen = cameras.get(moment.event.id)
        if seen is not None:
            moment = replace(moment, detail=f"{moment.detail.split(' · ')[0]} · {clock(moment.event.onset_ms)}"
                             f" · coded on camera {seen['clip_id']} (its frame {moment.event.onset_frame})")  # fmt: skip
        out.append(moment)
    return tuple(out)


def media_file(facts: ClipFacts, base: Path) -> Path | None:
    """The clip's video file (a relative catalogue path counts from ``base``), or None when there is none."""
    return _media_path(facts.media_path, base)


def _media_path(media_path: str | None, base: Path) -> Path | None:
    if not media_path:
        return None
    path = Path(media_path).expanduser()
    return path if path.is_absolute() else base / path


def attach_stills(note: DebriefNote, base: Path) -> DebriefNote:
    """The note with each key moment's frame: the exact frame on screen at the event's onset.

    Works without the workspace (only the video is read), so the app can run it off the GUI thread. A moment
    whose frame cannot be read keeps ``still_png`` None and says why in ``still_problem``.
    """
    if not note.moments:
        return note
    from bwvtool.media.frame import grab_frame
    from bwvtool.media.probe import frame_times

    cameras = note.extra.get("cameras", {})
    videos: dict[Path | None, object] = {}  # each video's frame times, or why it cannot be read

    def times_of(path: Path | None):
        if path not in videos:
            try:
                videos[path] = "no video in the catalogue" if path is None else frame_times(path)
            except BwvError as exc:
                videos[path] = f"video unreadable: {exc}"
        return videos[path]

    moments: list[KeyMoment] = []
    for moment in note.moments:
        # The still comes from the camera the event was coded on, at that camera's own time.
        seen = cameras.get(moment.event.id)
        path = _media_path(seen["media_path"], base) if seen else media_file(note.facts, base)
        at_ms = seen["camera_ms"] if seen else moment.event.onset_ms
        times = times_of(path)
        if isinstance(times, str):
            moments.append(moment.with_still(None, None, times))
            continue
        try:
            frame = grab_frame(path, at_ms, times=times)
            png, size = encode_png(frame.rgb, STILL_WIDTH)
            moments.append(moment.with_still(png, size, None))
        except BwvError as exc:
            moments.append(moment.with_still(None, None, str(exc)))
    return note.with_moments(tuple(moments))


def encode_png(rgb, width: int) -> tuple[bytes, tuple[int, int]]:  # rgb: numpy array, height × width × 3
    """PNG bytes of an RGB frame scaled down (never up) to ``width`` pixels, and the size written."""
    import cv2

    height, current = rgb.shape[:2]
    if current > width:
        rgb = cv2.resize(rgb, (width, round(height * width / current)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".png", rgb[:, :, ::-1])  # OpenCV wants BGR
    if not ok:
        raise UsageError("could not encode a still as PNG")
    return data.tobytes(), (int(rgb.shape[1]), int(rgb.shape[0]))
