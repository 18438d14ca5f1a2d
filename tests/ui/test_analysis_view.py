"""The Analysis tab shows the core's figures: reliability of a double-coded sample and its transition heat map.

The workspace is coded the way the app codes (two coders through :class:`CodingSession`, agreeing mostly, with
some disagreement); every figure on screen is checked against :func:`sample_reliability` and
:func:`sample_transitions` called directly on the same workspace.
"""

from __future__ import annotations

import csv
import json
import math

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from bwvtool.errors import UsageError
from bwvtool.export.coded import sample_reliability, sample_transitions
from bwvtool.export.figures import reliability_sections
from bwvtool.sampling import draw, sample_items
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import get_codebook
from bwvtool.ui.analysis import AnalysisPage
from bwvtool.ui.analysis.heatmap import residual_colour
from bwvtool.ui.analysis.overview import ALL_TRACKS
from bwvtool.ui.analysis.tables import KIND_ROLE, figure_text
from tests.core.test_export_fixtures import PLAN, build_coded_sample, code_clip

# Other clips than the study's (coders are per clip): units sampled before are left out.
SINGLE_CODER_PLAN = (
    PLAN.replace("Export test study", "Single coder study")
    .replace("coders: [alice, bob]\n  double_code: 0.5", "coders: [carol]")
    .replace("  where:", "  exclude: {sampled_within_days: 30, sampled_scope: any_plan}\n  where:")
)
PARAMS = {"bin_ms": 500, "tolerance_ms": 800, "n_boot": 60, "seed": 0}


@pytest.fixture(scope="module")
def study(tmp_path_factory, module_workspace_location):
    """The double-coded sample (4 of 8 clips coded by alice and bob) and a sample only carol has coded."""
    folder = tmp_path_factory.mktemp("analysis")
    coded = build_coded_sample(folder, location=module_workspace_location)
    plan = folder / "single.yaml"
    plan.write_text(SINGLE_CODER_PLAN, encoding="utf-8")
    with open_workspace(coded.db) as ws:
        with ws.transaction("setup") as tx:  # a draw hands units only to coders who exist
            ws.coder_id(tx, "carol")
        single = draw(ws, plan, seed=9, as_of="2021-04-01", actor="setup")
        stored = get_codebook(ws.conn, "ss_language_behaviour")
        clip = sample_items(ws, single)[0]["clip_id"]
        code_clip(ws, clip, "carol", stored.codebook, stored.id, shift=0, variant=0)
    return coded, single


@pytest.fixture
def ws(study):
    workspace = open_workspace(study[0].db)
    yield workspace
    workspace.close()


@pytest.fixture
def page(ws, qtbot):
    widget = AnalysisPage(lambda: ws)
    qtbot.addWidget(widget)
    widget.resize(1500, 950)
    with qtbot.waitSignal(widget.sequences.shown, timeout=20_000):
        widget.show()  # lists the samples and computes the first one's transitions
    yield widget
    widget.runner.wait()


def _compute(page, qtbot, params=PARAMS):
    page.bin_ms.setValue(params["bin_ms"])
    page.tolerance_ms.setValue(params["tolerance_ms"])
    page.n_boot.setValue(params["n_boot"])
    with qtbot.waitSignal(page.reliability.shown, timeout=30_000):
        qtbot.mouseClick(page.compute_button, Qt.MouseButton.LeftButton)
        # The bootstrap runs on a worker: until its result is delivered the page shows it is busy.
        assert page.busy.isVisible() and not page.compute_button.isEnabled()
    assert not page.busy.isVisible() and page.compute_button.isEnabled()


def test_the_sample_list_puts_double_coded_samples_first(page, study):
    coded, single = study
    assert page.sample_id == coded.sample_id
    texts = [page.sample.itemText(i) for i in range(page.sample.count())]
    assert texts[0].startswith(f"#{coded.sample_id} ") and "4 double-coded of 8 coded clips" in texts[0]
    assert texts[-1].startswith(f"#{single} ") and "no double-coded clips (1 of 8 coded)" in texts[-1]
    assert texts[1] == "" and len(texts) == 3  # a separator between the two groups


