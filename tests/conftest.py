"""Shared fixtures. Qt runs offscreen so the whole suite needs no display."""

from __future__ import annotations

import collections
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BWVTOOL_USER", "test-user")
# Workspace workers and job processes start with ``python -P`` (the current folder is not on their path); tests
# hand them functions from this repository's ``tests`` package, so the repository goes on their path explicitly.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")) if p
)
# Per-user state (the audit anchor log, bwvtool.anchors) never goes to the user's own folder, not even from
# module-scoped fixtures or subprocesses; each test gets a fresh folder on top (_state_dir_per_test).
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="bwvtool-test-state-")
# Nor do the app's settings (the window's saved geometry, the desk's raised level) go to the user's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="bwvtool-test-config-")
_RUN_FOLDERS = (os.environ["XDG_STATE_HOME"], os.environ["XDG_CONFIG_HOME"])

REPO = Path(__file__).resolve().parent.parent


ENGINES = ("sqlite", "postgresql")


def _engines() -> tuple[str, ...]:
    """The engines every workspace test runs on: both whenever a PostgreSQL cluster can be had ($BWVTOOL_TEST_PG,
    or the server binaries to start a throwaway one), else SQLite alone. ``BWVTOOL_TEST_ENGINES=sqlite`` (or
    ``postgresql``) narrows a local run to one."""
    from tests import pg

    chosen = os.environ.get("BWVTOOL_TEST_ENGINES", "all")
    if chosen in ENGINES:
        return (chosen,)
    if chosen != "all":
        raise pytest.UsageError(f"BWVTOOL_TEST_ENGINES={chosen!r}: use all, sqlite or postgresql")
    available = pg.from_environment() is not None or pg.bin_dir() is not None
    return ENGINES if available else ("sqlite",)


def pytest_unconfigure(config):
    for folder in _RUN_FOLDERS:  # a run leaves nothing in /tmp
        shutil.rmtree(folder, ignore_errors=True)


def pytest_report_header(config):
    engines = _engines()
    why = "" if len(engines) > 1 else " (no PostgreSQL: $BWVTOOL_TEST_PG unset and no server binaries)"
    return f"workspace engines: {', '.join(engines)}{why}"


def pytest_generate_tests(metafunc):
    """Every test whose workspace comes from the ``engine`` fixture runs once per engine; a test marked
    ``both_engines`` runs on PostgreSQL even without a cluster (and is then skipped there, visibly)."""
    if "engine" not in metafunc.fixturenames:
        return
    only = metafunc.definition.get_closest_marker("sqlite_only")
    if only is not None:
        if not only.args or not str(only.args[0]).strip():
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs its reason in one line")
        metafunc.parametrize("engine", ["sqlite"], scope="module")
        return
    engines = _engines()
    if (
        metafunc.definition.get_closest_marker("both_engines")
        and os.environ.get("BWVTOOL_TEST_ENGINES") is None
    ):
        engines = ENGINES
    if len(engines) > 1:
        # Module scope: a module's tests run on one engine, then the other, so module fixtures can build one
        # workspace per engine (module_workspace_location).
        metafunc.parametrize("engine", engines, scope="module")


@pytest.fixture(scope="module")
def engine():
    """The workspace engine of this test when only one is in use (else the parametrisation above decides)."""
    return _engines()[0]


@pytest.fixture(autouse=True)
def _state_dir_per_test(tmp_path_factory, monkeypatch):
    """Per-user state (the audit anchor log, bwvtool.anchors) goes to a fresh folder, never the user's own."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


# Test databases are dropped a few tests late: an app a test opened may still finish background work (an audio
# analysis, a poll) on its workspace just after the test ends, and must find it there, as a file workspace would be.
_RETIRED: collections.deque[tuple[object, str]] = collections.deque()
_KEEP_RETIRED = 32  # a few hundred MB at most; a slow background analysis can outlive several tests


def _retire(cluster, url: str) -> None:
    _RETIRED.append((cluster, url))
    while len(_RETIRED) > _KEEP_RETIRED:
        old_cluster, old_url = _RETIRED.popleft()
        old_cluster.drop_database(old_url)


def _drop_retired() -> None:
    while _RETIRED:
        old_cluster, old_url = _RETIRED.popleft()
        old_cluster.drop_database(old_url)


@pytest.fixture(scope="session")
def pg_cluster():
    """The PostgreSQL cluster of the tests: $BWVTOOL_TEST_PG's, or a throwaway one started here."""

    from tests import pg

    cluster = pg.from_environment()
    if cluster is not None:
        yield cluster
        _drop_retired()
        return
    if pg.bin_dir() is None:
        pytest.skip(f"no PostgreSQL: ${pg.ENV} is unset and the server binaries are not installed")
    with pg.throwaway("bwvtool-pg-") as cluster:
        yield cluster
        _drop_retired()


