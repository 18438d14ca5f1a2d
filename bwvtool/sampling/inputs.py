"""What a draw reads besides the plan and the seed: the catalogue columns, named lists, and the exclusions that
earlier samples and reviews imply, all as of the draw date."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwvtool.safe_files import HostileInput, read_text
from bwvtool.sampling import columns, rules, window
from bwvtool.sampling.frame import Exclusions
from bwvtool.store import samples as store
from bwvtool.timeutil import format_utc

if TYPE_CHECKING:
    from bwvtool.sampling.columns import Columns
    from bwvtool.sampling.plan import Plan
    from bwvtool.store import Workspace


@dataclass(frozen=True)
class Inputs:
    """What a draw depends on besides the plan, the seed and the catalogue columns."""

    as_of: date
    window: window.Window | None
    lists: dict[str, list[str]]
    exclusions: Exclusions
    carried: frozenset[str] = frozenset()  # units the previous sample of the plan left out for capacity
    carried_from_ts: int | None = None  # the earliest recording among the carried units' clips

    @property
    def read_window(self) -> window.Window | None:
        """The clips a draw reads: the plan's window, reaching back to the carried units' clips."""
        win = self.window
        if win is None or self.carried_from_ts is None or self.carried_from_ts >= win.start_ts:
            return win
        return window.Window(datetime.fromtimestamp(self.carried_from_ts, UTC), win.end)

    @property
    def context(self) -> rules.Context:
        return rules.Context(self.as_of, {name: frozenset(ids) for name, ids in self.lists.items()})

    def list_digests(self) -> dict[str, dict[str, Any]]:
        return {
            name: {"sha256": list_sha256(ids), "count": len(set(ids))}
            for name, ids in sorted(self.lists.items())
        }


def new_seed() -> int:
    """A fresh seed for a draw that was given none (63 bits: it fits SQLite's INTEGER)."""
    return secrets.randbits(63)


def list_sha256(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(ids))).encode("utf-8")).hexdigest()


def load_columns(
    ws: Workspace,
    plan: Plan,
    win: window.Window | None,
    cache: ColumnCache | None = None,
    *,
    provenance: bool = False,
) -> Columns:
    """The catalogue columns ``plan`` needs, for the clips inside its date window (from ``cache`` if still valid).
    ``provenance``: also what a stored draw's fingerprint and imports are made from (see :func:`read_columns`)."""
    wanted = columns.needed_fields(plan)
    if cache is not None:
        return cache.columns(ws, wanted, win)
    return read_columns(ws, wanted, win, provenance=provenance)


def read_columns(
    ws: Workspace, wanted: list[str], win: window.Window | None, *, provenance: bool = False
) -> Columns:
    """Read the base columns and the fields ``wanted`` for the clips in ``win`` (all clips when ``None``).

    ``provenance``: with the column snapshot's digests of those fields and each clip's import id, which only a
    draw that is stored needs (its fingerprint and imports). A preview or a redraw goes without: at a million
    clips they are ~40% of the bytes read and patched (a fingerprint made without them digests the values
    itself, to the same digests)."""
    from bwvtool.sampling import fields

    names = list(fields.BASE_COLUMNS) + sorted(wanted)
    vocabularies = {
        n: fields.field(n).vocabulary or () for n in wanted if fields.field(n).kind == fields.CHOICE
    }
    bounds = (win.start_ts, win.end_ts) if win else (None, None)
    raw = store.load_columns(ws.conn, names, *bounds, vocabularies=vocabularies, provenance=provenance)
    return columns.build(raw, choice_codes=True)


