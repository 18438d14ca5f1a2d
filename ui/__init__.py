"""The bwvtool desktop app (PySide6). Installed as bwvtool.ui; the core never imports it."""