def test_computed_figures_are_the_cores(page, ws, study, qtbot):
    coded, _ = study
    _compute(page, qtbot)
    expected = sample_reliability(ws, coded.sample_id, **PARAMS)
    assert json.loads(json.dumps(page.reliability.report)) == json.loads(json.dumps(expected))

    # Overview: one row for all tracks, then one per track; each cell is the report's figure.
    model = page.reliability.overview.model
    headers = [c.header for c in model.columns]
    rows = {model.rows[r]["track"]: r for r in range(model.rowCount())}
    names = ("Cohen's κ (time-sliced)", "Krippendorff's α (all coders)", "Modified κ (ELAN-style)")
    kappa, alpha, modified = (headers.index(name) for name in names)
    pooled = expected["time_sliced_all_tracks"][0]["kappa"]
    assert model.text(rows[ALL_TRACKS], kappa) == figure_text(pooled)
    f1 = expected["onsets"][0]["overall"]["f1"]
    assert model.text(rows[ALL_TRACKS], headers.index("Onset F1")) == (
        f"{f1['value']:.3f} [{f1['ci_low']:.3f}, {f1['ci_high']:.3f}] {f1['flag']}"
    )
    mods = {(e["track"], tuple(e["coders"])): e for e in expected["modified_kappa"]}
    shown = 0
    for entry in expected["time_sliced"]:
        for pair in entry["pairs"]:
            row = rows[entry["track"]]
            assert model.text(row, kappa) == figure_text(pair["kappa"])
            assert model.text(row, alpha) == figure_text(entry["alpha"])
            mod = mods[(entry["track"], tuple(pair["coders"]))]["kappa_including_unmatched"]
            assert model.text(row, modified) == figure_text(mod)
            shown += pair["kappa"]["value"] is not None
    assert shown >= 3  # tracks with real figures, not only "n/a"
    figure_cell = model.index(rows[ALL_TRACKS], kappa)
    assert figure_cell.data(KIND_ROLE) == "figure"
    assert figure_cell.data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert pooled["flag"] in ("reliable", "tentative", "unreliable")

    # Every other table is the command's, row for row, with flag columns drawn as badges.
    panels = page.reliability.panels
    sections = reliability_sections(expected)
    per_code = panels["Per code"].model
    assert per_code.rows == sections[0].rows and [c.key for c in per_code.columns] == sections[0].columns
    assert {c.kind for c in per_code.columns if c.key == "flag"} == {"flag"}
    assert {c.kind for c in per_code.columns if c.key in ("value", "95% CI", "clips")} == {"number"}
    onsets = [row for s in sections if s.title.startswith("Onset agreement") for row in s.rows]
    assert panels["Onsets"].model.rows == onsets
    assert panels["Clip reviews"].model.rows == sections[-1].rows

    # The confusion matrix of the chosen track is the report's.
    page.reliability.overview.view.selectRow(rows["officer_language"])
    pair = next(e for e in expected["time_sliced"] if e["track"] == "officer_language")["pairs"][0]
    table = page.reliability.confusion.table
    assert [table.horizontalHeaderItem(j).text() for j in range(table.columnCount())] == pair["labels"]
    cells = [[table.item(i, j).text() for j in range(table.columnCount())] for i in range(table.rowCount())]
    assert cells == [[f"{n:,}" if n else "" for n in row] for row in pair["confusion"]]


def test_few_double_coded_clips_raise_a_warning_banner(page, qtbot):
    _compute(page, qtbot)
    banner = page.reliability.banner
    assert banner.isVisible() and banner.tone == "warning"
    assert "only 4 clip(s) coded by two or more coders: intervals are unstable" in banner.message


def test_a_sample_without_double_coding_says_why(page, ws, study, qtbot):
    _, single = study
    with qtbot.waitSignal(page.sequences.shown, timeout=20_000):
        page.select_sample(single)
    assert "No clip of this sample is double-coded yet" in page.reliability.placeholder.text()
    with pytest.raises(UsageError) as refused:
        sample_reliability(ws, single, **PARAMS)
    _compute(page, qtbot)
    banner = page.reliability.banner
    assert banner.isVisible() and banner.tone == "error"
    assert banner.message.endswith(str(refused.value))
    assert "no clip is coded by two or more coders yet (1 of 8 clips coded)" in banner.message
    assert page.reliability.report is None and page.reliability.stack.currentIndex() == 0
    # Its transitions are still there: one coder's sequences need no second coder.
    assert page.sequences.transitions is not None and page.sequences.transitions.total > 0


