"""The frame-accurate player: :class:`PlayerWidget` (video, sound, counter, transport, keyboard actions).

Run it on its own for manual checks: ``python -m bwvtool.ui.player CLIP.mp4``.
"""

from bwvtool.ui.player.widget import PlayerWidget

__all__ = ["PlayerWidget"]
