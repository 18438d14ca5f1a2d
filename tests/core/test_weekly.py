"""The weekly picture: every figure checked against a small workspace whose answers were worked out by hand.

The fixture (report week 2026-W10, Monday 2 to Sunday 8 March 2026; reference day 20 March, so retention counts from
the end of the week, 9 March):

=====  ========================  ===========================  ========  =========================================
inc.   clips (borough)           flags                        sampled   reviews
=====  ========================  ===========================  ========  =========================================
I1     A1, A2 (Lambeth) Mon      Op Hampshire, PAVA used      both      A1 support (force, welfare); A2 no action (none)
I2     B1 (Croydon) Tue          stop and search              yes       learning identified (uncoded: grounds; radio)
I3     C1, C2 (Croydon) Wed      DCB                          both      C1 no action; C2 none (retention 12 Mar)
I4     D1 (Lambeth) Thu          self-referral                yes       draft only (retention 5 Mar: past)
I5     E1 (Brent) Fri            —                            no        none
I6     F1 (Brent) Sat            stop and search              no        support offered (welfare; not sampled)
I7     G1 Sun 23:59, G2 Mon      —                            both      both no action, G1 coded none (G2 is in W11)
I8     H1 (Lambeth) W09          Op Hampshire                 yes       support offered (de-escalation)
I9     J1 (Lambeth) W09          —                            yes       none (retention 16 Mar: 7 days)
I10    K1 2025-12-30 (W01)       —                            yes       no action
I11    L1 2025-12-10 (W50)       —                            yes       none, but outside the 12 weeks
=====  ========================  ===========================  ========  =========================================

Learning themes in W10, by hand: coded answers (A1 use_of_force_technique + officer_welfare, A2 none, F1
officer_welfare, G1 none; A1's text about PAVA is not read because A1 is coded) and keywords for the one completed
review without a coded answer (B1: "grounds", "reason" → reasons_grounds; "radio" → equipment_backup_tasking). C1
and G2 have neither. D1's coded draft and H1 (W09) do not count. So: officer welfare 2 (coded), then the ties at 1
in the codebook's order: reasons and grounds (keywords), use of force (coded), equipment (keywords); 4 coded
reviews, 2 of them "none"; 1 by keywords; 3 reviews with learning (A1, F1, B1).
"""

from __future__ import annotations

import json

import pytest

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.coding.model import Event
from bwvtool.report import Week, compute, default_week, weekly_report, weeks_with_work, wilson_interval
from bwvtool.report.themes import themes_of
from bwvtool.store import events as event_rows
from bwvtool.store import reviews as review_rows
from bwvtool.store import samples as sample_rows
from bwvtool.store.codebooks import ensure_default_codebooks, get_codebook

# The store's behaviour is the same on both engines (tests/pg.py starts the PostgreSQL one).
pytestmark = pytest.mark.both_engines

