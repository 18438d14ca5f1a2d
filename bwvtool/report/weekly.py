"""The safety unit's weekly picture, computed from the store (the app's Dashboard and ``bwvtool report weekly``).

Definitions (every figure is tested against a hand-computed fixture in ``tests/core/test_weekly.py``):

* **An incident's week** is the ISO week (Monday–Sunday, UTC) in which its first clip was recorded. The picture
  for week W is about the incidents of week W: the PIOSS weekly plan draws them on the Monday after.
* An incident is **sampled** when any of its clips is in a sample, and **reviewed** when it has a completed review
  and every one of its sampled clips has one. The **target** is 150–200 reviewed incidents a week.
* **Programmes** come from the catalogue flags of the incident's clips: Op Hampshire (source ``op_hampshire``),
  PAVA / baton (tactic "Irritant spray - used" or "Baton used"), DCB / social media, referrals (self or line
  manager) and stop and search. An incident may count under several; "other" counts those under none.
* **Backlog**: sampled incidents of the 12 weeks up to W that are not reviewed, and their clips still without a
  completed review; a backlog clip is **near its retention date** when that date is 0–7 days after the reference
  day (the end of week W, or today while week W is running), and **past** it when the date has gone.
* **Support share**: of the completed reviews of week W's clips that record a PIOSS outcome, the share whose
  outcome is "support offered", with its 95% Wilson score interval.
* **Learning themes**: for each theme, the completed reviews of week W that name it, most frequent first. A review's
  themes are its coded answer to the multiple-choice item ``learning_themes`` when it has one (``none``: no learning
  identified); a review without that answer (saved before the item existed) counts under the themes its free-text
  learning points mention by keyword (:mod:`bwvtool.report.themes`). Each count says how many came from each source.
  **Reviews with learning**: coded with a theme, or without a coded answer but with learning points.
* **Codes by borough**: for each borough (of the clip) and code, the number of week W clips in which a coder with
  a completed review coded it (a clip counts once per code, however often the code occurs or however many coders).
* **Trend**: sampled and reviewed incidents and the support share for each of the 12 weeks up to W.
* **Carried over**: of the latest sample drawn for week W with carry-over (the PIOSS weekly plan), the incidents
  that the capacity left out — they go first into the next week's draw — and those carried into it from the week
  before.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bwvtool.catalogue import vocab
from bwvtool.report.stats import wilson_interval
from bwvtool.report.themes import ITEM as THEMES_ITEM
from bwvtool.report.themes import NO_LEARNING, THEMES, themes_of
from bwvtool.report.weeks import Week
from bwvtool.store import Workspace
from bwvtool.store import samples as sample_rows
from bwvtool.store import weekly as store
from bwvtool.store.codebooks import get_codebook_by_id
from bwvtool.timeutil import format_utc, utc_now

DEFINITIONS = __doc__ or ""
TARGET = (150, 200)
TREND_WEEKS = 12
NEAR_RETENTION_DAYS = 7
SUPPORT = "support_offered"


@dataclass(frozen=True)
class Programme:
    id: str
    label: str
    sources: tuple[str, ...] = ()
    tactics: tuple[str, ...] = ()
    sources_mask: int = field(init=False, compare=False)
    tactics_mask: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # The vocabularies' bit masks, once: the report tests every incident against every programme.
        object.__setattr__(self, "sources_mask", vocab.mask_of(self.sources, vocab.SOURCES))
        object.__setattr__(self, "tactics_mask", vocab.mask_of(self.tactics, vocab.UOF_TACTICS))


PROGRAMMES: tuple[Programme, ...] = (
    Programme("op_hampshire", "Op Hampshire", sources=("op_hampshire",)),
    Programme("pava_baton", "PAVA / baton", tactics=("Irritant spray - used", "Baton used")),
    Programme("dcb", "DCB / social media", sources=("dcb", "social_media")),
    Programme("referrals", "Referrals", sources=("self_referral", "manager_referral")),
    Programme("stop_search", "Stop and search", sources=("stop_search",)),
)
OTHER = Programme("other", "Other")


# -- the figures -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgrammeCount:
    id: str
    label: str
    in_catalogue: int
    sampled: int
    reviewed: int


@dataclass(frozen=True)
class Share:
    """``support_offered`` of ``reviews``; ``low``/``high`` the 95% Wilson interval (None without reviews)."""

    reviews: int
    support_offered: int
    share: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, support: int, reviews: int) -> Share:
        interval = wilson_interval(support, reviews)
        if interval is None:
            return cls(reviews, support, None, None, None)
        return cls(reviews, support, support / reviews, interval[0], interval[1])


@dataclass(frozen=True)
class RetentionItem:
    clip_id: str
    incident_id: str
    retention_until: str
    days_left: int


@dataclass(frozen=True)
class Backlog:
    incidents: int
    clips: int
    near_retention: tuple[RetentionItem, ...]
    past_retention: int
    as_of: str


@dataclass(frozen=True)
class ThemeCount:
    """Completed reviews naming a theme: ``coded`` from the ``learning_themes`` answers, ``keywords`` from the
    learning points of reviews without one; ``reviews`` is their sum."""

    id: str
    label: str
    reviews: int
    coded: int = 0
    keywords: int = 0


@dataclass(frozen=True)
class CarryOver:
    """Units the week's sample left out for capacity (carried into the next draw) and took from the week before."""

    sample_id: int | None = None
    left_out: int = 0
    carried_in: int = 0


