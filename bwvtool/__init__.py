"""bwvtool: sample, code and analyse police body-worn video.

The package is the functional core and the ``bwvtool`` command line. It never imports Qt; the desktop app
lives in :mod:`bwvtool.ui` and calls into the core.
"""

__version__ = "0.1.0"
