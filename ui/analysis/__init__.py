"""The Analysis tab: inter-coder reliability and the lag-1 sequences heat map of a sample.

Every figure comes from the core (:mod:`bwvtool.analysis` through :mod:`bwvtool.export.coded`); these widgets only
lay the figures out. Modules: :mod:`.page` (the tab), :mod:`.reliability_view`, :mod:`.sequences_view`,
:mod:`.heatmap` (the painted grid and its legend), :mod:`.tables` (figure tables with Copy and Export CSV),
:mod:`.overview` (which figure goes in which overview cell, Qt-free) and :mod:`.jobs` (the worker threads).
"""

from bwvtool.ui.analysis.page import AnalysisPage

__all__ = ["AnalysisPage"]
