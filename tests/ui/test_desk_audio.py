"""The desk hears and reads the clip, by keyboard, on the real widgets offscreen: waveform and loudness lanes
from a background analysis, jumps to speech onsets and raised voices, the transcript following playback, coding
a chosen utterance on its frames, accepting and dismissing suggestions, and searching every transcript."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from bwvtool.catalogue.importer import import_catalogue
from bwvtool.store import events as event_rows
from bwvtool.store import open_workspace
from bwvtool.store import transcripts as transcript_rows
from bwvtool.store.codebooks import ensure_default_codebooks
from bwvtool.transcripts.library import import_file
from tests.conftest import REPO
from tests.ui import test_desk as desk_tests

SAMPLE = REPO / "sample_media" / "framecode_720p25.mp4"
desk = desk_tests.desk  # the desk fixture of the desk tests, on this module's desk_ws
ALT, CTRL = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier
VTT = """WEBVTT

00:00:00.400 --> 00:00:02.900
<v PC Smith>Stop there. Take your hands out of your pockets.

00:00:03.400 --> 00:00:06.100
<v Subject>Why, what have I done?

00:00:07.500 --> 00:00:11.900
<v PC Smith>I stopped you because you match the description of a man seen running from the shop.
"""


@pytest.fixture(autouse=True)
def own_settings(tmp_path):
    """Settings (the raised-voice threshold) go to this test's folder, not the user's."""
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture
def desk_ws(workspace_location, tmp_path):
    """The sample clip twice (S1 with a transcript, S2 without), the shipped codebooks."""
    shutil.copy(SAMPLE, tmp_path / "clip.mp4")
    (tmp_path / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path,sources\n"
        "S1,2026-11-02T10:00:00Z,24,PC7,Lambeth,clip.mp4,stop_search\n"
        "S2,2026-11-03T10:00:00Z,24,PC8,Lambeth,clip.mp4,stop_search\n"
    )
    (tmp_path / "s1.vtt").write_text(VTT)
    ws = open_workspace(workspace_location, create=True)
    import_catalogue(ws, tmp_path / "cat.csv", actor="test")
    ensure_default_codebooks(ws, actor="test")
    import_file(ws, "S1", tmp_path / "s1.vtt", actor="test")
    yield ws
    ws.close()


def _open(qtbot, desk, clip_id="S1"):
    """Open the clip as the desk does, and its sound and words (the desk does that itself once wired in)."""
    from bwvtool.ui.desk.desk_audio import DeskAudio

    if getattr(desk, "audio", None) is None:
        desk.audio = DeskAudio(desk)
    desk_tests._open(qtbot, desk, clip_id)
    if desk.audio.data is None or desk.audio.data.clip_id != clip_id:
        desk.audio.open_clip(clip_id)
    qtbot.waitUntil(lambda: desk.audio.data.tracks is not None, timeout=60_000)
    desk.activateWindow()
    desk.setFocus()


def _at(qtbot, desk, ms: int) -> None:
    """Wait until the frame on screen is the one shown at ``ms``."""
    qtbot.waitUntil(lambda: abs(desk.player.current_frame()[1] - ms) < 40, timeout=30_000)


def test_lanes_show_tracks_analysed_in_the_background_and_stored(qtbot, desk, desk_ws):
    _open(qtbot, desk)
    tracks = desk.audio.lanes.tracks
    assert tracks is not None and len(tracks.regions) >= 3 and tracks.speech_level_lufs is not None
    stored = desk_ws.call(_stored_analyser, "S1")
    assert stored is not None and stored.startswith("bwvtool-audio")
    image = desk.audio.lanes.grab().toImage()
    from bwvtool.ui.timeline.audio_lanes import LOUD, WAVE, WAVE_H

    painted = {image.pixel(x, y) for x in range(230, image.width(), 3) for y in range(2, 2 * WAVE_H, 2)}
    assert image.width() > 500 and WAVE.rgb() in painted and LOUD.rgb() in painted
    assert "raised: ≥ +8 LU above speech" in desk.audio.lanes._loudness_label()


def _stored_analyser(ws, clip_id):
    from bwvtool.store import audio as audio_rows

    found = audio_rows.analysed_with(ws.conn, clip_id)
    return found[1] if found else None


def test_keys_jump_to_speech_onsets_and_raised_voices(qtbot, desk):
    _open(qtbot, desk)
    tracks = desk.audio.data.tracks
    onsets = tracks.onsets_ms()
    desk.player.seek_time(onsets[1] + 200)
    _at(qtbot, desk, onsets[1] + 200)
    qtbot.keyClick(desk, Qt.Key.Key_Right, ALT)
    _at(qtbot, desk, onsets[2])
    qtbot.keyClick(desk, Qt.Key.Key_Left, ALT)
    _at(qtbot, desk, onsets[1])
    desk.player.seek_time(0)
    _at(qtbot, desk, 0)
    qtbot.keyClick(desk, Qt.Key.Key_R, ALT)
    _at(qtbot, desk, tracks.raised(desk.audio.lanes.raised_lu)[0].start_ms)


def test_transcript_follows_playback_and_a_code_key_codes_the_chosen_utterance(qtbot, desk, desk_ws):
    _open(qtbot, desk)
    desk.player.seek_time(4000)
    qtbot.waitUntil(lambda: desk.audio.panel.lines.currentRow() == 1, timeout=30_000)  # the subject's line
    desk.player.seek_time(0)
    _at(qtbot, desk, 0)
    qtbot.keyClick(desk, Qt.Key.Key_Down, ALT)  # choose the first utterance
    assert desk.audio.selected == 0
    qtbot.keyClick(desk, Qt.Key.Key_C)  # command: a point on the utterance's first frame
    qtbot.keyClick(desk, Qt.Key.Key_Down, ALT)
    qtbot.keyClick(desk, Qt.Key.Key_Down, ALT)  # the third utterance
    assert desk.audio.selected == 2
    qtbot.keyClick(desk, Qt.Key.Key_M)  # calm: a state over the utterance's frames
    qtbot.waitUntil(lambda: len(event_rows.for_clip(desk_ws.conn, "S1")) == 2, timeout=10_000)
    command, calm = event_rows.for_clip(desk_ws.conn, "S1")
    assert (command.code, command.onset_ms, command.onset_frame, command.offset_ms) == (
        "command",
        400,
        10,
        None,
    )
    assert (calm.code, calm.onset_frame, calm.offset_frame) == (
        "calm",
        187,
        297,
    )  # 7.5 s … last frame before 11.9 s


def test_a_picked_line_is_shown_as_picked_until_it_is_let_go(qtbot, desk, desk_ws):
    """A click on a line (or an arrow key in the focused list) picks it; while it is picked the palette, the list
    and the transcript lane say so; Esc, a step out of it, or another clip lets go, and code keys code the frame on
    screen again."""
    from bwvtool.ui.desk.transcript_panel import PICKED_MARK

    _open(qtbot, desk)
    panel, lines = desk.audio.panel, desk.audio.panel.lines
    desk.player.seek_time(4000)  # the subject's line plays: highlighted, not picked
    qtbot.waitUntil(lambda: lines.currentRow() == 1, timeout=30_000)
    assert desk.audio.selected is None and "picked" not in desk.palette.actor_hint.text()
    desk.side.setCurrentWidget(panel)
    rect = lines.visualItemRect(lines.item(2))
    qtbot.mouseClick(lines.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # pick the third line
    assert desk.audio.selected == 2
    assert "Utterance 00:00:07.500 PC Smith picked" in desk.palette.actor_hint.text()
    assert lines.item(2).text().startswith(PICKED_MARK) and "PICKED" in desk.audio.lanes._transcript_label()
    _at(qtbot, desk, 7480)
    qtbot.keyClick(lines, Qt.Key.Key_Up)  # an arrow key in the list picks the line above
    assert desk.audio.selected == 1 and lines.item(1).text().startswith(PICKED_MARK)
    assert not lines.item(2).text().startswith(PICKED_MARK)
    _at(qtbot, desk, 3400)
    desk.setFocus()
    qtbot.keyClick(desk, Qt.Key.Key_Escape)
    assert desk.audio.selected is None and "picked" not in desk.palette.actor_hint.text()
    assert (
        not lines.item(1).text().startswith(PICKED_MARK)
        and "PICKED" not in desk.audio.lanes._transcript_label()
    )
    qtbot.keyClick(desk, Qt.Key.Key_Down, ALT)  # the next line (after 3.4 s): 7.5 s
    assert desk.audio.selected == 2
    _at(qtbot, desk, 7480)
    desk.player.seek_time(2000)  # out of it: let go
    _at(qtbot, desk, 2000)
    assert desk.audio.selected is None
    qtbot.keyClick(desk, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: len(event_rows.for_clip(desk_ws.conn, "S1")) == 1, timeout=10_000)
    assert event_rows.for_clip(desk_ws.conn, "S1")[0].onset_frame == desk.player.current_frame()[0] == 50
    qtbot.keyClick(desk, Qt.Key.Key_Down, ALT)
    assert desk.audio.selected is not None
    _open(qtbot, desk, "S2")  # another clip: let go
    assert desk.audio.selected is None and "picked" not in desk.palette.actor_hint.text()


def test_suggestions_are_accepted_and_dismissed_by_key(qtbot, desk, desk_ws):
    _open(qtbot, desk)
    suggestions = desk.audio.data.suggestions
    assert {s["rule"] for s in suggestions} >= {"command", "reason_given", "command_before_reason"}
    assert event_rows.for_clip(desk_ws.conn, "S1") == []  # suggested, not coded
    qtbot.keyClick(desk, Qt.Key.Key_S, ALT)  # the first suggestion (in time order)
    first = desk.audio.panel.current_suggestion()
    qtbot.keyClick(desk, Qt.Key.Key_Return, ALT)
    qtbot.waitUntil(lambda: len(event_rows.for_clip(desk_ws.conn, "S1")) == 1, timeout=10_000)
    (event,) = event_rows.for_clip(desk_ws.conn, "S1")
    accepted = transcript_rows.suggestion(desk_ws.conn, first)
    assert accepted["status"] == "accepted" and accepted["event_id"] == event.id
    assert event.onset_ms == accepted["onset_ms"] == 400 and event.onset_frame == 10
    qtbot.keyClick(desk, Qt.Key.Key_S, ALT)
    second = desk.audio.panel.current_suggestion()
    qtbot.keyClick(desk, Qt.Key.Key_Backspace, ALT)
    assert transcript_rows.suggestion(desk_ws.conn, second)["status"] == "dismissed"
    assert len(event_rows.for_clip(desk_ws.conn, "S1")) == 1


def test_search_every_transcript_and_open_the_hit(qtbot, desk):
    _open(qtbot, desk, "S2")
    qtbot.keyClick(desk, Qt.Key.Key_T, CTRL)
    assert desk.audio.panel.search.hasFocus()
    qtbot.keyClicks(desk.audio.panel.search, "match the description")
    qtbot.keyClick(desk.audio.panel.search, Qt.Key.Key_Return)
    assert desk.audio.panel.hits.count() == 1 and "S1" in desk.audio.panel.hits.item(0).text()
    qtbot.keyClick(desk.audio.panel.hits, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: desk.clip_id == "S1", timeout=20_000)
    _at(qtbot, desk, 7480)


def test_the_raised_voice_threshold_is_a_setting_shown_on_the_lane(qtbot, desk, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QInputDialog

    from bwvtool.ui.desk.desk_audio import RAISED_SETTING

    _open(qtbot, desk)
    before = len(desk.audio.data.tracks.raised(desk.audio.lanes.raised_lu))
    monkeypatch.setattr(QInputDialog, "getDouble", staticmethod(lambda *a, **k: (30.0, True)))
    qtbot.keyClick(desk, Qt.Key.Key_R, ALT | Qt.KeyboardModifier.ShiftModifier)
    assert desk.audio.lanes.raised_lu == 30 and float(QSettings().value(RAISED_SETTING)) == 30
    assert "≥ +30 LU" in desk.audio.lanes._loudness_label()
    assert before > 0 and desk.audio.data.tracks.raised(30) == []


def test_a_demo_clip_comes_with_its_sound_and_words(qtbot, tmp_path):
    """In the demo workspace a clip opens with stored tracks (no analysis), a transcript and suggestions."""
    from bwvtool.demo.builder import build_demo
    from bwvtool.ui.desk.desk import CodingDesk

    report = build_demo(tmp_path / "demo", clips=300)
    ws = open_workspace(report.db)
    try:
        clip_id = next(
            c["clip_id"] for c in ws.call(_clips_with_media) if transcript_rows.latest(ws.conn, c["clip_id"])
        )
        widget = CodingDesk(ws, "demo-reviewer")
        qtbot.addWidget(widget)
        widget.resize(1500, 950)
        widget.show()
        _open(qtbot, widget, clip_id)
        assert widget.audio.data.tracks_current and widget.audio._analysis is None  # stored by the demo
        assert widget.audio.panel.lines.count() > 3 and widget.audio.data.suggestions
        assert widget.audio.lanes.tracks is not None and widget.audio.lanes.utterances
    finally:
        ws.close()


def _clips_with_media(ws):
    from bwvtool.store import audio as audio_rows

    return audio_rows.clips_with_media(ws.conn)


def test_a_transcript_is_imported_from_the_panel_and_shown_at_once(
    qtbot, desk, desk_ws, tmp_path, monkeypatch
):
    import docx
    from PySide6.QtWidgets import QFileDialog

    _open(qtbot, desk, "S2")
    assert desk.audio.panel.lines.count() == 0 and "Import" in desk.audio.panel.header.text()
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:05,000 --> 00:00:02,000\nbackwards\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    messages = []
    desk.status.connect(messages.append)
    desk.audio.panel.import_button.click()
    assert "Transcript not imported: bad.srt line 2: the cue ends before it starts" in messages[-1]
    assert desk.audio.panel.lines.count() == 0
    document = docx.Document()
    document.add_paragraph("[00:00:01] PC Smith: Stop there, I'm PC Smith.")
    document.add_paragraph("[00:00:03] Subject: What for?")
    document.save(str(tmp_path / "s2.docx"))
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(tmp_path / "s2.docx"), ""))
    )
    desk.audio.panel.import_button.click()
    assert messages[-1] == "Stored S2 transcript v1, imported from DOCX, 2 utterances"
    assert desk.audio.panel.lines.count() == 2 and "PC Smith" in desk.audio.panel.lines.item(0).text()
    assert transcript_rows.latest(desk_ws.conn, "S2").format == "docx"


QUEUE_PLAN = """name: Transcribed stops
codebook: ss_language_behaviour
unit: clip
frame:
  where: {field: sources, op: contains_any, value: [stop_search]}
