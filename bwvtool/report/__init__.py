"""The unit's weekly picture."""