@dataclass(frozen=True)
class TrendPoint:
    week: str
    sampled: int
    reviewed: int
    support: Share


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    start: str
    end: str  # the Sunday, inclusive
    generated_at: str
    target_low: int
    target_high: int
    in_catalogue: int
    sampled: int
    reviewed: int
    status: str  # "below", "within" or "above" the target
    programmes: tuple[ProgrammeCount, ...]
    backlog: Backlog
    support: Share
    outcomes: dict[str, int]
    learning_reviews: int  # reviews with learning: coded with a theme, or (uncoded) with learning points
    coded_reviews: int  # reviews with a coded learning_themes answer
    no_learning_reviews: int  # of those, coded "no learning identified"
    keyword_reviews: int  # reviews without a coded answer whose learning points were read for keywords
    themes: tuple[ThemeCount, ...]
    codes_by_borough: dict[str, dict[str, int]]
    code_totals: dict[str, int]
    trend: tuple[TrendPoint, ...]
    carry_over: CarryOver = CarryOver()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- computing --------------------------------------------------------------------------------------------------
@dataclass
class _Incident:
    id: str
    first_ts: int
    sources_mask: int = 0
    uof_mask: int = 0
    clips: list[store.WeeklyClip] = field(default_factory=list)

    @property
    def week(self) -> Week:
        return Week.of_ts(self.first_ts)

    def programmes(self) -> list[Programme]:
        found = [
            p for p in PROGRAMMES if (self.sources_mask & p.sources_mask) or (self.uof_mask & p.tactics_mask)
        ]
        return found or [OTHER]