def _assert_heatmap_is(heatmap, expected):
    """The heat map shows the core's transitions: codes in a transition seen min_count+ times, by their codebook
    labels, with the whole table's statistics; rarer cells blank."""
    keep = expected.common(heatmap.min_count)
    assert heatmap.labels == tuple(expected.name(expected.labels[k]) for k in keep)
    assert not any("_" in label for label in heatmap.labels)  # codebook labels, never ids
    z, q, e = expected.adjusted_residuals, expected.yules_q, expected.expected
    for a, i in enumerate(keep):
        for b, j in enumerate(keep):
            cell = heatmap.cell(a, b)
            names = (expected.name(expected.labels[i]), expected.name(expected.labels[j]))
            assert (cell["given"], cell["target"]) == names
            assert cell["count"] == expected.counts[i, j]
            for got, want in ((cell["adjusted_residual"], z[i, j]), (cell["yules_q"], q[i, j]),
                              (cell["expected"], e[i, j])):  # fmt: skip
                assert got is None if math.isnan(want) else got == pytest.approx(want, abs=1e-12)
            rare = expected.counts[i, j] < heatmap.min_count
            assert cell["significant"] == (not rare and not math.isnan(z[i, j]) and abs(z[i, j]) >= 1.96)
            shown = "" if rare or not expected.counts[i, j] else str(expected.counts[i, j])
            assert heatmap.cell_label(a, b) == shown


def test_heatmap_cells_are_the_cores_transitions(page, ws, study, qtbot):
    coded, _ = study
    page.tabs.setCurrentWidget(page.sequences)
    heatmap = page.sequences.heatmap
    expected = sample_transitions(ws, coded.sample_id)
    _assert_heatmap_is(heatmap, expected)
    assert (expected.adjusted_residuals >= 1.96).any()  # the fixture has significant transitions to outline

    # A significant cell: outlined, its tooltip has the counts, residual and Yule's Q.
    strong = (expected.adjusted_residuals >= 1.96) & (expected.counts >= heatmap.min_count)
    i, j = map(int, next(zip(*strong.nonzero(), strict=True)))
    keep = expected.common(heatmap.min_count)
    tip = heatmap.tooltip(keep.index(i), keep.index(j))
    assert f"observed {expected.counts[i, j]}" in tip and "(p &lt; .05)" in tip
    assert f"Yule's Q = {expected.yules_q[i, j]:+.2f}" in tip

    # The cell is painted in the diverging colour of its residual (sampled above its text, inside its outline).
    image = heatmap.grab().toImage()
    rect = heatmap.cell_rect(keep.index(i), keep.index(j))
    painted = image.pixelColor(rect.center().x(), rect.top() + 5)
    want = residual_colour(float(expected.adjusted_residuals[i, j]))
    assert abs(painted.red() - want.red()) <= 2 and abs(painted.blue() - want.blue()) <= 2

    # By actor, labelled by actor, one coder: each choice recomputes with the command's options.
    with qtbot.waitSignal(page.sequences.shown, timeout=20_000):
        page.sequences.scope.setCurrentIndex(1)
    _assert_heatmap_is(heatmap, sample_transitions(ws, coded.sample_id, by_actor=True))
    with qtbot.waitSignal(page.sequences.shown, timeout=20_000):
        page.sequences.label_actor.setChecked(True)
    labelled = sample_transitions(ws, coded.sample_id, by_actor=True, label_actor=True)
    _assert_heatmap_is(heatmap, labelled)
    assert all(" · " in label for label in heatmap.labels)  # Officer 1 · Command
    with qtbot.waitSignal(page.sequences.shown, timeout=20_000):
        page.sequences.coder.setCurrentIndex(page.sequences.coder.findData("alice"))
    _assert_heatmap_is(
        heatmap, sample_transitions(ws, coded.sample_id, by_actor=True, label_actor=True, coder="alice")
    )
    page.sequences.cell_text.setCurrentIndex(2)  # Yule's Q in the cells
    n = len(heatmap.labels)
    for a, b in ((a, b) for a in range(n) for b in range(n)):
        cell = heatmap.cell(a, b)
        q = cell["yules_q"]
        assert heatmap.cell_label(a, b) == ("" if q is None or cell["rare"] else f"{q:+.2f}")


