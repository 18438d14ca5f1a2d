"""Who is coding is asked at start, offering the workspace's coders; the answer is stamped on the window."""

from __future__ import annotations

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
