"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, a Unix socket, no TCP, no Docker.

The tests use the cluster named by ``$BWVTOOL_TEST_PG`` (its socket folder; CI starts one with
``python tests/pg.py start DIR``), or else start their own when Debian's PostgreSQL binaries are installed.
Run as root (CI, these machines), the cluster belongs to the ``postgres`` user: initdb refuses to run as root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENV = "BWVTOOL_TEST_PG"
SUPERUSER = "postgres"


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL server binaries (Debian keeps them out of PATH), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *argv] if os.geteuid() == 0 else argv


@dataclass
class Cluster:
    """A running cluster reached through the socket in ``socket_dir``."""

    socket_dir: Path
    data_dir: Path | None = None  # None: started by someone else (CI), not ours to stop

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@/{dbname}?host={self.socket_dir}"

    def new_database(self, prefix: str = "bwvtest") -> str:
        """A fresh, empty database with the collation bwvtool's server init uses; its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(
                f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            )
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]  # the URL's host is a folder: it has slashes
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def restart(self) -> None:
        """Stop the server (fast: sessions are cut) and start it again, as an administrator's restart does."""
        binaries = bin_dir()
        log = str(self.data_dir.parent / "log")  # the server must not inherit our pipes: it outlives pg_ctl
        subprocess.run(
            _as_owner(
                [str(binaries / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-l", log, "-w", "restart"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.data_dir is not None:
            binaries = bin_dir()
            subprocess.run(
                _as_owner([str(binaries / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]),
                check=False,
                capture_output=True,
            )


def start(base: Path, *, durable: bool = False, tcp_port: int | None = None) -> Cluster:
    """initdb a cluster under ``base`` and start it on a Unix socket there; the caller stops it. Tests run it
    without fsync (a throwaway cluster); ``durable`` keeps the server's default (benches measure real commits).
    ``tcp_port``: also listen on localhost at that port (the socket takes the same number), where logins sign in
    with their password (SCRAM), as on a Debian server; the socket still trusts everyone."""
    binaries = bin_dir()
    if binaries is None:
        raise RuntimeError("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    base.mkdir(parents=True, exist_ok=True)
    data, sock = base / "data", base / "sock"
    sock.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(base, SUPERUSER)
        shutil.chown(sock, SUPERUSER)
    subprocess.run(
        _as_owner(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                *(["--auth-host=scram-sha-256"] if tcp_port else []),
                "-U",
                SUPERUSER,
                "--no-locale",
                "-E",
                "UTF8",
            ]
        ),  # fmt: skip
        check=True,
        capture_output=True,
    )
    listen = f"-c listen_addresses=localhost -p {tcp_port:d}" if tcp_port else "-c listen_addresses=''"
    options = f"-k {sock} {listen} -c max_connections=100" + ("" if durable else " -c fsync=off")
    subprocess.run(
        _as_owner(
            [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"]
        ),  # fmt: skip
        check=True,
        capture_output=True,
    )
    return Cluster(sock, data)


@contextlib.contextmanager
def throwaway(prefix: str, *, durable: bool = False, tcp_port: int | None = None) -> Iterator[Cluster]:
    """A cluster of its own in a new temporary folder (see :func:`start`), stopped and its folder (tens of
    megabytes) removed at the end, however the run ends."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        base.chmod(0o755)  # the server runs as the postgres user
        cluster = start(base / "cluster", durable=durable, tcp_port=tcp_port)
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def from_environment() -> Cluster | None:
    socket_dir = os.environ.get(ENV)
    return Cluster(Path(socket_dir)) if socket_dir else None


if __name__ == "__main__":
    # python tests/pg.py start DIR  -> prints the socket folder;  python tests/pg.py stop DIR
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        print(start(folder).socket_dir)
    else:
        Cluster(folder / "sock", folder / "data").stop()
