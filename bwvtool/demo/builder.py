"""Building a demo workspace: a synthetic catalogue with the published 2021 mix, and a few real video clips.

The catalogue comes from :func:`bwvtool.catalogue.synthetic.synthetic_rows` with a fixed seed and is imported the
way users import theirs (:func:`bwvtool.catalogue.importer.import_catalogue`, media hashed and probed), so the demo
exercises the real code paths. Video: the small clips committed in ``sample_media/`` when running from the source
tree, else clips made on the spot by :func:`bwvtool.media.synth.make_clip` (an installed wheel has no
``sample_media/``). A few catalogue rows that suit each clip (an Op Hampshire assault, a stop and search, PAVA
used) point at them, and one incident is filmed by four cameras (:mod:`bwvtool.demo.incident`). Everything is
deterministic, so building again on the same folder changes nothing.
"""

from __future__ import annotations

import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bwvtool.errors import UsageError
from bwvtool.store import audit, browse, open_workspace
from bwvtool.store.postgres import display, is_server_location

SEED = 2021
WORKSPACE_NAME = "bwvtool.sqlite"
CATALOGUE_NAME = "demo-catalogue.jsonl"
MEDIA_DIR = "media"
INCIDENTS_DIR = "incidents"  # the multi-camera incident's clips, catalogue and truth
SAMPLE_MEDIA = Path(__file__).resolve().parents[2] / "sample_media"  # present in a source checkout only


@dataclass(frozen=True)
class GeneratedClip:
    """A clip the demo makes when there is no ``sample_media/`` to copy."""

    name: str
    seconds: float
    seed: int
    fps: str = "25"


GENERATED = (
    GeneratedClip("demo-op-hampshire.mp4", 24, seed=1),
    GeneratedClip("demo-stop-search.mp4", 30, seed=2),
    GeneratedClip("demo-pava.mp4", 20, seed=3, fps="30000/1001"),
)
GENERATED_SIZE = (960, 540)

# Which catalogue rows a clip is linked to, in turn: each clip goes to the newest free row that fits.
RowTest = Callable[[dict], bool]
_LINK_TESTS: tuple[tuple[str, RowTest], ...] = (
    ("Op Hampshire assault", lambda r: "op_hampshire" in r["sources"] and bool(r["assault_types"])),
    ("stop and search", lambda r: "stop_search" in r["sources"] and r.get("ss_outcome") == "arrest"),
    ("PAVA used", lambda r: "Irritant spray - used" in r["uof_tactics"]),
    ("use of force", lambda r: "use_of_force" in r["sources"]),
)


@dataclass
class DemoReport:
    """What :func:`build_demo` made or found."""

    directory: Path
    db: Path | str  # a file, or a server location
    catalogue: Path
    clips: int
    media: list[dict[str, Any]] = field(default_factory=list)
    media_origin: str = ""
    import_counts: dict[str, int] = field(default_factory=dict)
    created: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "db": str(self.db),
            "catalogue": str(self.catalogue),
            "clips": self.clips,
            "media": self.media,
            "media_origin": self.media_origin,
            "import": self.import_counts,
            "created": self.created,
        }

    @property
    def summary(self) -> str:
        counts = self.import_counts
        shown = display(str(self.db)) if is_server_location(self.db) else str(self.db)
        return "\n".join(
            [
                f"Demo workspace {'created' if self.created else 'ready'}: {shown}",
                f"  {self.clips:,} clips in the catalogue ({counts.get('inserted', 0):,} new, "
                f"{counts.get('updated', 0):,} updated, {counts.get('unchanged', 0):,} unchanged)",
                f"  {len(self.media)} with video ({self.media_origin}) in {self.directory / MEDIA_DIR}",
                f"  open it with: bwvtool --db {shlex.quote(shown)} gui",
            ]
        )


