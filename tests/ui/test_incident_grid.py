"""The incident window: four cameras of a generated incident in step, proven by the pixel codes on screen.

The incident (bwvtool.media.synth_incident) is aligned by the core; the window then seeks, steps and nudges. After
each, every camera must show the frame the alignment says it shows at the main camera's incident time, and that
frame (read from the picture) must be the one the camera really took at that moment of the scene.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.incidents import library
from bwvtool.media.synth_incident import make_incident
from bwvtool.store import open_workspace
from bwvtool.store.codebooks import import_codebook_file
from tests.ui.test_player_helpers import REPO, WAIT_MS, assert_on_screen

INCIDENT = "INC-SYN-1"


@pytest.fixture(scope="module")
def incident_db(tmp_path_factory, module_workspace_location):
    """A workspace holding a generated, aligned four-camera incident (made in-process, before the worker)."""
    folder = tmp_path_factory.mktemp("incident_ui")
    incident = make_incident(folder / "media", seconds=90, cameras=4, incident_id=INCIDENT)
    db = module_workspace_location
    with open_workspace(db, create=True) as ws:
        import_catalogue(ws, incident.catalogue, actor="test-user")
        import_codebook_file(
            ws, REPO / "schemas" / "codebooks" / "ss_language_behaviour.yaml", actor="test-user"
        )
        library.align_incident(ws, INCIDENT, actor="test-user")
    return incident, db


@pytest.fixture
def window(qtbot, incident_db):
    from bwvtool.ui.incident import IncidentWindow

    incident, db = incident_db
    ws = open_workspace(db)
    widget = IncidentWindow(ws, "reviewer-1")
    qtbot.addWidget(widget, before_close_func=lambda w: w.grid.close_all())
    widget.resize(1200, 900)
    widget.show()
    widget.open_incident(INCIDENT)
    qtbot.waitUntil(lambda: all(f >= 0 for f in widget.grid.frames().values()), timeout=WAIT_MS)
    yield widget
    ws.close()


def _settled(qtbot, grid) -> None:
    qtbot.waitUntil(lambda: not any(t.player.engine.seeking for t in grid.tiles), timeout=WAIT_MS)
    qtbot.wait(150)  # a follower's seek starts only once the main camera's frame is on screen
    qtbot.waitUntil(lambda: not any(t.player.engine.seeking for t in grid.tiles), timeout=WAIT_MS)


def _in_step(grid, incident) -> float:
    """Every camera shows its frame at the main camera's incident time, and that is the scene's truth."""
    at = grid.incident_ms()
    main = grid.main_tile.camera
    to_scene = incident.camera(main.clip_id).scene_time  # scene time of a media time of the main camera
    for tile in grid.tiles:
        times = tile.player.engine.times
        expected = tile.camera.placement.frame_at(at, times)
        if expected is None:
            continue
        on_screen = assert_on_screen(tile.player, expected)
        truth = incident.camera(tile.camera.clip_id).frame_at(to_scene(main.placement.camera_ms(at) / 1000))
        assert abs(on_screen - truth) <= 1, (tile.camera.clip_id, on_screen, truth)
    return at


def test_seek_and_step_keep_every_camera_on_its_frame(qtbot, window, incident_db):
    incident, _ = incident_db
    grid = window.grid
    assert len(grid.tiles) == 4
    grid.seek(41_234.0)
    _settled(qtbot, grid)
    _in_step(grid, incident)
    for frames in (1, 1, 1, -2, 5):
        before = grid.incident_ms()
        grid.step(frames)
        qtbot.waitUntil(lambda b=before: grid.incident_ms() != b, timeout=WAIT_MS)
        _settled(qtbot, grid)
        _in_step(grid, incident)


def test_play_at_double_speed_then_pause_lands_every_camera_on_its_frame(qtbot, window, incident_db):
    incident, _ = incident_db
    grid = window.grid
    grid.seek(30_000.0)
    _settled(qtbot, grid)
    start = grid.incident_ms()
    grid.set_rate(2.0)
    grid.toggle_play()
    qtbot.waitUntil(lambda: all(t.player.engine.is_playing for t in grid.tiles), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: grid.incident_ms() > start + 1_000, timeout=WAIT_MS)
    grid.toggle_play()
    qtbot.waitUntil(lambda: not any(t.player.engine.is_playing for t in grid.tiles), timeout=WAIT_MS)
    _settled(qtbot, grid)
    assert _in_step(grid, incident) > start + 1_000


def test_space_plays_and_pauses_every_camera_together_wherever_the_focus_is(
    qtbot, qtlog, window, incident_db
):
    """Space is the incident's, not one camera's: with the focus on a camera's player (after a click on it), on the
    grid or on the alignment table, one press plays every camera and the next pauses them all on their frames.
    Qt must never find two actions on the key (it then runs neither and says "Ambiguous shortcut")."""
    incident, _ = incident_db
    grid = window.grid
    everyone_filming = max(e["start_ms"] for e in window.entries) + 2_000
    grid.seek(everyone_filming)
    _settled(qtbot, grid)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    for focus in (grid.tiles[1].player, grid, window.table):
        focus.setFocus()
        before = grid.incident_ms()
        qtbot.keyClick(focus, Qt.Key.Key_Space)
        assert [t.player.engine.is_playing for t in grid.tiles] == [True] * 4, focus
        qtbot.waitUntil(lambda b=before: grid.incident_ms() > b + 200, timeout=WAIT_MS)
        qtbot.keyClick(focus, Qt.Key.Key_Space)
        assert not any(t.player.engine.is_playing for t in grid.tiles), focus
        _settled(qtbot, grid)
        _in_step(grid, incident)
    assert not [r.message for r in qtlog.records if "Ambiguous shortcut" in r.message]


def test_the_coverage_bar_shows_each_camera_and_seeks_on_click(qtbot, window):
    from PySide6.QtCore import QPoint

    bar = window.coverage
    assert [(s.clip_id, s.by_sound) for s in bar.spans] == [
        ("INC-SYN-1-C1", True), ("INC-SYN-1-C3", True), ("INC-SYN-1-C2", True), ("INC-SYN-1-C4", True),
    ]  # fmt: skip
    assert bar.spans[0].start_ms == 0 and bar.end_ms > 80_000
    x = int(bar.x_of(50_000.0))
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    _settled(qtbot, window.grid)
    at = window.grid.incident_ms()
    assert abs(at - bar.ms_at(x)) <= 40  # the main camera's frame at the clicked time
    assert bar.position_ms == at


def test_the_main_camera_has_the_sound(window):
    grid = window.grid
    grid.set_main(2)
    muted = [t.player.engine.audio_output.isMuted() for t in grid.tiles]
    assert muted == [True, True, False, True]
    assert "main, sound" in grid.tiles[2].caption.text()


def test_a_nudge_moves_that_camera_one_frame_and_is_audited(qtbot, window, incident_db):
    _, db = incident_db
    grid = window.grid
    grid.seek(30_000.0)
    _settled(qtbot, grid)
    row = next(i for i, e in enumerate(window.entries) if e["clip_id"] == "INC-SYN-1-C3")
    before = grid.frames()["INC-SYN-1-C3"]
    window.table.selectRow(row)
    window.on.click()
    _settled(qtbot, grid)
    assert grid.frames()["INC-SYN-1-C3"] == before + 1
    window.table.selectRow(row)
    window.back.click()
    _settled(qtbot, grid)
    assert grid.frames()["INC-SYN-1-C3"] == before
    with open_workspace(db) as ws:
        audit = ws.conn.execute(
            "SELECT actor, detail FROM audit_log WHERE action = 'incident.nudge' ORDER BY id"
        ).fetchall()
    assert [a[0] for a in audit[-2:]] == ["reviewer-1", "reviewer-1"]


def test_the_app_aligns_as_a_job_and_opens_the_incident(qtbot, incident_db, workspace_location):
    """From the main window: Align incident… runs `bwvtool incident align` as a job with progress; Open
    incident… shows the cameras in step."""
    from bwvtool.store.postgres.copy import copy_workspace
    from bwvtool.ui.incident import menu
    from bwvtool.ui.incident.forms import AlignIncidentForm
    from bwvtool.ui.main_window import MainWindow

    _, db = incident_db
    copy = workspace_location  # a private copy on the same engine: this test writes
    with open_workspace(db) as source:
        copy_workspace(source, copy)
    win = MainWindow(open_workspace(copy), "alice")
    qtbot.addWidget(win)
    assert win.action_align_incident.text() == "&Align incident…"  # the Incidents menu is the window's own
    form = AlignIncidentForm([], INCIDENT, win)
    assert form.arguments() == ["incident", "align", INCIDENT]
    job = win.run_job(form.windowTitle(), form.arguments())
    seen = []
    job.progress.connect(lambda text, done, total: seen.append((text, done, total)))
    qtbot.waitUntil(lambda: job.result is not None, timeout=120_000)
    assert job.result.ok, job.result.message
    assert {row["clip_id"] for row in job.result.data} == {f"{INCIDENT}-C{n}" for n in range(1, 5)}
    assert seen and seen[-1][1] == seen[-1][2]  # progress ends full
    view = menu.open_incident(win, INCIDENT)
    qtbot.addWidget(view, before_close_func=lambda w: w.grid.close_all())
    assert len(view.grid.tiles) == 4 and "aligned" in view.title.text()


def test_code_on_camera_2_and_camera_1_shows_the_frame_of_that_moment(qtbot, window, incident_db):
    """The issue's desk test: code with the code's key on camera 2 in the incident window; camera 1's picture at
    that incident time carries the pixel code of the frame camera 1 really took then, the event lists it, and
    every camera's picture shows the event at that frame."""
    from bwvtool.store import events as event_rows

    incident, db = incident_db
    grid = window.grid
    c2 = next(i for i, t in enumerate(grid.tiles) if t.camera.clip_id == "INC-SYN-1-C2")
    grid.set_main(c2)
    grid.seek(44_444.0)
    _settled(qtbot, grid)
    at = _in_step(grid, incident)  # camera 1's picture (pixel code) is its true frame at this moment
    bar = window.coding
    bar.codebook_box.setCurrentText("ss_language_behaviour")
    qtbot.waitUntil(lambda: bar.coding is not None, timeout=WAIT_MS)
    qtbot.keyClick(grid, "c")  # command
    (listed,) = [e for e in bar.events if e["code"] == "command"]
    assert listed["clip_id"] == "INC-SYN-1-C2" and listed["coder"] == "reviewer-1"
    assert listed["onset_frame"] == grid.frames()["INC-SYN-1-C2"]
    assert listed["frames"] == grid.frames()  # every camera's frame at the event is the one on screen
    assert abs(listed["onset_incident_ms"] - at) < 40
    assert all("Command" in t.marks.text() for t in grid.tiles if grid.frames()[t.camera.clip_id] >= 0)
    assert [m.label for m in window.coverage.marks] == ["command"]
    with open_workspace(db) as ws:
        (event,) = [e for e in event_rows.for_clip(ws.conn, "INC-SYN-1-C2") if e.id == listed["event_id"]]
    assert (event.code, event.onset_frame) == ("command", listed["onset_frame"])
    # Ctrl+Z takes it back, Ctrl+Shift+Z brings it again.
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [e["code"] for e in bar.events] == []
    qtbot.keyClick(
        grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert [e["event_id"] for e in bar.events] == [listed["event_id"]]


def test_a_state_keyed_on_camera_2_is_ended_by_its_key_on_camera_1(qtbot, window, incident_db):
    """A state's key starts it on the main camera; after switching the main camera, the same key (with the same
    actor digit) ends it on the camera it was started on, at that camera's frame then."""
    from bwvtool.store import events as event_rows

    _, db = incident_db
    grid, bar = window.grid, window.coding
    c1 = next(i for i, t in enumerate(grid.tiles) if t.camera.clip_id == "INC-SYN-1-C1")
    c2 = next(i for i, t in enumerate(grid.tiles) if t.camera.clip_id == "INC-SYN-1-C2")
    bar.codebook_box.setCurrentText("ss_language_behaviour")
    qtbot.waitUntil(lambda: bar.coding is not None, timeout=WAIT_MS)
    grid.set_main(c2)
    grid.seek(50_000.0)
    _settled(qtbot, grid)
    qtbot.keyClicks(grid, "2;")  # subject 2: verbal resistance starts
    (state,) = [e for e in bar.events if e["code"] == "verbal_resistance"]
    assert state["clip_id"] == "INC-SYN-1-C2" and state["actor"] == "subject_2"
    assert (
        state["offset_incident_ms"] is None
        and "(running)" in bar.table.item(bar.events.index(state), 0).text()
    )
    grid.set_main(c1)
    grid.seek(53_000.0)
    _settled(qtbot, grid)
    end_at = grid.incident_ms()
    c2_frame = grid.frames()["INC-SYN-1-C2"]
    qtbot.keyClicks(grid, "2;")  # the same key ends it, on camera 2
    (state,) = [e for e in bar.events if e["code"] == "verbal_resistance"]
    assert state["offset_incident_ms"] == pytest.approx(end_at)
    with open_workspace(db) as ws:
        stored = event_rows.get(ws.conn, state["event_id"])
    assert (stored.clip_id, stored.offset_frame) == ("INC-SYN-1-C2", c2_frame)
    assert [m.end_ms for m in window.coverage.marks if m.label == "verbal_resistance"] == [
        pytest.approx(end_at)
    ]
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo: it runs again
    (state,) = [e for e in bar.events if e["code"] == "verbal_resistance"]
    assert state["offset_incident_ms"] is None


@pytest.mark.sqlite_only("another program holds SQLite's write lock on the file")
def test_a_key_press_waits_for_a_busy_workspace_and_is_saved_when_it_frees(qtbot, window, incident_db):
    """As on the desk: another program's long write keeps the press waiting (said on the status bar, nothing
    stored, nothing half done) and it is saved, on its camera and incident time, once the lock frees."""
    import subprocess
    import sys
    import time

    from bwvtool.store import events as event_rows
    from tests.reliability.test_busy_workspace import HOLDER

    incident, db = incident_db
    grid, bar = window.grid, window.coding
    grid.set_main(next(i for i, t in enumerate(grid.tiles) if t.camera.clip_id == "INC-SYN-1-C2"))
    grid.seek(50_000.0)
    _settled(qtbot, grid)
    bar.codebook_box.setCurrentText("ss_language_behaviour")
    qtbot.waitUntil(lambda: bar.coding is not None, timeout=WAIT_MS)
    frame = grid.frames()["INC-SYN-1-C2"]
    messages: list[str] = []
    window.status.connect(messages.append)

    def stored() -> list[tuple[str, int]]:
        with open_workspace(db) as ws:
            return [
                (e.code, e.onset_frame)
                for e in event_rows.for_clip(ws.conn, "INC-SYN-1-C2")
                if e.code == "command"
            ]

    before = stored()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        qtbot.keyClick(grid, "c")
        assert time.monotonic() - started < 5, "the key press froze the window"
        assert len(bar.edits) == 1 and "Not saved yet: 1 key press waits" in messages[-1]
        assert "catalogue import by ana" in messages[-1]
        assert stored() == before
    finally:
        holder.stdin.write("go\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    qtbot.waitUntil(lambda: len(bar.edits) == 0, timeout=30_000)
    assert stored() == [*before, ("command", frame)]
    assert messages[-1] == "Saved ✓ every waiting key press"
    assert [e["onset_frame"] for e in bar.events if e["code"] == "command"][-1] == frame


def test_a_camera_that_starts_later_starts_playing_when_the_incident_reaches_it(qtbot, window, incident_db):
    """Playing from before a camera filmed: it holds its first frame, paused, under "not filming yet"; when the
    incident time reaches its start it plays in step with the others."""
    incident, _ = incident_db
    grid = window.grid
    late = max(grid.tiles, key=lambda t: t.camera.placement.offset_ms)
    start = late.camera.placement.offset_ms
    assert grid.tiles.index(late) != grid.main and start > 2_000
    grid.seek(start - 1_200)
    _settled(qtbot, grid)
    assert late.player.view.banner == "not filming yet"
    grid.toggle_play()
    qtbot.waitUntil(lambda: grid.incident_ms() > start + 600, timeout=WAIT_MS)
    assert late.player.engine.is_playing and late.player.view.banner is None
    qtbot.waitUntil(lambda: late.player.current_frame()[0] > 5, timeout=WAIT_MS)
    grid.toggle_play()
    qtbot.waitUntil(lambda: not any(t.player.engine.is_playing for t in grid.tiles), timeout=WAIT_MS)
    _settled(qtbot, grid)
    _in_step(grid, incident)


def test_a_cameras_own_controls_move_every_camera(qtbot, window, incident_db):
    """The buttons, scrub bar and picture of any one camera work on the incident: every camera moves in step."""
    incident, _ = incident_db
    grid = window.grid
    everyone_filming = max(e["start_ms"] for e in window.entries) + 2_000
    grid.seek(everyone_filming)
    _settled(qtbot, grid)
    other = grid.tiles[2]
    transport = other.player.transport
    before = grid.incident_ms()
    qtbot.mouseClick(transport.step_forward_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: grid.incident_ms() != before, timeout=WAIT_MS)
    _settled(qtbot, grid)
    assert 0 < grid.incident_ms() - before < 50
    _in_step(grid, incident)
    qtbot.mouseClick(transport.forward_button, Qt.MouseButton.LeftButton)  # 5 s on
    qtbot.waitUntil(lambda: grid.incident_ms() > before + 4_900, timeout=WAIT_MS)
    _settled(qtbot, grid)
    _in_step(grid, incident)
    times = other.player.engine.times
    frame = other.camera.placement.frame_at(everyone_filming + 10_000, times)
    transport.scrub.setValue(frame)  # as a drag of its scrub bar does
    _settled(qtbot, grid)
    assert abs(grid.incident_ms() - other.camera.placement.frame_incident_ms(frame, times)) <= 40
    _in_step(grid, incident)
    qtbot.mouseClick(transport.play_button, Qt.MouseButton.LeftButton)
    assert all(t.player.engine.is_playing for t in grid.tiles)
    qtbot.mouseClick(other.player.view, Qt.MouseButton.LeftButton)  # a click on its picture pauses them all
    assert not any(t.player.engine.is_playing for t in grid.tiles)
    _settled(qtbot, grid)
    _in_step(grid, incident)


def test_no_sound_is_said_once_on_the_main_camera(window, monkeypatch):
    """With no audio device, "No sound" stands over the camera whose sound would play, not over all four."""
    from bwvtool.ui.player import widget

    monkeypatch.setattr(widget.QMediaDevices, "audioOutputs", staticmethod(lambda: []))
    grid = window.grid
    for tile in grid.tiles:
        tile.player._show_sound_devices()
    assert [not t.player.sound_note.isHidden() for t in grid.tiles] == [True, False, False, False]
    grid.set_main(2)
    assert [not t.player.sound_note.isHidden() for t in grid.tiles] == [False, False, True, False]


def test_a_camera_whose_frame_times_come_late_joins_the_incident_time(qtbot, window):
    """Each camera's frame times are read in the background: one that knows them after the main camera showed its
    first frame still goes to the incident time (in the app, a camera not filming yet showed no banner)."""
    grid = window.grid
    at = grid.incident_ms()
    late = next(t for t in grid.tiles if t.camera.placement.frame_at(at, t.player.engine.times) is None)
    late.player.view.set_banner(None)  # as before the grid could place it
    late.player.durationKnown.emit(late.player.engine.duration_ms, late.player.engine.frame_count)
    assert late.player.view.banner == "not filming yet"
