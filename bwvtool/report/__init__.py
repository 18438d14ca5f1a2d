"""The unit's weekly picture: incidents sampled and reviewed against the target, by programme; backlog and
retention; the support share with its interval; learning themes; codes by borough; a 12-week trend.

The API the command line and the app call::

    report = weekly_report(ws, "2021-W13")      # or None: the newest week with sampled incidents
    report.as_dict(); render_weekly_html(report); weekly_text(report)
    weeks_with_work(ws)                          # weeks to choose from, newest first
"""

from bwvtool.report.render import render_weekly_html, weekly_text
from bwvtool.report.stats import wilson_interval
from bwvtool.report.weekly import (
    DEFINITIONS,
    PROGRAMMES,
    TARGET,
    WeeklyReport,
    compute,
    default_week,
    weekly_report,
    weeks_with_work,
)
from bwvtool.report.weeks import Week

__all__ = [
    "DEFINITIONS",
    "PROGRAMMES",
    "TARGET",
    "Week",
    "WeeklyReport",
    "compute",
    "default_week",
    "render_weekly_html",
    "weekly_report",
    "weekly_text",
    "weeks_with_work",
    "wilson_interval",
]
