"""Incidents filmed by several cameras: aligning their clips on one incident clock (catalogue times refined by
the sound the cameras share, with each camera's clock drift), and mapping incident time to each camera's frame."""
