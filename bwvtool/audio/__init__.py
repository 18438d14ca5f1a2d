"""What a clip's audio holds: momentary loudness (EBU R128), voice activity and a waveform summary.

One ffmpeg decode to PCM feeds all three (:mod:`bwvtool.audio.analyse`); the result is cached in the workspace
(:mod:`bwvtool.store.audio`) so the desk never decodes audio to draw it.
"""