design:
  census:
    - name: all
      where: {field: sources, op: contains_any, value: [stop_search]}
assignment:
  coders: [alice]
"""


@pytest.fixture
def queue_desk(qtbot, workspace_location, tmp_path):
    """Alice's queue: four clips with video, each with the three-line transcript, in a study she codes."""
    from bwvtool import sampling
    from bwvtool.ui.desk.desk import CodingDesk

    shutil.copy(SAMPLE, tmp_path / "clip.mp4")
    rows = "".join(
        f"Q{n},2026-11-0{n}T10:00:00Z,24,PC{n},Lambeth,clip.mp4,stop_search\n" for n in range(1, 5)
    )
    (tmp_path / "cat.csv").write_text(
        "clip_id,recorded_at,duration_s,officer_ref,borough,media_path,sources\n" + rows
    )
    (tmp_path / "q.vtt").write_text(VTT)
    ws = open_workspace(workspace_location, create=True)
    import_catalogue(ws, tmp_path / "cat.csv", actor="test")
    ensure_default_codebooks(ws, actor="test")
    for n in range(1, 5):
        import_file(ws, f"Q{n}", tmp_path / "q.vtt", actor="test")
    with ws.transaction("test") as tx:
        ws.coder_id(tx, "alice")
    sampling.draw(ws, QUEUE_PLAN, seed=1, actor="lead")
    widget = CodingDesk(ws, "alice")
    qtbot.addWidget(widget)
    widget.resize(1500, 950)
    widget.show()
    widget.activateWindow()
    yield widget
    widget.shutdown()
    ws.close()


