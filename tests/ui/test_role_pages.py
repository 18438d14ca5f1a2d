"""Every page of the main window, opened by each team role on a real server: no unhandled exception, no query the
server refuses, and a page the role may not use says in one line who does that work and what this login is.

QA drove the app as a reviewer and clicked a reviewed clip on the Debrief tab: "permission denied for table
debrief_notes" in the server's log, a traceback, a blank page. A researcher could not open the app at all (the
catalogue named the identified columns their role does not read)."""

from __future__ import annotations

import psycopg
import pytest

from bwvtool.coding import claims
from bwvtool.store import open_workspace
from bwvtool.store.postgres import connection
from tests.core.team_fixture import as_login, people, pooled_sample
from tests.core.test_debrief import clip_file, make_reviewed_workspace  # noqa: F401 - the session fixture

# What each role reads at the top of the Coding and Debrief pages (None: the page itself, no line).
EXPECTED = {
    "reviewer": (None, "Debriefs are written by supervisors; {login} is a reviewer"),
    "researcher": ("Clips are coded by reviewers; {login} is a researcher",
                   "Debriefs are written by supervisors; {login} is a researcher"),
    "supervisor": ("Clips are coded by reviewers; {login} is a supervisor", None),
    "admin": (None, "Debriefs are written by supervisors; {login} is an admin and may only read them"),
}  # fmt: skip


@pytest.fixture(scope="module")
def team_server(pg_cluster, tmp_path_factory, clip_file):  # noqa: F811 - the imported fixture
    """One server workspace: clip D001 coded and its review completed (a debrief to write), and a sample of three
    clips in the unit's pool, one of them claimed by the reviewer; one login in each team role."""
    url = pg_cluster.new_database()
    ws = make_reviewed_workspace(tmp_path_factory.mktemp("roles"), clip_file, location=url)
    sample = pooled_sample(ws, 3, codebook="pioss_review")
    claims.share_sample(ws, sample, "admin")
    logins = {role: people(url, [role], role)[role] for role in EXPECTED}
    # D001 is the reviewer's too, so the completed review shows in their lists, as the clip QA clicked did.
    with ws.transaction("admin") as tx:
        tx.execute(
            "INSERT INTO assignments (sample_id, clip_id, coder_id, status, assigned_at) VALUES (?, 'D001', ?,"
            " 'complete', ?)",
            (sample, ws.coder_id(tx, logins["reviewer"]), tx.at),
        )
    ws.close()
    with open_workspace(as_login(url, logins["reviewer"])) as reviewer:
        claims.claim_next(reviewer, logins["reviewer"])
    yield url, logins
    pg_cluster.drop_database(url)


@pytest.fixture
def refusals(monkeypatch):
    """Every statement the server refused for want of a privilege, caught or not (from any thread)."""
    seen: list[str] = []
    translate = connection.translate_error

    def spy(exc):
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            seen.append(str(exc).splitlines()[0])
        return translate(exc)

    monkeypatch.setattr(connection, "translate_error", spy)
    return seen


def _notice(label) -> str | None:
    return None if label.isHidden() else label.text()


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_page_opens_for_each_role_without_a_refused_query(qtbot, team_server, refusals, role):
    from bwvtool.ui.main_window import MainWindow

    url, logins = team_server
    login = logins[role]
    window = MainWindow(open_workspace(as_login(url, login)), login)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    for index in range(window.pages.count()):
        window.pages.setCurrentIndex(index)
        qtbot.wait(50)
        page = window.pages.widget(index)
        if page is window.debrief and window.debrief.notice.isHidden():
            window.debrief.select("D001")  # what QA clicked (and with a notice there is no list to click)
        if page is window.analysis:  # its reads run on a worker thread: let them finish
            qtbot.waitUntil(lambda: window.analysis.busy.isHidden(), timeout=60_000)
    coding, debrief = (text.format(login=login) if text else None for text in EXPECTED[role])
    window.pages.setCurrentWidget(window._desk_holder)
    assert _notice(window._coding_notice) == coding
    assert (window.desk is None) == (coding is not None)  # no desk is built for a role that does not code
    window.pages.setCurrentWidget(window.debrief)
    assert _notice(window.debrief.notice) == debrief
    if role in ("reviewer", "researcher"):  # nothing listed, nothing asked of the notes
        assert window.debrief._splitter.isHidden() and window.debrief.note is None
    if role == "admin":  # reads the note, cannot change it or save a draft
        assert window.debrief.note is not None and window.debrief.save_button.isHidden()
        assert all(editor.isReadOnly() for editor in window.debrief.editors.values())
    if role == "researcher":  # the catalogue's research fields, the identified ones left empty
        assert window.model.rowCount() > 0 and all(row.officer_ref is None for row in window.browser.rows)
    assert refusals == []
    window.close()