def _incidents(clips: Iterable[store.WeeklyClip], first_ts: int, end_ts: int) -> dict[str, _Incident]:
    found: dict[str, _Incident] = {}
    for clip in clips:
        incident = found.get(clip.incident_id)
        if incident is None:
            incident = found[clip.incident_id] = _Incident(clip.incident_id, clip.recorded_ts)
        incident.first_ts = min(incident.first_ts, clip.recorded_ts)
        incident.sources_mask |= clip.sources_mask
        incident.uof_mask |= clip.uof_mask
        incident.clips.append(clip)
    # The rows run a day past both ends so that incidents spanning midnight are whole; incidents that began
    # outside the window belong to other weeks.
    return {key: inc for key, inc in found.items() if first_ts <= inc.first_ts < end_ts}


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def compute(
    week: Week,
    clips: Iterable[store.WeeklyClip],
    reviews: Iterable[store.WeeklyReview],
    codes: Iterable[tuple[str, str]],
    *,
    today: date,
    generated_at: str = "",
    theme_labels: Mapping[str, str] | None = None,
    carry_over: CarryOver | None = None,
) -> WeeklyReport:
    """The weekly picture from the rows :mod:`bwvtool.store.weekly` reads (pure: tests call it directly).

    :param theme_labels: option id → label of the coded learning themes, in the codebook's order (default: the
        shipped codebooks' themes, :data:`bwvtool.report.themes.THEMES`).
    """
    weeks = [week.shift(-k) for k in range(TREND_WEEKS - 1, -1, -1)]
    incidents = _incidents(clips, weeks[0].start_ts, week.end_ts)
    complete: dict[str, list[store.WeeklyReview]] = defaultdict(list)
    for review in reviews:
        if review.status == "complete":
            complete[review.clip_id].append(review)

    def sampled(inc: _Incident) -> bool:
        return any(c.sampled for c in inc.clips)

    def reviewed(inc: _Incident) -> bool:
        has_review = any(c.clip_id in complete for c in inc.clips)
        return has_review and all(c.clip_id in complete for c in inc.clips if c.sampled)

    by_week: dict[Week, list[_Incident]] = defaultdict(list)
    for inc in incidents.values():
        by_week[inc.week].append(inc)
    this_week = by_week.get(week, [])

    def share_of(incs: list[_Incident]) -> Share:
        outcomes = [
            r.outcome for inc in incs for c in inc.clips for r in complete.get(c.clip_id, []) if r.outcome
        ]
        return Share.of(sum(1 for o in outcomes if o == SUPPORT), len(outcomes))

    # Programmes of week W.
    programme_rows = []
    memberships = [(inc, inc.programmes()) for inc in this_week]
    for programme in (*PROGRAMMES, OTHER):
        members = [inc for inc, programmes in memberships if programme in programmes]
        programme_rows.append(
            ProgrammeCount(
                programme.id,
                programme.label,
                in_catalogue=len(members),
                sampled=sum(1 for inc in members if sampled(inc)),
                reviewed=sum(1 for inc in members if reviewed(inc)),
            )
        )
    n_sampled = sum(1 for inc in this_week if sampled(inc))
    n_reviewed = sum(1 for inc in this_week if reviewed(inc))
    status = "below" if n_reviewed < TARGET[0] else "within" if n_reviewed <= TARGET[1] else "above"

    # Backlog over the whole window, as of the end of week W (or today, while week W runs).
    as_of = min(today, week.end)
    waiting = [inc for inc in incidents.values() if sampled(inc) and not reviewed(inc)]
    open_clips = [c for inc in waiting for c in inc.clips if c.sampled and c.clip_id not in complete]
    near, past = [], 0
    for clip in open_clips:
        until = _day(clip.retention_until)
        if until is None:
            continue
        left = (until - as_of).days
        if left < 0:
            past += 1
        elif left <= NEAR_RETENTION_DAYS:
            near.append(RetentionItem(clip.clip_id, clip.incident_id, until.isoformat(), left))
    near.sort(key=lambda item: (item.days_left, item.clip_id))
    backlog = Backlog(len(waiting), len(open_clips), tuple(near), past, as_of.isoformat())

    # Reviews of week W: outcomes and learning themes.
    week_clips = {c.clip_id: c for inc in this_week for c in inc.clips}
    week_reviews = [r for clip_id in week_clips for r in complete.get(clip_id, [])]
    outcomes = Counter(r.outcome for r in week_reviews if r.outcome)
    themes, learning = _themes(week_reviews, theme_labels)

    # Codes by borough (clip level).
    by_borough: dict[str, Counter[str]] = defaultdict(Counter)
    for clip_id, code in set(codes):
        clip = week_clips.get(clip_id)
        if clip is not None:
            by_borough[clip.borough][code] += 1
    totals: Counter[str] = Counter()
    for counts in by_borough.values():
        totals.update(counts)

    trend = tuple(
        TrendPoint(
            w.label,
            sampled=sum(1 for inc in by_week.get(w, []) if sampled(inc)),
            reviewed=sum(1 for inc in by_week.get(w, []) if reviewed(inc)),
            support=share_of(by_week.get(w, [])),
        )
        for w in weeks
    )
    return WeeklyReport(
        week=week.label,
        start=week.start.isoformat(),
        end=(week.end - timedelta(days=1)).isoformat(),
        generated_at=generated_at,
        target_low=TARGET[0],
        target_high=TARGET[1],
        in_catalogue=len(this_week),
        sampled=n_sampled,
        reviewed=n_reviewed,
        status=status,
        programmes=tuple(programme_rows),
        backlog=backlog,
        support=share_of(this_week),
        outcomes=dict(sorted(outcomes.items())),
        learning_reviews=learning["learning"],
        coded_reviews=learning["coded"],
        no_learning_reviews=learning["none"],
        keyword_reviews=learning["keywords"],
        themes=themes,
        codes_by_borough={
            b: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            for b, c in sorted(by_borough.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        },
        code_totals=dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))),
        trend=trend,
        carry_over=carry_over or CarryOver(),
    )


