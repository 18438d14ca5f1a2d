"""Analysis of coded events: reliability statistics and sequences."""
