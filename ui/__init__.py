"""The bwvtool desktop app (PySide6). Installed as bwvtool.ui; the core never imports it."""

import os

# Qt's FFmpeg backend prints every opened file's stream dump and missing optional codecs to stderr: noise for a
# reviewer's terminal. A QT_LOGGING_RULES the user sets still wins.
os.environ.setdefault(
    "QT_LOGGING_RULES",
    "qt.multimedia.ffmpeg*=false;qt.multimedia.symbolsresolver*=false;qt.multimedia.playbackengine.codec*=false",
)
