"""The Dashboard tab shows the core's weekly figures: tiles and Qt Charts, checked on the hand-computed fixture."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bwvtool.ui.dashboard import DashboardPage
from tests.core.test_weekly import build_weekly_fixture


@pytest.fixture
def page(workspace, tmp_path, qtbot):
    build_weekly_fixture(workspace, tmp_path)
    widget = DashboardPage(lambda: workspace)
    qtbot.addWidget(widget)
    widget.resize(1500, 900)
    widget.show()  # the newest week with sampled incidents: 2026-W10
    qtbot.waitUntil(lambda: widget.report is not None, timeout=30_000)
    return widget


def _bar_values(view) -> dict[str, list[float]]:
    series = view.chart().series()[0]
    return {bar.label(): [bar.at(i) for i in range(bar.count())] for bar in series.barSets()}


def test_tiles_show_the_weeks_figures(page):
    assert page.report.week == "2026-W10" and page.week.currentText().startswith("2026-W10")
    values = {name: tile.value.text() for name, tile in page.tiles.items()}
    assert values == {
        "reviewed": "4",
        "sampled": "5",
        "backlog": "3",
        "retention": "2",
        "support": "28.6%",
        "carried": "0",
    }
    assert "below the 150–200 target" in page.tiles["reviewed"].caption.text()
    assert "2 of 7 reviews, 95% CI 8.2%–64.1%" in page.tiles["support"].caption.text()
    assert "1 already past" in page.tiles["retention"].caption.text()
    assert [page.retention.item(r, 0).text() for r in range(page.retention.rowCount())] == ["C2", "J1"]


def test_charts_plot_the_core_figures(page):
    assert _bar_values(page.views["programmes"]) == {
        "In the catalogue": [1, 1, 1, 1, 2, 2],
        "Sampled": [1, 1, 1, 1, 1, 1],
        "Reviewed": [1, 1, 0, 0, 2, 1],
    }
    trend = _bar_values(page.views["trend"])
    assert trend["Reviewed"] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 4] and trend["Sampled"][-1] == 5
    support = page.views["support"].chart()
    share = next(s for s in support.series() if s.name() == "Support offered")
    points = [(p.x(), round(p.y(), 2)) for p in share.points()]
    assert points == [(2, 0.0), (10, 100.0), (11, round(200 / 7, 2))]  # weeks without reviews have no point
    themes = _bar_values(page.views["themes"])  # bottom to top: the most frequent theme at the top
    categories = page.views["themes"].chart().axes(Qt.Orientation.Vertical)[0].categories()
    assert categories[-4:] == ["Equipment, backup and tasking", "Use-of-force technique",
                               "Explaining reasons and grounds", "Officer welfare"]  # fmt: skip
    assert themes["Coded"][-4:] == [0, 1, 0, 2] and sum(themes["Coded"]) == 3
    assert themes["By keywords (older reviews)"][-4:] == [1, 0, 1, 0]
    boroughs = _bar_values(page.views["boroughs"])
    assert boroughs["Command"] == [1, 0, 1, 2]  # Westminster, Brent, Croydon, Lambeth (bottom to top)
    assert boroughs["Reason given"] == [0, 1, 1, 0] and boroughs["Irritant spray"] == [0, 0, 0, 1]


def test_count_axes_tick_whole_numbers_only_and_never_repeat(page):
    """With a handful of reviews Qt's nice numbers ticked 0 to 1.5 in halves, labelled "0, 0, 1, 1" (QA, a
    reviewer's first week): every value axis ticks whole numbers, each once, and covers its chart's figures."""
    from PySide6.QtCharts import QValueAxis

    from bwvtool.ui.dashboard.charts import _value_axis

    def whole_ticks(axis: QValueAxis, name: object) -> None:
        n = axis.tickCount()
        ticks = [axis.min() + i * (axis.max() - axis.min()) / (n - 1) for i in range(n)]
        assert all(t == int(t) for t in ticks), (name, ticks)
        assert len({int(t) for t in ticks}) == n and axis.min() == 0, (name, ticks)

    axes = [
        (name, a)
        for name, view in page.views.items()
        for a in view.chart().axes()
        if isinstance(a, QValueAxis)
    ]
    assert len(axes) == 5  # programmes, trend, support, themes, boroughs
    for name, axis in axes:
        whole_ticks(axis, name)
    for top in [*range(12), 17, 79.3, 150, 200, 1234]:  # the small counts of a first week among them
        for integer in (True, False) if top <= 100 else (True,):  # a percentage goes no higher than 100
            axis = _value_axis(top, integer=integer)
            whole_ticks(axis, top)
            assert axis.max() >= top


def test_a_whole_number_scale_has_room_above_its_top_and_few_ticks():
    from bwvtool.ui.dashboard.charts import whole_number_scale

    assert whole_number_scale(0) == (2, 1) and whole_number_scale(1) == (2, 1)
    assert whole_number_scale(6) == (8, 2) and whole_number_scale(200) == (250, 50)
    assert whole_number_scale(79.3, cap=100) == (100, 20) and whole_number_scale(100, cap=100) == (100, 20)


def test_week_navigation_and_export(page, tmp_path):
    page.previous.click()
    assert page.report.week == "2026-W09"
    assert (page.report.sampled, page.report.reviewed) == (2, 1)
    assert page.tiles["reviewed"].value.text() == "1"
    page.next.click()
    assert page.report.week == "2026-W10" and not page.next.isEnabled()
    out = page.export_html(tmp_path / "weekly.html")
    assert "Weekly picture 2026-W10" in out.read_text(encoding="utf-8")


def test_tile_captions_agree_with_their_numbers(page):
    """QA read "1 / incidents in the backlog (1 clips, 12 weeks)" and "1 incident(s) left out for capacity"."""
    from dataclasses import replace

    report = page.report
    one = replace(
        report,
        reviewed=1,
        sampled=1,
        backlog=replace(report.backlog, incidents=1, clips=1),
        carry_over=replace(report.carry_over, sample_id=7, left_out=1, carried_in=2),
    )
    page._show_tiles(one)
    assert page.tiles["reviewed"].caption.text().startswith("incident reviewed — ")
    assert page.tiles["sampled"].caption.text().startswith("incident sampled of ")
    assert page.tiles["backlog"].caption.text() == "incident in the backlog (1 clip, 12 weeks)"
    assert page.tiles["carried"].caption.text().startswith("1 incident left out for capacity")
    page._show_tiles(replace(one, backlog=replace(report.backlog, incidents=3, clips=4)))
    assert page.tiles["backlog"].caption.text() == "incidents in the backlog (4 clips, 12 weeks)"
