"""Synthetic demo workspaces whose mix follows published Metropolitan Police figures."""

from bwvtool.demo.builder import DemoReport, build_demo

__all__ = ["DemoReport", "build_demo"]
