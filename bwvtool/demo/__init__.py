"""Synthetic demo workspaces whose mix follows published Metropolitan Police figures."""
