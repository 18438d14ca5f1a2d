"""The per-clip summary: one row per clip and coder, aggregated from that coder's events.

Which codes play which part is read from the codebooks where they say it, and named here where they cannot:

* **use of force**: every code of a track listed in :attr:`SummaryRoles.force_tracks` (``officer_force``: the Home
  Office tactics), except ``tactical_communications`` — the Home Office form records it, but it is talk, not force;
* **escalation up / down** and **turning points**: codes whose codebook entry sets ``escalation: up|down`` or
  ``turning_point: true``;
* **command** and **reason given**: the codes with ids ``command`` and ``reason_given`` (codebooks have no flag for
  these; both shipped codebooks use these ids, after Rho et al. 2023).

A state left open counts to the end of the clip. Times are from the start of the clip, in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bwvtool.codebook import Code
from bwvtool.export.context import Context
from bwvtool.export.tables import Column, Table, TableWriter


@dataclass(frozen=True)
class SummaryRoles:
    """Which codes count as a command, a reason, or use of force (see the module docstring)."""

    command_codes: tuple[str, ...] = ("command",)
    reason_codes: tuple[str, ...] = ("reason_given",)
    force_tracks: tuple[str, ...] = ("officer_force",)
    not_force_codes: tuple[str, ...] = ("tactical_communications",)

    def resolve(self, codes: list[Code]) -> dict[str, list[str]]:
        """The code ids of each role among ``codes``."""
        return {
            "command": [c.id for c in codes if c.id in self.command_codes],
            "reason": [c.id for c in codes if c.id in self.reason_codes],
            "force": [
                c.id for c in codes if c.track in self.force_tracks and c.id not in self.not_force_codes
            ],
            "escalation_up": [c.id for c in codes if c.escalation == "up"],
            "escalation_down": [c.id for c in codes if c.escalation == "down"],
            "turning_point": [c.id for c in codes if c.turning_point],
        }


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=dict)
    durations: dict[str, int] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)  # role -> earliest onset
    first_force_code: str | None = None
    n_events: int = 0


class Summary:
    """Collects events (as :func:`~bwvtool.export.dataset.write_events` streams them) and writes the summary."""

    def __init__(self, ctx: Context, roles: SummaryRoles | None = None) -> None:
        self.ctx = ctx
        self.codes = ctx.all_codes()
        self.states = {c.id for c in self.codes if c.is_state}
        self.roles = (roles or SummaryRoles()).resolve(self.codes)
        self._role_of: dict[str, list[str]] = {}
        for role, ids in self.roles.items():
            for code_id in ids:
                self._role_of.setdefault(code_id, []).append(role)
        self._tallies: dict[tuple[str, str], _Tally] = {}

    def roles_description(self) -> dict[str, list[str]]:
        return dict(self.roles)

    def observe(self, clip_id: str, coder: str, events: list[tuple[str, int, int | None]]) -> None:
        """Count ``(code, onset_ms, offset_ms)`` events of one clip's coder (in onset order)."""
        tally = self._tallies.setdefault((clip_id, coder), _Tally())
        tally.n_events += len(events)
        counts, durations, first = tally.counts, tally.durations, tally.first
        states, role_of = self.states, self._role_of
        clip_end = self.ctx.clips[clip_id].duration_ms
        for code, onset, offset in events:
            counts[code] = counts.get(code, 0) + 1
            if code in states:
                end = offset if offset is not None else max(onset, clip_end)
                durations[code] = durations.get(code, 0) + end - onset
            for role in role_of.get(code, ()):  # usually none
                if role not in first or onset < first[role]:
                    first[role] = onset
                    if role == "force":
                        tally.first_force_code = code

    def table(self) -> Table:
        roles = self.roles

        def listed(role: str) -> str:
            return ", ".join(roles[role]) or "none in the codebooks used"

        columns = [
            Column("sample_id", "integer", "The sample's id."),
            Column("clip_id", "identifier", "The clip (as in clips and events)."),
            Column("incident_id", "identifier", "The incident (as in clips and events)."),
            Column("coder", "identifier", "The coder whose events are summarised (one row per clip and coder), as in"
                   " events and reviews."),
            Column("review_status", "text", "The coder's clip review: draft, complete, or empty (none).",
                   ("draft", "complete")),  # fmt: skip
            Column("n_events", "integer", "Events the coder recorded on the clip."),
            Column("time_to_first_command_ms", "integer",
                   f"Onset of the first command ({listed('command')}); empty if none."),
            Column("time_to_first_reason_ms", "integer",
                   f"Onset of the first reason given ({listed('reason')}); empty if none."),
            Column("reason_before_first_command", "boolean",
                   "true when a reason was given strictly before the first command, false when not; empty when"
                   " there was no command."),
            Column("time_to_first_force_ms", "integer",
                   f"Onset of the first use of force ({listed('force')}); empty if none."),
            Column("first_force_code", "text", "The code of that first use of force.", tuple(roles["force"])),
            Column("n_escalation_up", "integer", f"Escalation-up markers ({listed('escalation_up')})."),
            Column("n_escalation_down", "integer", f"Escalation-down markers ({listed('escalation_down')})."),
            Column("n_turning_points", "integer", f"Turning points ({listed('turning_point')})."),
        ]  # fmt: skip
        columns += [
            Column(f"count_{c.id}", "integer", f"Number of '{c.label}' events ({c.track}).")
            for c in self.codes
        ]
        columns += [
            Column(
                f"duration_ms_{c.id}", "integer", f"Total time in '{c.label}' states, ms (open: to clip end)."
            )
            for c in self.codes
            if c.is_state
        ]
        return Table("summary", columns)

    def write(
        self, coders_of: dict[str, set[str]], statuses: dict[tuple[str, str], str], out: TableWriter
    ) -> None:
        """One row per clip (draw order) and coder who coded it (only the filtered coder, if any)."""
        ctx = self.ctx
        wanted = ctx.options.coder
        state_codes = [c.id for c in self.codes if c.is_state]
        for clip_id, info in ctx.clips.items():
            for coder in sorted(coders_of.get(clip_id, ())):
                if wanted is not None and coder != wanted:
                    continue
                tally = self._tallies.get((clip_id, coder), _Tally())
                command, reason = tally.first.get("command"), tally.first.get("reason")
                before: bool | None = None
                if command is not None:
                    before = reason is not None and reason < command
                row: list[Any] = [
                    ctx.sample_id,
                    info.name,
                    info.incident,
                    ctx.person(coder),
                    statuses.get((clip_id, coder)),
                    tally.n_events,
                    command,
                    reason,
                    before,
                    tally.first.get("force"),
                    tally.first_force_code,
                    sum(tally.counts.get(c, 0) for c in self.roles["escalation_up"]),
                    sum(tally.counts.get(c, 0) for c in self.roles["escalation_down"]),
                    sum(tally.counts.get(c, 0) for c in self.roles["turning_point"]),
                ]
                row += [tally.counts.get(c.id, 0) for c in self.codes]
                row += [tally.durations.get(c, 0) for c in state_codes]
                out.write(row)
