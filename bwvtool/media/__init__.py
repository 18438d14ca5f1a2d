"""Media files: ffmpeg location, probing, exact frame grabs, hashing and synthetic clips.

Public entry points (import the submodule; this package imports nothing heavy):

* :func:`bwvtool.media.probe.probe` (path) → :class:`~bwvtool.media.probe.MediaInfo` (``.as_dict()`` for JSON)
* :func:`bwvtool.media.probe.frame_times` (path) → :class:`~bwvtool.media.timestamps.FrameTimes`
* :func:`bwvtool.media.frame.grab_frame` (path, at_ms) → :class:`~bwvtool.media.frame.Frame` (exact)
* :func:`bwvtool.media.hashing.sha256_file` (path) → hex digest
* :func:`bwvtool.media.framecode.encode` / :func:`~bwvtool.media.framecode.decode`: frame index pixel code
* :func:`bwvtool.media.synth.make_clip` (path, **options) → path of a synthetic clip

All times are milliseconds from the container start (see :mod:`bwvtool.media.timestamps`); every ffmpeg run is
time-limited (:mod:`bwvtool.media.ffmpeg`); problems are :class:`~bwvtool.errors.MediaError` with one-line text.
"""