def test_only_the_newest_request_is_shown(page, ws, study, qtbot):
    coded, _ = study
    with qtbot.waitSignal(page.sequences.shown, timeout=20_000):
        page.sequences.scope.setCurrentIndex(1)  # overtaken at once by the next request
        page.sequences.label_actor.setChecked(True)
    page.runner.wait()
    QApplication.processEvents()
    assert not page.runner.is_busy()
    _assert_heatmap_is(
        page.sequences.heatmap, sample_transitions(ws, coded.sample_id, by_actor=True, label_actor=True)
    )


def test_tables_copy_and_export(page, ws, study, qtbot, tmp_path):
    coded, _ = study
    _compute(page, qtbot)
    expected = sample_reliability(ws, coded.sample_id, **PARAMS)
    overview = page.reliability.overview
    overview.copy()
    lines = QApplication.clipboard().text().splitlines()
    assert (
        lines[0].split("\t")[:3] == ["Track", "Coders", "Clips"]
        and len(lines) == overview.model.rowCount() + 1
    )

    path = overview.export_csv(tmp_path / "overview.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = next(r for r in rows if r["Track"] == ALL_TRACKS)
    pooled = expected["time_sliced_all_tracks"][0]["kappa"]
    assert float(first["Cohen's κ (time-sliced)"]) == pooled["value"]  # full precision, not three decimals
    assert float(first["Cohen's κ (time-sliced) 95% low"]) == pooled["ci_low"]
    assert first["Cohen's κ (time-sliced) flag"] == pooled["flag"]

    per_code = page.reliability.panels["Per code"].export_csv(tmp_path / "per_code.csv")
    with per_code.open(newline="", encoding="utf-8") as handle:
        assert list(csv.DictReader(handle)) == [
            {k: str(v) for k, v in row.items()}
            | {k: "" for k in reliability_sections(expected)[0].columns if k not in row}  # fmt: skip
            for row in reliability_sections(expected)[0].rows
        ]

    written = page.sequences.export_csv(tmp_path / "transitions.csv")
    labels = page.sequences.transitions.labels
    with (tmp_path / "transitions.csv").open(newline="", encoding="utf-8") as handle:
        got = list(csv.DictReader(handle))
    assert written == len(got) == len(labels) ** 2
    assert int(got[0]["count"]) == page.sequences.heatmap.cell(0, 0)["count"]


def test_the_main_window_has_the_analysis_tab(ws, study, qtbot):
    from bwvtool.ui.main_window import MainWindow

    coded, _ = study
    window = MainWindow(ws, "alice")
    qtbot.addWidget(window)
    window.show()
    titles = [window.pages.tabText(i) for i in range(window.pages.count())]
    assert "Analysis" in titles and window.analysis.sample.count() == 0  # nothing listed before it is shown
    with qtbot.waitSignal(window.analysis.sequences.shown, timeout=20_000):
        window.show_page(window.analysis)
    assert window.analysis.sample_id == coded.sample_id
    window.analysis.runner.wait()


@pytest.mark.parametrize("points", [None, 22])
def test_the_confusion_heading_sits_below_the_overview_rows(page, qtbot, points):
    """The overview table is as tall as its rows and the confusion matrix's heading and caption come after it,
    also with a larger font (another screen's DPI, or a wrapped caption): the overview's height was once a
    guess in pixels, and its table ran under the confusion heading."""
    if points is not None:
        font = QFont(page.font())
        font.setPointSize(points)
        page.setFont(font)
        page.resize(page.width(), 1400)  # room for the bigger page, as on a screen with that DPI
    _compute(page, qtbot)
    view = page.reliability
    table, confusion = view.overview.view, view.confusion
    qtbot.waitUntil(lambda: confusion.title.isVisible())
    rows = view.overview.model.rowCount()
    last = rows - 1
    rows_bottom = table.rowViewportPosition(last) + table.rowHeight(last)
    assert rows_bottom <= table.viewport().height()  # every row shown, none cut by the table's frame
    viewport = table.viewport()
    rows_rect = QRect(viewport.mapTo(page, QPoint(0, 0)), QSize(viewport.width(), rows_bottom))
    panel_rect = QRect(view.overview.mapTo(page, QPoint(0, 0)), view.overview.size())
    assert panel_rect.contains(QRect(table.mapTo(page, QPoint(0, 0)), table.size()))  # not past its panel
    for label in (confusion.title, confusion.caption):
        where = QRect(label.mapTo(page, QPoint(0, 0)), label.size())
        assert not where.intersects(rows_rect), (label.text(), where, rows_rect)
        assert where.top() >= rows_rect.bottom()
