"""Several people at once, seen from the app: Take next gives a clip nobody else has, an edit of an event or a
review someone else changed meanwhile is refused with who and when and the desk reloads, and the queue and the
dashboard follow work other processes commit, without a restart. The other people are real processes
(``bwvtool`` commands, or a script running the same session the desk runs)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from bwvtool.coding import claims
from bwvtool.coding.scripted import open_session
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import ensure_default_codebooks
from bwvtool.wording import count
from tests.core.team_fixture import REPO, as_login, people, pooled_sample, run_bwvtool

COMPLETE = [("outcome", "no_action"), ("welfare_concern", "no"), ("learning_themes", "none"),
            ("whole_encounter_recorded", "yes"), ("audio_quality", "good")]  # fmt: skip

EDIT_NOTE = """
import sys
from bwvtool.coding.scripted import open_session
from bwvtool.store import open_workspace
location, user, note = sys.argv[1:4]
with open_workspace(location) as ws:
    session = open_session(ws, "P0000", user, None)
    session.edit(session.events[0].id, note=note)
"""


class Team:
    """A workspace (on either engine) whose sample of six clips (PIOSS codebook) is in the unit's pool, and its
    reviewers: on a server each is a login of their own, in the reviewer role."""

    def __init__(self, location, names: list[str]) -> None:
        with open_workspace(location, create=True) as ws:
            ensure_default_codebooks(ws, actor="ada")
            self.sample = pooled_sample(ws, 6, codebook="pioss_review")
            claims.share_sample(ws, self.sample, "ada")
        self.location = location
        self.logins = people(location, names)

    def login(self, name: str) -> str:
        return self.logins[name]

    def at(self, name: str):
        """Where ``name`` works: the file, or the server as their own login."""
        return as_login(self.location, self.logins[name])

    def run(self, name: str, *args: str):
        """A ``bwvtool`` command by ``name`` in its own process."""
        return run_bwvtool(self.at(name), self.logins[name], *args)


@pytest.fixture
def team(workspace_location):
    return Team(workspace_location, ["rosa", "ravi"])


def _desk(qtbot, location, user):
    from bwvtool.ui.desk.desk import CodingDesk

    ws = open_workspace(location)  # through a worker process, as in the app
    desk = CodingDesk(ws, user)
    qtbot.addWidget(desk)
    desk.resize(1400, 900)
    desk.show()
    messages: list[str] = []
    desk.status.connect(messages.append)
    return desk, messages


def _queue(desk) -> list[str]:
    return [desk.queue.item(r).text().splitlines()[0] for r in range(desk.queue.count())]


def test_take_next_gives_a_clip_nobody_else_has_and_the_queue_follows_others(qtbot, team):
    rosa = team.login("rosa")
    desk, messages = _desk(qtbot, team.at("rosa"), rosa)
    assert desk.take_next.isVisible() and desk.take_next.text() == "Take next (6 in the pool)"
    assert desk.queue.count() == 0
    assert team.run("ravi", "queue", "claim").returncode == 0  # ravi, at his own desk, took P0000
    qtbot.waitUntil(
        lambda: desk.take_next.text() == "Take next (5 in the pool)", timeout=20_000
    )  # no restart
    qtbot.mouseClick(desk.take_next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.clip_id == "P0001", timeout=20_000)
    assert any("Took P0001 from the pool" in m for m in messages)
    assert _queue(desk) == ["○  P0001  ⊘ no media"] and desk.take_next.text() == "Take next (4 in the pool)"
    # rosa finishes P0001 at another desk (the command line): this desk shows it complete by itself
    for item, value in COMPLETE:
        assert team.run("rosa", "review", "answer", "P0001", item, value).returncode == 0
    assert team.run("rosa", "review", "complete", "P0001").returncode == 0
    qtbot.waitUntil(lambda: _queue(desk) == ["●  P0001  ⊘ no media"], timeout=20_000)
    assert "1 of 1 reviewed" in desk.queue_title.text()
    for _ in range(4):
        assert team.run("ravi", "queue", "claim").returncode == 0
    qtbot.waitUntil(lambda: not desk.take_next.isEnabled(), timeout=20_000)
    assert desk.take_next.text() == "Take next (pool empty)"


def test_an_edit_of_an_event_changed_elsewhere_is_refused_and_the_desk_reloads(qtbot, team):
    rosa = team.login("rosa")
    with open_workspace(team.at("rosa")) as ws:
        assert claims.claim_next(ws, rosa).clip_id == "P0000"
        event = open_session(ws, "P0000", rosa, None).code_key(
            "complies", at_ms=1000, at_frame=25, actor="subject_1"
        )
    desk, messages = _desk(qtbot, team.at("rosa"), rosa)
    desk.open_clip("P0000")
    assert desk.session.event(event.id).version == 1
    desk._refresh_timer.stop()  # the other desk saves between two looks of this one
    other = subprocess.run(
        [sys.executable, "-c", EDIT_NOTE, str(team.at("rosa")), rosa, "from the other desk"],
        cwd=REPO,
        timeout=120,
    )
    assert other.returncode == 0
    desk._edit("note", lambda session: session.edit(event.id, note="from this desk"))
    refused = [m for m in messages if "was changed by" in m]
    assert len(refused) == 1 and refused[0].startswith(f"event {event.id} was changed by {rosa} at ")
    assert refused[0].endswith(" UTC — reloaded")
    assert desk.session.event(event.id).note == "from the other desk"  # reloaded, shown, not overwritten
    assert event_rows.get(desk.ws.conn, event.id).note == "from the other desk"
    assert desk.model.data(desk.model.index(desk.model.row_of(event.id), 0)) is not None
    desk._edit("note", lambda session: session.edit(event.id, note="now on top of theirs"))
    assert event_rows.get(desk.ws.conn, event.id).note == "now on top of theirs"


def test_a_review_answer_saved_elsewhere_is_not_overwritten(qtbot, team):
    rosa = team.login("rosa")
    with open_workspace(team.at("rosa")) as ws:
        assert claims.claim_next(ws, rosa).clip_id == "P0000"
    desk, _messages = _desk(qtbot, team.at("rosa"), rosa)
    desk.open_clip("P0000")
    failures: list[str] = []
    desk.review.failed.connect(failures.append)
    desk._refresh_timer.stop()  # the other desk saves between two looks of this one
    assert team.run("rosa", "review", "answer", "P0000", "outcome", "support_offered").returncode == 0
    desk.review.answer("outcome", "no_action")
    assert len(failures) == 1 and failures[0].startswith(f"the review of P0000 was changed by {rosa} at ")
    assert failures[0].endswith("— reloaded")
    combo = desk.review._inputs["outcome"]
    assert combo.currentData() == "support_offered"  # the form shows what is stored
    desk.review.answer("welfare_concern", "yes")
    assert not failures[1:]
    shown = team.run("rosa", "review", "show", "P0000", "--json")
    assert '"support_offered"' in shown.stdout and '"version": 2' in shown.stdout
    # Looking again (as the desk does every second), it shows what another desk saves, without any action here.
    desk._refresh_timer.start()
    assert team.run("rosa", "review", "answer", "P0000", "audio_quality", "poor").returncode == 0
    qtbot.waitUntil(lambda: desk.review._inputs["audio_quality"].currentData() == "poor", timeout=20_000)
    assert desk.review.version == 3 and not failures[1:]


def test_the_dashboard_follows_reviews_completed_elsewhere(qtbot, workspace, tmp_path):
    from bwvtool.ui.dashboard import DashboardPage
    from tests.core.test_weekly import build_weekly_fixture

    build_weekly_fixture(workspace, tmp_path)
    page = DashboardPage(lambda: workspace)
    qtbot.addWidget(page)
    page.resize(1500, 900)
    page.show()
    qtbot.waitUntil(lambda: page.report is not None, timeout=30_000)
    assert page.tiles["reviewed"].value.text() == "4"
    location = workspace.path
    for item, value in COMPLETE[1:]:  # rev1 finishes the draft of D1 (I4) in another process
        assert run_bwvtool(location, "rev1", "review", "answer", "D1", item, value).returncode == 0
    assert run_bwvtool(location, "rev1", "review", "complete", "D1").returncode == 0
    qtbot.waitUntil(lambda: page.tiles["reviewed"].value.text() == "5", timeout=30_000)


def test_the_main_window_opens_on_a_server_as_a_reviewer(qtbot, server_url):
    """A reviewer's login reads only their clips and no import journal: the window opens all the same, shows
    where it is connected (no password), and the desk takes the next clip from the pool."""
    from bwvtool.ui.main_window import MainWindow
    from tests.core.team_fixture import as_login, people

    with open_workspace(server_url, create=True) as ws:
        ensure_default_codebooks(ws, actor="postgres")
        claims.share_sample(ws, pooled_sample(ws, 2, codebook="pioss_review"), "postgres")
    login = people(server_url, ["ravi"])["ravi"]
    window = MainWindow(open_workspace(as_login(server_url, login)), login)
    qtbot.addWidget(window)
    window.show()
    assert window.status_path.text().startswith("postgresql://") or "user=" in window.status_path.text()
    assert window.workspace.conn.execute("SELECT current_user").fetchone()[0] == login
    desk = window.coding_desk()
    assert desk.take_next.text() == "Take next (2 in the pool)"
    desk.claim_next()
    assert desk.clip_id == "P0000" and desk.take_next.text() == "Take next (1 in the pool)"
    window.close()


def test_a_sample_is_given_to_the_pool_from_the_samples_page_and_a_clip_given_back_from_the_desk(
    qtbot, tmp_path
):
    from bwvtool.ui.sampling.page import SamplesPage

    location = tmp_path / "team.sqlite"
    with open_workspace(location, create=True) as ws:
        ensure_default_codebooks(ws, actor="ada")
        sample = pooled_sample(ws, 3, codebook="pioss_review")
    ws = open_workspace(location)
    page = SamplesPage(ws, "ada")
    qtbot.addWidget(page)
    page.show()
    page.show_sample(sample)
    assert (
        page.pool_button.isVisible()
        and page.pool_button.text() == "Give 3 clips with no coder to the unit's pool"
    )
    qtbot.mouseClick(page.pool_button, Qt.MouseButton.LeftButton)
    assert not page.pool_button.isVisible() and "3 clips in the unit's pool" in page.header.text()
    desk, messages = _desk(qtbot, location, "rosa")
    qtbot.mouseClick(desk.take_next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.clip_id == "P0000", timeout=20_000)
    qtbot.mouseClick(desk.give_back, Qt.MouseButton.LeftButton)
    assert desk.clip_id is None and desk.queue.count() == 0
    assert messages[-1] == "Gave P0000 back to the pool: someone else can take it"
    assert desk.take_next.text() == "Take next (3 in the pool)"
    qtbot.mouseClick(desk.take_next, Qt.MouseButton.LeftButton)  # the same clip again: the oldest in the pool
    qtbot.waitUntil(lambda: desk.clip_id == "P0000", timeout=20_000)
    desk.session.code_key("complies", at_ms=1000, at_frame=25, actor="subject_1")
    qtbot.mouseClick(desk.give_back, Qt.MouseButton.LeftButton)
    assert messages[-1].startswith("Not given back: P0000 is already started") and desk.clip_id == "P0000"
    page.show_sample(sample)
    assert [page.items.item(r, 7).text() for r in range(3)] == ["rosa", "", ""]  # the claimer is its coder


def test_an_edit_the_server_could_not_take_is_said_in_one_short_line_with_the_details_on_hover(qtbot, team):
    """QA saw libpq's whole sentence (socket path and all), cut off, with "not saved" twice, in the status line."""
    from bwvtool.errors import NotSaved
    from bwvtool.ui.main_window import MainWindow

    ravi = team.login("ravi")
    window = MainWindow(open_workspace(team.at("ravi")), ravi)
    qtbot.addWidget(window)
    window.show()
    desk = window.coding_desk()
    desk.claim_next()
    libpq = 'connection to server on socket "/tmp/x/.s.PGSQL.5432" failed: No such file or directory'

    def server_down(_wait_ms: int) -> None:
        raise NotSaved("the server cannot be reached", detail=libpq)  # what Workspace.call raises then

    desk.edits.submit("press", server_down)
    assert window.statusBar().currentMessage() == (
        "Not saved yet: 1 edit waits — the server cannot be reached; trying again"
    )
    assert window.status_saved.text() == "◌ 1 edit not saved yet"
    assert libpq in window.status_saved.toolTip() and window.statusBar().toolTip() == libpq
    desk.edits.discard()
    assert window.statusBar().toolTip() == "" and window.status_saved.text() == "● All changes saved"
    window.close()


def test_a_clip_taken_or_given_back_shows_in_the_catalogue_at_once(qtbot, team):
    """On a server a reviewer's catalogue is the clips assigned to them: QA's read "0 clips" after two Take next
    until F5. On a file every clip shows either way; the counts are what a fresh read says, with no reload."""
    from bwvtool.ui.main_window import MainWindow

    ravi = team.login("ravi")
    window = MainWindow(open_workspace(team.at("ravi")), ravi)
    qtbot.addWidget(window)
    window.show()

    def visible() -> int:  # what the reviewer may see now, read afresh
        return window.workspace.conn.execute("SELECT count(*) FROM clips").fetchone()[0]

    desk = window.coding_desk()
    start = visible()
    for _ in range(2):
        desk.claim_next()
    # A server shows him the two he took; a file shows all six.
    assert visible() == (2 if start == 0 else start)
    assert window.status_counts.text() == count(visible(), "clip") == window.pane_subtitle.text()
    assert window.model.rowCount() == visible()
    desk.release_current()
    assert window.status_counts.text() == count(visible(), "clip") and window.model.rowCount() == visible()
    window.close()