def _opened(qtbot, desk, clip_id: str) -> None:
    """Wait until ``clip_id`` is open with its frame times known, its transcript shown, and the desk has the keys."""
    qtbot.waitUntil(lambda: desk.clip_id == clip_id and desk.player.current_frame()[0] >= 0, timeout=30_000)
    qtbot.waitUntil(
        lambda: desk.audio.data is not None and desk.audio.data.clip_id == clip_id, timeout=30_000
    )
    desk.setFocus()


def _step_and_code(qtbot, desk, steps: int) -> None:
    """Step ``steps`` frames with '.', press C (command): it must be stored on the frame on screen."""
    start = desk.player.current_frame()[0]
    for _ in range(steps):
        qtbot.keyClick(desk, Qt.Key.Key_Period)
    qtbot.waitUntil(lambda: desk.player.current_frame()[0] == start + steps, timeout=30_000)
    frame, ms = desk.player.current_frame()
    before = len(event_rows.for_clip(desk.ws.conn, desk.clip_id))
    qtbot.keyClick(desk, Qt.Key.Key_C)
    qtbot.waitUntil(
        lambda: len(event_rows.for_clip(desk.ws.conn, desk.clip_id)) == before + 1, timeout=10_000
    )
    newest = max(event_rows.for_clip(desk.ws.conn, desk.clip_id), key=lambda e: e.id)
    assert (newest.code, newest.onset_frame, newest.onset_ms) == ("command", frame, ms), (
        f"{desk.clip_id}: the code went to frame {newest.onset_frame} while frame {frame} was on screen"
    )