WEEK = "2026-W10"
TODAY = "2026-03-20"
CATALOGUE = """clip_id,incident_id,recorded_at,duration_s,officer_ref,borough,sources,uof_tactics,assault_types,retention_until
A1,I1,2026-03-02T10:00:00Z,60,PC1,Lambeth,op_hampshire;use_of_force,Irritant spray - used,punching,2026-04-01
A2,I1,2026-03-02T10:03:00Z,60,PC2,Lambeth,,,,2026-04-01
B1,I2,2026-03-03T12:00:00Z,60,PC3,Croydon,stop_search,,,2026-04-02
C1,I3,2026-03-04T09:00:00Z,60,PC4,Croydon,dcb,,,2026-04-03
C2,I3,2026-03-04T09:01:00Z,60,PC5,Croydon,,,,2026-03-12
D1,I4,2026-03-05T15:00:00Z,60,PC6,Lambeth,self_referral,,,2026-03-05
E1,I5,2026-03-06T18:00:00Z,60,PC7,Brent,,,,2026-04-05
F1,I6,2026-03-07T20:00:00Z,60,PC8,Brent,stop_search,,,2026-04-06
G1,I7,2026-03-08T23:59:30Z,60,PC9,Westminster,,,,2026-04-07
G2,I7,2026-03-09T00:02:00Z,60,PC10,Westminster,,,,2026-04-08
H1,I8,2026-02-25T11:00:00Z,60,PC1,Lambeth,op_hampshire,,,2026-03-27
J1,I9,2026-02-26T11:00:00Z,60,PC2,Lambeth,,,,2026-03-16
K1,I10,2025-12-30T11:00:00Z,60,PC3,Lambeth,,,,2026-01-30
L1,I11,2025-12-10T11:00:00Z,60,PC3,Lambeth,,,,2026-01-10
"""
SAMPLED = ["A1", "A2", "B1", "C1", "C2", "D1", "G1", "G2", "H1", "J1", "K1", "L1"]
# (clip, coder, status, answers)
REVIEWS = [
    ("A1", "rev1", "complete", {"outcome": "support_offered", "individual_learning": "Announce PAVA before using it.",
                                "learning_themes": ["officer_welfare", "use_of_force_technique"]}),
    ("A2", "rev2", "complete", {"outcome": "no_action", "learning_themes": ["none"]}),
    ("B1", "rev1", "complete", {"outcome": "learning_identified",
                                "individual_learning": "Give the grounds before searching; explain the reason.",
                                "organisational_learning": "Radio coverage poor in the station."}),
    ("C1", "rev2", "complete", {"outcome": "no_action"}),
    ("D1", "rev1", "draft", {"outcome": "support_offered", "learning_themes": ["reasons_grounds"]}),
    ("F1", "rev3", "complete", {"outcome": "support_offered", "learning_themes": ["officer_welfare"]}),
    ("G1", "rev1", "complete", {"outcome": "no_action", "learning_themes": ["none"]}),
    ("G2", "rev1", "complete", {"outcome": "no_action"}),
    ("H1", "rev2", "complete", {"outcome": "support_offered", "learning_themes": ["de_escalation"]}),
    ("K1", "rev2", "complete", {"outcome": "no_action"}),
]  # fmt: skip
# (clip, coder, code): only codes from coders with a completed review of that clip count.
EVENTS = [
    ("A1", "rev1", "command"), ("A1", "rev1", "command"), ("A1", "rev1", "irritant_spray"),
    ("A2", "rev2", "command"), ("B1", "rev1", "reason_given"), ("B1", "rev1", "command"),
    ("C2", "rev2", "command"),  # no review of C2
    ("D1", "rev1", "command"),  # draft review
    ("F1", "rev3", "reason_given"),
    ("A1", "rev3", "escalation_up"),  # rev3 did not review A1
    ("G2", "rev1", "command"),
]  # fmt: skip


def build_weekly_fixture(ws, folder) -> None:
    """Fill ``ws`` with the catalogue, sample, reviews and events of the module docstring."""
    source = folder / "weekly.csv"
    source.write_text(CATALOGUE, encoding="utf-8")
    import_catalogue(ws, source, actor="importer")
    ensure_default_codebooks(ws, actor="admin")
    stored = get_codebook(ws.conn, "pioss_review")
    with ws.transaction("tester") as tx:
        sample_id = sample_rows.insert_sample(
            tx,
            {"name": "fixture", "plan_text": "", "plan_sha256": "0" * 64, "seed": 1, "unit": "clip",
             "drawn_at": tx.at, "drawn_by": "tester", "frame_sha256": "0" * 64, "frame_size": 14,
             "manifest_sha256": "0" * 64, "report": {"as_of": "2026-03-09"}},
        )  # fmt: skip
        items = [(clip, clip, None, "sample", 1.0, 1.0, number) for number, clip in enumerate(SAMPLED)]
        sample_rows.insert_contents(tx, sample_id, [], items, [])
        coders = {name: ws.coder_id(tx, name) for name in ("rev1", "rev2", "rev3")}
        for clip, coder, status, answers in REVIEWS:
            review_rows.save(tx, clip_id=clip, coder_id=coders[coder], codebook_id=stored.id, answers=answers,
                             status=status)  # fmt: skip
        for number, (clip, coder, code) in enumerate(EVENTS):
            track = stored.codebook.code(code).track
            mods = {"tactic": "used"} if code == "irritant_spray" else {}
            event_rows.insert(tx, Event(clip_id=clip, coder_id=coders[coder], codebook_id=stored.id, track=track,
                                        code=code, actor="officer_1", onset_ms=1000 * number, onset_frame=25 * number,
                                        modifiers=mods))  # fmt: skip


@pytest.fixture
def weekly_ws(workspace, tmp_path):
    build_weekly_fixture(workspace, tmp_path)
    return workspace


@pytest.fixture
def report(weekly_ws):
    from datetime import date

    return weekly_report(weekly_ws, WEEK, today=date.fromisoformat(TODAY))


def test_week_and_totals(report):
    assert (report.week, report.start, report.end) == ("2026-W10", "2026-03-02", "2026-03-08")
    assert (report.in_catalogue, report.sampled, report.reviewed) == (7, 5, 4)
    assert (report.target_low, report.target_high, report.status) == (150, 200, "below")


