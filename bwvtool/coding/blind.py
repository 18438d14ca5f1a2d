"""Blind double coding, everywhere: who may see other coders' events, notes and reviews of a double-coded clip.

While a sample that double-codes a clip is not opened (``bwvtool sample unblind``), the sample's coders see only
their own work on the clip, and only their own work in the sample's exports and sequences (its reliability waits):
in the desk, on the command line and in exports. Anyone else (the study lead who drew it, a researcher, a
supervisor) sees everyone's work, but the command says whose work it shows and an audit row records the look. A
sample is opened by its lead or an admin, once every assignment of its double-coded clips is complete.
See docs/coding.md ("Blind double coding").
"""

from __future__ import annotations

from dataclasses import dataclass

from bwvtool.errors import UsageError
from bwvtool.store import Workspace, blinding
from bwvtool.store import coders as coder_rows
from bwvtool.store.blinding import BlindSample


@dataclass(frozen=True)
class View:
    """What ``viewer`` may see: everyone's work, or only their own because of ``blind`` (the samples keeping
    it blind)."""

    viewer: str
    blind: tuple[BlindSample, ...]

    @property
    def own_only(self) -> bool:
        return bool(self.blind)

    def reason(self, what: str | None = None) -> str:
        """Why only the viewer's own work is shown, naming the sample and how it is opened. ``what``: the clip
        (or part of the sample) asked about; None when the question is the sample itself."""
        first = self.blind[0]
        where = (
            f"sample {first.sample_id} ({first.name}) double-codes clips and is"
            if what is None
            else f"{what} is double-coded in sample {first.sample_id} ({first.name}),"
        )
        return (
            f"blind: {where} not yet opened; {self.viewer} sees only their own work until the study lead runs"
            f" 'bwvtool sample unblind {first.sample_id}'"
        )


def _may_see_others(viewer: str, sample: BlindSample) -> bool:
    return viewer not in sample.coders


def clip_view(ws: Workspace, clip_id: str, viewer: str) -> View:
    """What ``viewer`` may see of the other coders' work on ``clip_id``."""
    keeping = [s for s in blinding.blind_samples_of_clip(ws.conn, clip_id) if not _may_see_others(viewer, s)]
    return View(viewer, tuple(keeping))


def sample_view(ws: Workspace, sample_id: int, viewer: str) -> View:
    """What ``viewer`` may see of the coders' work across sample ``sample_id``."""
    sample = blinding.blind_sample(ws.conn, sample_id)
    keeping = () if sample is None or _may_see_others(viewer, sample) else (sample,)
    return View(viewer, keeping)


def visible(ws: Workspace, viewer: str, rows: list, *, clip: str = "clip_id", coder: str = "coder") -> list:
    """``rows`` (objects with a clip id and a coder name) without other coders' work that is blind to
    ``viewer``."""
    hidden = blinding.clips_blind_to(ws.conn, viewer)
    return [r for r in rows if getattr(r, clip) not in hidden or getattr(r, coder) == viewer]


def coder_filter(
    ws: Workspace, sample_id: int, viewer: str | None, coder: str | None, what: str
) -> str | None:
    """The coder an export or analysis of the sample may read for ``viewer``: ``coder`` as asked, or only the
    viewer's own work while the sample is blind to them. ``viewer`` None: a library call, not checked.

    :raises UsageError: the viewer asked for another coder's work of a blind sample.
    """
    if viewer is None:
        return coder
    view = sample_view(ws, sample_id, viewer)
    if not view.own_only:
        return coder
    if coder not in (None, viewer):
        raise UsageError(view.reason() + f"; {coder}'s {what} is not shown")
    return viewer