@pytest.fixture
def workspace_location(tmp_path, engine, request):
    """Where this test's workspace lives: a SQLite file, or a fresh empty database on the test cluster."""
    if engine == "sqlite":
        yield tmp_path / "ws.sqlite"
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database()
    yield url
    _retire(cluster, url)


@pytest.fixture(scope="module")
def module_workspace_location(engine, tmp_path_factory, request):
    """:func:`workspace_location` for a module's shared workspace (built once per engine)."""
    if engine == "sqlite":
        yield tmp_path_factory.mktemp("module-ws") / "ws.sqlite"
        return
    cluster = request.getfixturevalue("pg_cluster")
    url = cluster.new_database()
    yield url
    _retire(cluster, url)


@pytest.fixture
def server_url(pg_cluster):
    """A fresh, empty database on the test cluster (its URL, as the superuser); dropped afterwards."""
    url = pg_cluster.new_database()
    yield url
    _retire(pg_cluster, url)


def open_test_workspace(location, *, create=False):
    """Open a workspace on either engine (until the store's open_workspace routes server locations itself)."""
    from bwvtool.store import open_workspace
    from bwvtool.store.postgres import is_server_location
    from bwvtool.store.postgres import open_workspace as open_server_workspace

    if is_server_location(location):
        return open_server_workspace(str(location), create=create)
    return open_workspace(location, create=create)


@pytest.fixture
def workspace(workspace_location):
    """A fresh, migrated workspace (a SQLite file, or a server database: one per engine)."""
    ws = open_test_workspace(workspace_location, create=True)
    yield ws
    ws.close()


@pytest.fixture
def run_cli(workspace_location, capfd):
    """Run ``bwvtool`` in-process on this test's workspace location (or ``db``); returns (exit code, stdout,
    stderr)."""
    from bwvtool.cli import main

    def run(*args: str, db: Path | str | None = None) -> tuple[int, str, str]:
        argv = ["--db", str(db or workspace_location), *args]
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capfd.readouterr()
        return code, out, err

    return run


SMALL_CATALOGUE = """clip_id,incident_id,recorded_at,duration_s,officer_ref,borough,sources,uof_tactics,assault_types
C001,I001,2026-11-02T10:00:00Z,120,PC101,Lambeth,stop_search,,
C002,I001,2026-11-02T10:00:05Z,95.5,PC102,Lambeth,stop_search;use_of_force,Compliant handcuffing,
C003,I002,2026-11-03T21:14:00+00:00,300,PC103,Croydon,op_hampshire;use_of_force,Unarmed skills;Baton used,punching
"""


@pytest.fixture
def clip_workspace(workspace, tmp_path):
    """A workspace holding three catalogue clips (C001–C003), imported the way users import them."""
    from bwvtool.catalogue.importer import import_catalogue

    source = tmp_path / "small_catalogue.csv"
    source.write_text(SMALL_CATALOGUE, encoding="utf-8")
    import_catalogue(workspace, source, actor="test-user")
    return workspace


@pytest.fixture
def app_workspaces():
    """Workspaces opened from here on are served by a worker process, as in the app (no SQLite in this process)."""
    from bwvtool.store.remote import stop_workers
    from bwvtool.store.workspace import use_worker_process

    use_worker_process(True)
    yield
    use_worker_process(False)
    stop_workers()