def _themes(
    reviews: list[store.WeeklyReview], labels: Mapping[str, str] | None
) -> tuple[tuple[ThemeCount, ...], Counter[str]]:
    """Theme counts (most frequent first, then in the codebook's order) and the review tallies behind them."""
    labels = dict(labels or {t.id: t.label for t in THEMES})
    for theme in THEMES:  # keyword themes a custom codebook may lack
        labels.setdefault(theme.id, theme.label)
    coded: Counter[str] = Counter()
    keywords: Counter[str] = Counter()
    tally: Counter[str] = Counter({"learning": 0, "coded": 0, "none": 0, "keywords": 0})
    for review in reviews:
        if review.learning_themes:
            found = set(review.learning_themes) - {NO_LEARNING}
            tally["coded"] += 1
            tally["none" if not found else "learning"] += 1
            coded.update(found)
            continue
        text = " ".join(t for t in (review.individual_learning, review.organisational_learning) if t)
        if text.strip():
            tally["keywords"] += 1
            tally["learning"] += 1
            keywords.update(set(themes_of(text)))
    for theme_id in coded:
        labels.setdefault(theme_id, theme_id.replace("_", " ").capitalize())  # a theme no codebook labels
    order = {theme_id: index for index, theme_id in enumerate(labels)}
    counts = [
        ThemeCount(theme_id, label, coded[theme_id] + keywords[theme_id], coded[theme_id], keywords[theme_id])
        for theme_id, label in labels.items()
    ]
    counts.sort(key=lambda t: (-t.reviews, order[t.id]))
    return tuple(counts), tally


def theme_labels(ws: Workspace, codebook_ids: Iterable[int]) -> dict[str, str]:
    """Option id → label of the ``learning_themes`` items in these codebooks (first codebook first; ``none``
    left out): the coded themes' names in the report."""
    labels: dict[str, str] = {}
    for codebook_id in sorted(set(codebook_ids)):
        codebook = get_codebook_by_id(ws.conn, codebook_id).codebook
        if THEMES_ITEM not in {i.id for i in codebook.review_items}:
            continue
        item = codebook.review_item(THEMES_ITEM)
        for option in item.options if item.type == "multiple" else ():
            if option.id != NO_LEARNING:
                labels.setdefault(option.id, option.label)
    return labels


# -- the API ------------------------------------------------------------------------------------------------------
def today_utc() -> date:
    return datetime.now(UTC).date()


def default_week(ws: Workspace, today: date | None = None) -> Week:
    """The newest week with sampled incidents, but not after the current week; the current week if none."""
    current = Week.of(today or today_utc())
    latest = store.latest_sampled_ts(ws.conn)
    return current if latest is None else min(current, Week.of_ts(latest))


def weeks_with_work(ws: Workspace) -> list[Week]:
    """The weeks in which sampled clips were recorded, newest first (for the app's week chooser)."""
    return sorted({Week.of(date.fromisoformat(d)) for d in store.sampled_mondays(ws.conn)}, reverse=True)


def weekly_report(
    ws: Workspace, week: Week | str | None = None, *, today: date | None = None
) -> WeeklyReport:
    """The weekly picture for ``week`` (``2021-W13``; default :func:`default_week`).

    :param today: the reference day for retention dates while the week is running (default: today, UTC).
    :raises UsageError: a malformed week.
    """
    today = today or today_utc()
    if week is None:
        week = default_week(ws, today)
    elif isinstance(week, str):
        week = Week.parse(week)
    first = week.shift(-(TREND_WEEKS - 1))
    start_ts, end_ts = first.start_ts - 86_400, week.end_ts + 86_400  # incidents spanning midnight are whole
    reviews = store.reviews(ws.conn, start_ts, end_ts)
    return compute(
        week,
        store.clips(ws.conn, start_ts, end_ts, week.start_ts - 86_400, end_ts),
        reviews,
        store.reviewed_codes(ws.conn, start_ts, end_ts),
        today=today,
        generated_at=utc_now(),
        theme_labels=theme_labels(ws, {r.codebook_id for r in reviews if r.codebook_id is not None}) or None,
        carry_over=carry_over_of(ws, week),
    )


def carry_over_of(ws: Workspace, week: Week) -> CarryOver:
    """What the latest carry-over sample drawn for ``week`` (its window starts on the week's Monday) left out."""
    start = datetime(week.start.year, week.start.month, week.start.day, tzinfo=UTC)
    found = sample_rows.carry_over_for_window(ws.conn, format_utc(start))
    if found is None:
        return CarryOver()
    return CarryOver(found["sample_id"], len(found["left_out"]), len(found["carried_in"]))
