"""The coding timeline: a ruler, one lane per track and actor, states as bars, points as ticks, the playhead."""
