"""The player's keyboard commands as QActions, so a main window can install them application-wide.

Keys (single keys other than these stay free for codebook shortcuts; :mod:`bwvtool.codebook.keys` reserves them
and a test checks the two lists agree):

======================  =======================================
Space                   play / pause
Left, ``,``             one frame back (pauses)
Right, ``.``            one frame forward (pauses)
Shift+Left / Right      1 s back / forward
Ctrl+Left / Right       5 s back / forward
J / K / L               shuttle: reverse (1×, 2×, 4×) / stop / forward (1×, 2×, 4×)
``[`` / ``]``           A–B loop start / end at the frame on screen; Ctrl+``\\`` clears the loop
``+`` (or ``=``) / ``-``  faster / slower (0.25× to 4×, pitch kept)
Ctrl+M                  mute
======================  =======================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from bwvtool.ui.player.engine import PlayerEngine


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str
    keys: tuple[str, ...]
    run: Callable[[PlayerEngine], None]


SPECS = (
    ActionSpec("play_pause", "Play / pause", ("Space",), PlayerEngine.toggle_play),
    ActionSpec("step_back", "Previous frame", ("Left", ","), lambda e: e.step(-1)),
    ActionSpec("step_forward", "Next frame", ("Right", "."), lambda e: e.step(1)),
    ActionSpec("back_1s", "Back 1 second", ("Shift+Left",), lambda e: e.jump(-1000)),
    ActionSpec("forward_1s", "Forward 1 second", ("Shift+Right",), lambda e: e.jump(1000)),
    ActionSpec("back_5s", "Back 5 seconds", ("Ctrl+Left",), lambda e: e.jump(-5000)),
    ActionSpec("forward_5s", "Forward 5 seconds", ("Ctrl+Right",), lambda e: e.jump(5000)),
    ActionSpec("shuttle_reverse", "Shuttle backward", ("J",), PlayerEngine.shuttle_reverse),
    ActionSpec("shuttle_stop", "Shuttle stop", ("K",), PlayerEngine.shuttle_stop),
    ActionSpec("shuttle_forward", "Shuttle forward", ("L",), PlayerEngine.shuttle_forward),
    ActionSpec("loop_a", "Set loop start (A)", ("[",), PlayerEngine.set_loop_a),
    ActionSpec("loop_b", "Set loop end (B)", ("]",), PlayerEngine.set_loop_b),
    ActionSpec("loop_clear", "Clear loop", ("Ctrl+\\",), PlayerEngine.clear_loop),
    ActionSpec("faster", "Faster", ("+", "="), PlayerEngine.faster),
    ActionSpec("slower", "Slower", ("-",), PlayerEngine.slower),
    ActionSpec("mute", "Mute", ("Ctrl+M",), PlayerEngine.toggle_mute),
)


def build_actions(engine: PlayerEngine, parent: QObject) -> dict[str, QAction]:
    """One QAction per :data:`SPECS` entry, named by ``name``, acting on ``engine``.

    Their shortcut context is ``WidgetWithChildrenShortcut``: they fire while ``parent`` (the player) or a child
    has focus. :meth:`PlayerWidget.install_actions` widens them to a whole window.
    """
    actions: dict[str, QAction] = {}
    for spec in SPECS:
        action = QAction(spec.text, parent)
        action.setObjectName(spec.name)
        action.setShortcuts([QKeySequence(key) for key in spec.keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setAutoRepeat(spec.name in {"step_back", "step_forward", "back_1s", "forward_1s"})
        action.triggered.connect(lambda _checked=False, run=spec.run: run(engine))
        actions[spec.name] = action
    return actions
