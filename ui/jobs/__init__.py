"""Long work in the app — imports, media checks, exports — as background jobs with progress, Cancel and a result."""

from bwvtool.ui.jobs import forms
from bwvtool.ui.jobs.command import CommandJob, JobResult
from bwvtool.ui.jobs.page import JobsPage

__all__ = ["CommandJob", "JobResult", "JobsPage", "forms"]
