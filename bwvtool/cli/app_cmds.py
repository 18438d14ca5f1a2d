"""`bwvtool demo` and `bwvtool gui`: start the desktop app (imported lazily: the core never imports Qt)."""

from __future__ import annotations