class ColumnCache:
    """The columns last read, reused until anything is written to the workspace: for live preview in the app.

    A preview runs on every edit of the plan; even from the column snapshot a million clips take ~0.1 s to read,
    and a catalogue change makes the first read after it rebuild the snapshot's fields (seconds). The cache is
    valid while neither this connection (``total_changes``) nor any other (``PRAGMA data_version``) has written,
    and it keeps the union of the fields asked for, so adding a rule on a field already read costs nothing.
    """

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._fields: set[str] = set()
        self._columns: Columns | None = None

    def columns(self, ws: Workspace, wanted: list[str], win: window.Window | None) -> Columns:
        key = (str(ws.path), store.change_marker(ws.conn), (win.start_ts, win.end_ts) if win else None)
        if key == self._key and self._columns is not None and set(wanted) <= self._fields:
            return self._columns
        fields = set(wanted) | (self._fields if key == self._key else set())
        self._columns = read_columns(ws, sorted(fields), win)
        self._key, self._fields = key, fields
        return self._columns


def resolve_lists(plan: Plan) -> dict[str, list[str]]:
    """The ids of each named list: inline, or read from its file (relative to the plan's folder)."""
    out: dict[str, list[str]] = {}
    for name, spec in plan.data.get("lists", {}).items():
        if "ids" in spec:
            out[name] = [str(i).strip() for i in spec["ids"] if str(i).strip()]
            continue
        path = Path(spec["path"]).expanduser()
        if not path.is_absolute() and plan.base_dir is not None:
            path = plan.base_dir / path
        try:
            text = read_text(path, "id list", f"list file {path}")
        except HostileInput as exc:
            raise plan.error(f"/lists/{name}/path", str(exc)) from None
        except OSError as exc:
            raise plan.error(
                f"/lists/{name}/path", f"cannot read list file {path}: {exc.strerror or exc}"
            ) from None
        out[name] = [
            line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()
        ]
    return out


def gather_inputs(
    ws: Workspace,
    plan: Plan,
    as_of: date,
    lists: dict[str, list[str]],
    *,
    before_sample: int | None = None,
    drawn_at: str | None = None,
) -> Inputs:
    """Window, lists and the exclusions from earlier samples and reviews, as of draw date ``as_of``.

    ``before_sample``/``drawn_at``: when verifying, only what existed when the sample was drawn counts. With
    ``design.carry_over``, the units that the previous sample of the plan (the latest with an earlier draw date)
    left out for capacity are carried into this draw.
    """
    exclude = plan.frame.get("exclude", {})
    listed: set[str] = set()
    for name in exclude.get("lists", []):
        listed.update(lists[name])
    sampled: list[tuple[str, str]] = []
    reviewed: list[tuple[str, str]] = []
    if "sampled_within_days" in exclude:
        first = (as_of - timedelta(days=exclude["sampled_within_days"])).isoformat()
        same_plan = exclude.get("sampled_scope", "same_plan") == "same_plan"
        sampled = store.sampled_between(
            ws.conn,
            first,
            as_of.isoformat(),
            plan_name=plan.name if same_plan else None,
            before_sample=before_sample,
        )
    if "reviewed_within_days" in exclude:
        start = format_utc(window.midnight(as_of - timedelta(days=exclude["reviewed_within_days"])))
        end = format_utc(window.midnight(as_of + timedelta(days=1)))
        reviewed = store.reviewed_between(ws.conn, start, min(end, drawn_at) if drawn_at else end)
    exclusions = Exclusions(
        sampled_clips=frozenset(c for c, _ in sampled),
        sampled_incidents=frozenset(i for _, i in sampled),
        reviewed_clips=frozenset(c for c, _ in reviewed),
        reviewed_incidents=frozenset(i for _, i in reviewed),
        listed=frozenset(listed),
    )
    carried: list[str] = []
    if plan.design.get("carry_over"):
        carried = store.left_out_by_previous(
            ws.conn, plan.name, as_of.isoformat(), before_sample=before_sample
        )
    return Inputs(
        as_of,
        window.resolve(plan.frame.get("window"), as_of),
        lists,
        exclusions,
        frozenset(carried),
        store.earliest_recording(ws.conn, plan.unit, carried) if carried else None,
    )
