"""Sampling in the app: the draw dialog with a live preview, and the samples page."""
