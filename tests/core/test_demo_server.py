"""`bwvtool demo --db postgresql://…` builds the demo in the server database (created when missing), never a file
named after the URL; running it again changes nothing."""

from __future__ import annotations

import json
import uuid

from bwvtool.demo import incident as demo_incident
from bwvtool.store import browse, open_workspace


def test_demo_builds_in_the_server_database(pg_cluster, tmp_path, capfd, monkeypatch):
    from bwvtool.cli import main

    monkeypatch.chdir(tmp_path)
    url = pg_cluster.url(f"bwvdemo_{uuid.uuid4().hex[:8]}")  # no such database yet: the demo creates it
    try:
        for run in (1, 2):
            try:
                main(
                    [
                        "--db",
                        url,
                        "demo",
                        "--headless",
                        "--dir",
                        str(tmp_path / "demo"),
                        "--clips",
                        "300",
                        "--json",
                    ]
                )
            except SystemExit as exc:
                assert exc.code in (0, None)
            report = json.loads(capfd.readouterr().out)
            assert report["db"] == url and report["created"] is (run == 1)
        assert report["import"] == {"inserted": 0, "updated": 0, "unchanged": 300, "rejected": 0}
        assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # no file named after the URL
        assert not (tmp_path / "demo" / "bwvtool.sqlite").exists()
        with open_workspace(url) as ws:
            clips = browse.count_clips(ws.conn)
            assert (
                ws.engine == "postgresql" and clips == 300 + demo_incident.CAMERAS
            )  # and the incident's cameras
            assert (
                ws.conn.execute("SELECT count(*) FROM clip_reviews").fetchone()[0] > 0
            )  # coded, as on SQLite
            assert ws.verify_audit().ok
    finally:
        pg_cluster.drop_database(url)