def reading_coder(
    ws: Workspace, sample_id: int, viewer: str | None, coder: str | None, what: str
) -> tuple[str | None, str | None]:
    """(the coder ``what`` reads, a notice for the viewer or None) for a per-coder result over the sample
    (sequences, an export): only the viewer's own work while the sample is blind to them (the notice says so);
    reading other coders' work is audited.

    :raises UsageError: the viewer asked for another coder's work of a blind sample.
    """
    allowed = coder_filter(ws, sample_id, viewer, coder, what)
    if viewer is None:
        return allowed, None
    if allowed == viewer and coder is None:
        return allowed, sample_view(ws, sample_id, viewer).reason() + f": {what} holds only yours"
    if allowed != viewer:
        record_look(ws, viewer, "sample", str(sample_id), None if allowed is None else [allowed], what)
    return allowed, None


def comparing(ws: Workspace, sample_id: int, viewer: str | None, what: str) -> None:
    """For results that compare coders (agreement): refused while the sample is blind to ``viewer``, audited
    otherwise."""
    if viewer is None:
        return
    view = sample_view(ws, sample_id, viewer)
    if view.own_only:
        raise UsageError(view.reason() + f"; {what} compares coders and waits until then")
    record_look(ws, viewer, "sample", str(sample_id), None, what)


def record_look(
    ws: Workspace, viewer: str, entity: str, entity_id: str, coders: list[str] | None, what: str
) -> None:
    """An audit row: ``viewer`` was shown ``coders``' work (other than their own; None: all the sample's coders,
    for results over a whole sample)."""
    if coders is None:
        coders = blinding.sample_coders(ws.conn, int(entity_id))
    others = sorted(set(coders) - {viewer})
    if not others:
        return
    with ws.transaction(viewer) as tx:
        tx.audit("coding.view", entity, entity_id, {"what": what, "coders": others})


def state(ws: Workspace, sample_id: int) -> str | None:
    """The sample's blind double coding in words (None: it double-codes no clip)."""
    done = blinding.opened(ws.conn, sample_id)
    if done is not None:
        return f"double coding opened by {done[1]} at {done[0][:16].replace('T', ' ')}"
    if blinding.blind_sample(ws.conn, sample_id) is None:
        return None
    waiting = blinding.unfinished_double_coding(ws.conn, sample_id)
    return "blind double coding: " + (
        f"{waiting} assignment(s) of double-coded clips to complete before it can be opened"
        if waiting
        else "complete, ready to be opened by the study lead"
    )


def unblind(ws: Workspace, sample_id: int, actor: str) -> dict[str, str]:
    """Open sample ``sample_id``: its coders may see each other's work from now on (audited, never undone).

    :raises UsageError: unknown sample, not double-coded, already open, the actor is neither the sample's lead
        (who drew it) nor an admin, or double-coded assignments are not complete yet.
    """
    from bwvtool.store import samples as sample_rows

    sample = sample_rows.get_sample(ws.conn, sample_id)
    if sample is None:
        raise UsageError(f"no sample {sample_id} (see 'bwvtool sample list')")
    done = blinding.opened(ws.conn, sample_id)
    if done is not None:
        raise UsageError(f"sample {sample_id} was opened already, by {done[1]} at {done[0]}")
    if blinding.blind_sample(ws.conn, sample_id) is None:
        raise UsageError(f"sample {sample_id} double-codes no clip: there is nothing blind to open")
    lead = sample["drawn_by"] in coder_rows.names_of(ws.conn, actor)  # the lead may have been renamed since
    if not lead and coder_rows.role_of(ws.conn, actor) != "admin":
        raise UsageError(
            f"only the study lead ({sample['drawn_by']}, who drew sample {sample_id}) or an admin opens it,"
            f" not {actor}"
        )
    waiting = blinding.unfinished_double_coding(ws.conn, sample_id)
    if waiting:
        raise UsageError(
            f"sample {sample_id}: {waiting} assignment(s) of its double-coded clips are not complete yet;"
            " it is opened once the coding is complete"
        )
    with ws.transaction(actor) as tx:
        blinding.open_sample(tx, sample_id)
        tx.audit("sample.unblind", "sample", str(sample_id), {"name": sample["name"]})
    return {"sample_id": str(sample_id), "name": sample["name"], "opened_by": actor}
