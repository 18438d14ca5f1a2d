"""Who is coding is asked at start, offering the workspace's coders; the answer is stamped on the window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QInputDialog

from bwvtool.sampling import draw, load_plan
from bwvtool.ui.identity import choose_identity
from tests.ui.test_sampling_ui import PLAN, sampling_ws  # noqa: F401 (fixture)


def test_identity_offers_the_coders_with_work_and_returns_the_choice(qtbot, sampling_ws, monkeypatch):  # noqa: F811
    draw(sampling_ws, load_plan(PLAN), seed=1, actor="lead")
    offered = {}

    def get_item(parent, title, label, items, current, editable):
        offered.update(items=list(items), label=label, editable=editable)
        return "bob", True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    assert choose_identity(sampling_ws, "login-name") == "bob"
    assert offered["items"][0] == "login-name" and {"ann", "bob"} <= set(offered["items"])
    assert offered["editable"] and "done" in offered["label"]
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: ("", False)))
    assert choose_identity(sampling_ws, "login-name") is None


def test_a_deactivated_coder_is_not_offered(qtbot, sampling_ws, monkeypatch):  # noqa: F811
    from bwvtool.coding import roster

    draw(sampling_ws, load_plan(PLAN), seed=1, actor="lead")
    roster.set_active(sampling_ws, "bob", False, "lead")
    offered = {}

    def get_item(parent, title, label, items, current, editable):
        offered.update(items=list(items), label=label)
        return "ann", True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    assert choose_identity(sampling_ws, "login-name") == "ann"
    assert "ann" in offered["items"] and "bob" not in offered["items"] and "bob" not in offered["label"]


def _gui(monkeypatch, capfd, *argv: str):
    """``bwvtool ARGV gui`` in this process on real widgets: the command opens the workspace, decides who is
    coding and builds and shows the window as for a person; instead of running the event loop, the window is
    taken and closed as Quit closes it. Returns (exit code, the window or None, stderr, what was asked)."""
    from PySide6.QtWidgets import QApplication

    from bwvtool.cli import main
    from bwvtool.ui.main_window import MainWindow

    shown: list[MainWindow] = []
    asked: list[tuple] = []

    def run_loop(*_args):
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        shown.extend(windows)
        for window in windows:
            window.close()
        return 0

    def get_item(parent, title, label, items, current, editable):
        asked.append((title, list(items)))
        return "bob", True

    monkeypatch.setattr(QApplication, "exec", staticmethod(run_loop))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    try:
        main([*argv, "gui"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    _out, err = capfd.readouterr()
    assert len(shown) <= 1
    return code, (shown[0] if shown else None), err, asked


@pytest.fixture
def reviewer_at(server_url):
    """A server workspace and a reviewer's login on it: (the server as that login connects to it, the login)."""
    from bwvtool.store import open_workspace
    from tests.core.team_fixture import as_login, people

    open_workspace(server_url, create=True).close()
    login = people(server_url, ["ravi"])["ravi"]
    return as_login(server_url, login), login


def test_on_a_team_server_the_login_is_who_you_are_and_nothing_is_asked(
    qtbot, reviewer_at, monkeypatch, capfd
):
    location, login = reviewer_at
    monkeypatch.delenv("BWVTOOL_USER", raising=False)
    code, window, err, asked = _gui(monkeypatch, capfd, "--db", location)
    assert code == 0, err
    assert asked == []  # no "who is coding?"
    assert window.user == login
    assert window.status_user.text() == f"Signed in as {login}"
    assert f"signed in as {login}" in window.windowTitle()
    # naming yourself as the server knows you is fine, from the command line or the environment
    code, window, err, asked = _gui(monkeypatch, capfd, "--db", location, "--user", login)
    assert (code, window.user, asked) == (0, login, []), err
    monkeypatch.setenv("BWVTOOL_USER", login)
    code, window, err, asked = _gui(monkeypatch, capfd, "--db", location)
    assert (code, window.user, asked) == (0, login, [])


def test_another_name_on_a_team_server_is_refused_in_one_line(qtbot, reviewer_at, monkeypatch, capfd):
    location, login = reviewer_at
    monkeypatch.delenv("BWVTOOL_USER", raising=False)
    code, window, err, asked = _gui(monkeypatch, capfd, "--db", location, "--user", "rosa")
    assert (code, window, asked) == (2, None, [])
    assert err.count("\n") == 1
    assert f"--user says 'rosa', but this server signed you in as '{login}'" in err
    monkeypatch.setenv("BWVTOOL_USER", "rosa")
    code, window, err, _asked = _gui(monkeypatch, capfd, "--db", location)
    assert (code, window) == (2, None) and err.count("\n") == 1
    assert f"$BWVTOOL_USER says 'rosa', but this server signed you in as '{login}'" in err


def test_a_workspace_file_still_asks_who_is_coding(qtbot, tmp_path, monkeypatch, capfd):
    from bwvtool.store import open_workspace

    open_workspace(tmp_path / "ws.sqlite", create=True).close()
    monkeypatch.delenv("BWVTOOL_USER", raising=False)
    code, window, err, asked = _gui(monkeypatch, capfd, "--db", str(tmp_path / "ws.sqlite"))
    assert code == 0, err
    assert [title for title, _items in asked] == ["Who is coding?"]
    assert window.user == "bob" and window.status_user.text() == "User: bob"
    assert window.windowTitle() == "ws.sqlite — bwvtool"
    code, window, err, asked = _gui(monkeypatch, capfd, "--db", str(tmp_path / "ws.sqlite"), "--user", "ann")
    assert (code, window.user, asked) == (0, "ann", [])
