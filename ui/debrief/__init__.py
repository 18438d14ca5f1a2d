"""The Debrief tab: a supervisor's debrief notes, edited beside a live preview and exported as PDF or HTML."""

from bwvtool.ui.debrief.page import DebriefPage

__all__ = ["DebriefPage"]