def build_demo(
    directory: str | Path,
    *,
    clips: int = 5_000,
    db: str | Path | None = None,
    actor: str | None = None,
    seed: int = SEED,
) -> DemoReport:
    """Make (or bring up to date) a demo workspace in ``directory``; safe to run again on the same folder.

    :param directory: folder for the catalogue file, the clips and (unless ``db`` is given) the workspace.
    :param clips: how many clips the synthetic catalogue holds.
    :param db: the workspace file (default ``directory/bwvtool.sqlite``), or a PostgreSQL server location
        (``postgresql://…``, ``service=…``: the database is created if the login may, else it must exist). An
        existing workspace that already holds clips and was not made by the demo is refused, so a demo never
        mixes into real data.
    :param actor: who builds it (audit log).
    :param seed: the catalogue's random seed.
    :raises UsageError: ``clips`` < 1, or ``db`` holds a catalogue that is not a demo.
    """
    if clips < 1:
        raise UsageError("a demo needs at least one clip")
    directory = Path(directory).resolve()
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is a file; choose a folder for the demo")
    if db is not None and is_server_location(db):
        from bwvtool.store.postgres.workspace import create_database

        db_path: Path | str = str(db)
        create_database(db_path)  # nothing happens when it exists
    else:
        db_path = Path(db).resolve() if db else directory / WORKSPACE_NAME
    shown = display(str(db_path)) if is_server_location(db_path) else db_path
    with open_workspace(db_path, create=True) as ws:
        created = browse.count_clips(ws.conn) == 0
        if not created and not audit.recent(ws.conn, 1, entity="demo"):
            raise UsageError(f"{shown} already holds a catalogue that is not a demo; choose another --db")
        directory.mkdir(parents=True, exist_ok=True)
        media, origin = _media_files(directory / MEDIA_DIR)
        catalogue = directory / CATALOGUE_NAME
        linked = _write_catalogue(catalogue, clips, seed, media)
        with ws.transaction(actor) as tx:
            # Marks the workspace as a demo before the import, so an interrupted build can be run again.
            tx.audit("demo.build", "demo", str(directory), {"clips": clips, "seed": seed, "media": origin})
        from bwvtool.catalogue.importer import import_catalogue

        report = import_catalogue(ws, catalogue, media_root=directory, hash_media=True, actor=actor)
        from bwvtool.demo.coded import code_demo

        code_demo(ws, actor=actor)  # samples, coded clips and reviews to debrief and to chart (once)
        from bwvtool.demo.spoken import add_spoken

        add_spoken(ws, actor=actor)  # audio tracks and transcripts of the clips with video (once)
        from bwvtool.demo.incident import add_incident

        add_incident(
            ws, directory / INCIDENTS_DIR, actor=actor
        )  # four cameras of one incident, aligned and coded
    counts = {
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
    }
    return DemoReport(directory, db_path, catalogue, clips, linked, origin, counts, created)


def _media_files(folder: Path) -> tuple[list[Path], str]:
    """The demo's video files: copies of ``sample_media/*.mp4`` if there are any, else generated clips."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = sorted(SAMPLE_MEDIA.glob("*.mp4")) if SAMPLE_MEDIA.is_dir() else []
    if samples:
        files = []
        for source in samples:
            dest = folder / source.name
            if not dest.exists() or dest.stat().st_size != source.stat().st_size:
                shutil.copyfile(source, dest)
            files.append(dest)
        return files, "copied from sample_media/"
    from bwvtool.media.synth import make_clip

    files = []
    for clip in GENERATED:
        dest = folder / clip.name
        if not dest.exists():  # make_clip writes to a temporary file and renames: a file here is complete
            width, height = GENERATED_SIZE
            make_clip(dest, seconds=clip.seconds, fps=clip.fps, width=width, height=height, seed=clip.seed)
        files.append(dest)
    return files, "generated"


RECENT_WITH_MEDIA_DAYS = 21


def _write_catalogue(path: Path, clips: int, seed: int, media: list[Path]) -> list[dict[str, Any]]:
    """Write the synthetic catalogue, pointing a few fitting rows at ``media``; returns those links."""
    from bwvtool.catalogue.synthetic import synthetic_rows, write_jsonl
    from bwvtool.media.probe import probe

    # The twelve weeks up to today, so "last week" plans, retention deadlines and the weekly picture have data.
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = list(synthetic_rows(clips, seed=seed, start=end - timedelta(days=84), end=end))
    for row in rows:
        row["media_path"] = None  # the synthetic export names files that do not exist here
    links = []
    taken: set[int] = set()
    for number, file in enumerate(media):
        label, test = _LINK_TESTS[number % len(_LINK_TESTS)]
        index = _first_free(rows, taken, test)
        if index is None:
            continue
        taken.add(index)
        row = rows[index]
        row["media_path"] = str(file)
        duration = probe(file).duration_s
        if duration:
            row["duration_s"] = round(duration, 3)
        links.append({"clip_id": row["clip_id"], "media": str(file), "kind": label})
    _link_recent(rows, media, end - timedelta(days=RECENT_WITH_MEDIA_DAYS), probe)
    write_jsonl(path, rows)
    return links


def _link_recent(rows: list[dict[str, Any]], media: list[Path], since: datetime, probe: Callable) -> None:
    """Give every clip of the last weeks a video (the few demo files in turn): in a force's evidence system
    every clip has one, and plans such as PIOSS weekly only draw clips whose media is present."""
    if not media:
        return
    durations = {file: probe(file).duration_s for file in media}
    cutoff = since.isoformat()
    recent = [row for row in rows if not row.get("media_path") and str(row["recorded_at"]) >= cutoff]
    for number, row in enumerate(recent):
        file = media[number % len(media)]
        row["media_path"] = str(file)
        if durations[file]:
            row["duration_s"] = round(durations[file], 3)


def _first_free(rows: list[dict], taken: set[int], test: RowTest) -> int | None:
    """The newest row passing ``test`` that has no clip yet (the app lists newest first, so the clips with
    video are in view when it opens); any free row when none passes (tiny catalogues)."""
    fallback = None
    for index in range(len(rows) - 1, -1, -1):
        row = rows[index]
        if index in taken:
            continue
        if test(row):
            return index
        if fallback is None:
            fallback = index
    return fallback
