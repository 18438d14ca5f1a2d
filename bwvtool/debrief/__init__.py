"""Supervisor debrief notes built from a completed review."""