def test_programmes(report):
    rows = {p.id: (p.in_catalogue, p.sampled, p.reviewed) for p in report.programmes}
    assert rows == {
        "op_hampshire": (1, 1, 1),
        "pava_baton": (1, 1, 1),
        "dcb": (1, 1, 0),
        "referrals": (1, 1, 0),
        "stop_search": (2, 1, 2),
        "other": (2, 1, 1),
    }
    assert [p.label for p in report.programmes][:5] == [
        "Op Hampshire", "PAVA / baton", "DCB / social media", "Referrals", "Stop and search"
    ]  # fmt: skip


def test_backlog_and_retention(report):
    backlog = report.backlog
    assert (backlog.incidents, backlog.clips, backlog.past_retention, backlog.as_of) == (
        3,
        3,
        1,
        "2026-03-09",
    )
    assert [(r.clip_id, r.incident_id, r.retention_until, r.days_left) for r in backlog.near_retention] == [
        ("C2", "I3", "2026-03-12", 3),
        ("J1", "I9", "2026-03-16", 7),
    ]


def test_support_share_and_its_wilson_interval(report):
    from statsmodels.stats.proportion import proportion_confint

    support = report.support
    assert (support.support_offered, support.reviews) == (2, 7)
    assert support.share == pytest.approx(2 / 7)
    # Hand-computed: centre (p + z²/2n) / (1 + z²/n) = 0.3886, half-width 0.3063 → 0.0822 to 0.6411.
    assert support.low == pytest.approx(0.08221, abs=1e-4) and support.high == pytest.approx(
        0.64110, abs=1e-4
    )
    low, high = proportion_confint(2, 7, alpha=0.05, method="wilson")
    assert (support.low, support.high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))
    assert report.outcomes == {"learning_identified": 1, "no_action": 4, "support_offered": 2}


def test_learning_themes_coded_first_keywords_for_older_reviews(report, weekly_ws):
    assert (report.learning_reviews, report.coded_reviews, report.no_learning_reviews, report.keyword_reviews) == (
        3, 4, 2, 1
    )  # fmt: skip
    counts = [(t.id, t.reviews, t.coded, t.keywords) for t in report.themes]
    assert counts[:4] == [
        ("officer_welfare", 2, 2, 0),
        ("reasons_grounds", 1, 0, 1),
        ("use_of_force_technique", 1, 1, 0),
        ("equipment_backup_tasking", 1, 0, 1),
    ]
    assert {t.reviews for t in report.themes[4:]} == {0} and len(counts) == 9
    assert "none" not in {t.id for t in report.themes}
    # The labels are the codebook's own option labels.
    item = get_codebook(weekly_ws.conn, "pioss_review").codebook.review_item("learning_themes")
    labels = {o.id: o.label for o in item.options}
    assert all(t.label == labels[t.id] for t in report.themes)


def test_learning_themes_say_where_each_count_came_from(report):
    from bwvtool.report import render_weekly_html, weekly_text

    text = weekly_text(report)
    assert (
        "Officer welfare (2)" in text and "Explaining reasons and grounds (1: 0 coded, 1 by keywords)" in text
    )
    assert "coded learning themes of 4 completed reviews (2 with no learning identified)" in text
    assert "1 older reviews without coded themes were counted by keywords" in text
    html = render_weekly_html(report)
    assert "<th>Coded</th><th>By keywords</th>" in html
    assert "<tr><td>Officer welfare</td><td>2</td><td>2</td><td>0</td></tr>" in html


def test_keyword_themes_use_the_codebooks_option_ids_and_labels():
    """The keyword themes for older reviews are the shipped codebooks' themes, so both sources add up."""
    from bwvtool.codebook import load_default_codebook
    from bwvtool.report.themes import NO_LEARNING, THEMES

    for name in ("pioss_review.yaml", "ss_language_behaviour.yaml"):
        item = load_default_codebook(name).review_item("learning_themes")
        assert item.type == "multiple" and item.required and item.exclusive_options == (NO_LEARNING,)
        assert [(o.id, o.label) for o in item.options if o.id != NO_LEARNING] == [
            (t.id, t.label) for t in THEMES
        ]


def test_coded_themes_in_the_pure_core():
    from datetime import date

    from bwvtool.store.weekly import WeeklyClip, WeeklyReview

    clip = WeeklyClip("X1", "IX", Week(2026, 10).start_ts + 3600, "Brent", 0, 0, None, True)
    reviews = [
        WeeklyReview("X1", 1, "complete", "no_action", None, None, ("custom_theme", "language_manner")),
        WeeklyReview("X1", 2, "complete", "no_action", "Calm tone helped.", None, None),
    ]
    report = compute(Week(2026, 10), [clip], reviews, [], today=date(2026, 3, 20),
                     theme_labels={"language_manner": "Manner", "custom_theme": "A custom theme"})  # fmt: skip
    counts = {t.id: (t.label, t.coded, t.keywords) for t in report.themes if t.reviews}
    assert counts == {
        "language_manner": ("Manner", 1, 1),  # "tone"
        "custom_theme": ("A custom theme", 1, 0),
        "de_escalation": ("De-escalation, time and distance", 0, 1),  # "calm"
    }
    assert [t.id for t in report.themes[:2]] == ["language_manner", "custom_theme"]