def _complete_review(qtbot, desk) -> None:
    for item in desk.codebook.review_items:
        if item.required:
            desk.review.answer(item.id, [item.choices[0]] if item.type == "multiple" else item.choices[0])
    desk.setFocus()
    qtbot.keyClick(desk, Qt.Key.Key_Return, CTRL)


def test_moving_on_to_the_next_clip_never_picks_a_transcript_line(qtbot, queue_desk):
    """Whatever line of the transcript was playing when the clip changed (the first, the last), the next clip opens
    with no line picked: a code key after stepping frames codes the frame on screen — after review complete (the
    next clip opens by itself), after Page Down, and after opening a clip from the queue."""
    desk = queue_desk
    order = [desk.queue.item(r).data(Qt.ItemDataRole.UserRole) for r in range(desk.queue.count())]
    assert order == ["Q1", "Q2", "Q3", "Q4"]
    desk.queue.setCurrentRow(0)
    desk.queue.setFocus()
    qtbot.keyClick(desk.queue, Qt.Key.Key_Return)  # open from the queue
    _opened(qtbot, desk, "Q1")
    desk.player.seek_time(1000)  # the transcript follows: its first line is the one playing
    qtbot.waitUntil(lambda: desk.audio.panel.lines.currentRow() == 0, timeout=30_000)
    _step_and_code(qtbot, desk, 3)

    _complete_review(qtbot, desk)  # Ctrl+Return: Q2 opens by itself
    _opened(qtbot, desk, "Q2")
    _step_and_code(qtbot, desk, 3)
    desk.player.seek_time(9000)  # the last line is playing when the reviewer moves on
    qtbot.waitUntil(lambda: desk.audio.panel.lines.currentRow() == 2, timeout=30_000)

    desk.follow_progress()  # the queue as it stands now (work order moves a clip once it is started)
    following = desk.queue.item(desk.queue.currentRow() + 1).data(Qt.ItemDataRole.UserRole)
    assert following not in ("Q2", "Q4")  # Q4 comes from a click, last
    qtbot.keyClick(desk, Qt.Key.Key_PageDown)
    _opened(qtbot, desk, following)
    _step_and_code(qtbot, desk, 4)
    desk.player.seek_time(1000)
    qtbot.waitUntil(lambda: desk.audio.panel.lines.currentRow() == 0, timeout=30_000)

    rows = {desk.queue.item(r).data(Qt.ItemDataRole.UserRole): r for r in range(desk.queue.count())}
    entry = desk.queue.item(rows["Q4"])
    qtbot.mouseClick(
        desk.queue.viewport(), Qt.MouseButton.LeftButton, pos=desk.queue.visualItemRect(entry).center()
    )
    qtbot.keyClick(desk.queue, Qt.Key.Key_Return)  # click + Enter
    _opened(qtbot, desk, "Q4")
    _step_and_code(qtbot, desk, 2)
    _step_and_code(qtbot, desk, 1)


def test_ctrl_return_says_the_review_is_complete_when_the_next_clip_opens(qtbot, queue_desk):
    """Completing a review opens the next clip at once; the status bar's last word still says the review is
    complete (and which clip opened), not only "Opened …"."""
    desk = queue_desk
    desk.queue.setCurrentRow(0)
    desk.queue.setFocus()
    qtbot.keyClick(desk.queue, Qt.Key.Key_Return)
    _opened(qtbot, desk, "Q1")
    messages = []
    desk.status.connect(messages.append)
    _complete_review(qtbot, desk)
    _opened(qtbot, desk, "Q2")
    assert messages[-1].startswith("Review of Q1 marked complete") and "Q2" in messages[-1], messages
