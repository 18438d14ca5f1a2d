"""The Dashboard tab: the unit's weekly picture with Qt Charts (imported when the tab is first shown)."""

from bwvtool.ui.dashboard.page import DashboardPage

__all__ = ["DashboardPage"]