def test_codes_by_borough(report):
    assert report.codes_by_borough == {
        "Lambeth": {"command": 2, "irritant_spray": 1},
        "Croydon": {"command": 1, "reason_given": 1},
        "Brent": {"reason_given": 1},
        "Westminster": {"command": 1},
    }
    assert report.code_totals == {"command": 4, "reason_given": 2, "irritant_spray": 1}


def test_twelve_week_trend(report):
    assert [p.week for p in report.trend][:3] == ["2025-W51", "2025-W52", "2026-W01"]
    assert report.trend[-1].week == WEEK and len(report.trend) == 12
    figures = {
        p.week: (p.sampled, p.reviewed, p.support.support_offered, p.support.reviews) for p in report.trend
    }
    assert figures["2026-W01"] == (1, 1, 0, 1)
    assert figures["2026-W09"] == (2, 1, 1, 1)
    assert figures["2026-W10"] == (5, 4, 2, 7)
    others = [v for k, v in figures.items() if k not in ("2026-W01", "2026-W09", "2026-W10")]
    assert others == [(0, 0, 0, 0)] * 9
    empty = report.trend[0].support
    assert empty.share is None and empty.low is None


def test_default_week_and_weeks_with_work(weekly_ws):
    from datetime import date

    assert default_week(weekly_ws, date(2026, 3, 20)) == Week(2026, 10)  # G2 is in W11 but belongs to I7
    assert default_week(weekly_ws, date(2026, 3, 4)) == Week(2026, 10)
    assert default_week(weekly_ws, date(2026, 2, 27)) == Week(2026, 9)  # never a week still to come
    assert [w.label for w in weeks_with_work(weekly_ws)] == ["2026-W10", "2026-W09", "2026-W01", "2025-W50"]


def test_as_dict_is_json_and_the_core_can_be_fed_rows_directly(report):
    data = json.loads(json.dumps(report.as_dict()))
    assert data["support"]["support_offered"] == 2 and data["backlog"]["near_retention"][0]["clip_id"] == "C2"
    empty = compute(Week(2026, 10), [], [], [], today=__import__("datetime").date(2026, 3, 20))
    assert (empty.in_catalogue, empty.sampled, empty.reviewed, empty.support.share) == (0, 0, 0, None)


def test_weeks_wilson_and_themes_helpers():
    from bwvtool.errors import UsageError

    week = Week.parse("2021-W13")
    assert (str(week.start), str(week.end), week.shift(-13).label) == ("2021-03-29", "2021-04-05", "2020-W53")
    for bad in ("2021-13", "2021-W54", "W13"):
        with pytest.raises(UsageError):
            Week.parse(bad)
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.27753, abs=1e-5)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert themes_of("Keep the camera recording; check kit") == ["bwv_recording", "equipment_backup_tasking"]
    assert themes_of("Start aftercare after PAVA") == ["use_of_force_technique", "first_aid_aftercare"]
    assert themes_of(None) == [] and themes_of("  ") == []


def test_cli_weekly(weekly_ws, run_cli, tmp_path):
    db = weekly_ws.path
    code, out, err = run_cli("report", "weekly", "--week", WEEK, "--as-of", TODAY, "--json", db=db)
    assert code == 0, err
    data = json.loads(out)
    assert (data["sampled"], data["reviewed"], data["support"]["support_offered"]) == (5, 4, 2)
    code, out, _ = run_cli("report", "weekly", "--week", WEEK, "--as-of", TODAY, db=db)
    assert "5 sampled, 4 reviewed" in out and "below the target of 150–200" in out
    page = tmp_path / "weekly.html"
    code, _, err = run_cli("report", "weekly", "--week", WEEK, "--html", "--out", str(page), db=db)
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "Op Hampshire" in html and "2/7" in html and "src=" not in html
    for args, message in ((["--week", "2026-10"], "not like 2021-W13"), (["--json", "--html"], "choose one"),
                          (["--as-of", "yesterday"], "not a date")):  # fmt: skip
        code, _, err = run_cli("report", "weekly", *args, db=db)
        assert code == 2 and message in err and err.strip().count("\n") == 0
