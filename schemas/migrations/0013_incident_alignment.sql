-- 0013: multi-camera incidents. Where each clip sits on its incident's clock, and events coded on incident time.
--
-- clip_alignments: one row per clip of an aligned incident (bwvtool.incidents). A clip's media time m maps to
-- incident time offset_ms + m / (1 + drift_ppm / 1e6); incident time 0 is the incident's earliest catalogued
-- recording start. method: 'reference' (matched-to clip, keeps its catalogue offset), 'audio' (matched by
-- cross-correlating its sound with matched_to's), 'catalogue' (no usable common audio: catalogue offset only,
-- note says why). A reviewer's nudge moves offset_ms by whole frames and adds to nudge_frames (audited).
--
-- incident_events: an event coded on incident time. The event itself stays an ordinary clip-level event on the
-- camera it was coded on (events.clip_id, onset_ms, onset_frame are that camera's time and frame), so everything
-- that reads events keeps working; this row adds the incident and the incident times, so the event can be shown
-- on every other camera at the right frame.

CREATE TABLE clip_alignments (
    clip_id             TEXT PRIMARY KEY REFERENCES clips(clip_id),
    incident_id         TEXT NOT NULL REFERENCES incidents(incident_id),
    offset_ms           REAL NOT NULL,
    drift_ppm           REAL NOT NULL DEFAULT 0,
    method              TEXT NOT NULL CHECK (method IN ('reference', 'audio', 'catalogue')),
    catalogue_offset_ms REAL NOT NULL,
    confidence          REAL,                   -- median peak-to-sidelobe ratio of the windows used
    matched_to          TEXT,                   -- the clip whose sound this one was matched to
    windows             INTEGER NOT NULL DEFAULT 0,
    residual_ms         REAL,                   -- RMS distance of the windows from the fitted line
    note                TEXT,
    frame_ms            REAL,                   -- one frame of the clip (nominal), the unit of a nudge
    nudge_frames        INTEGER NOT NULL DEFAULT 0,
    aligned_at          TEXT NOT NULL,
    aligned_by          TEXT NOT NULL
);
CREATE INDEX clip_alignments_incident ON clip_alignments(incident_id);

CREATE TABLE incident_events (
    event_id           INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    incident_id        TEXT NOT NULL REFERENCES incidents(incident_id),
    onset_incident_ms  REAL NOT NULL,
    offset_incident_ms REAL
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, onset_incident_ms);
