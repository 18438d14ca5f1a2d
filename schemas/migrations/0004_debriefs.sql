-- 0004: supervisor debrief notes. A note is built from one coder's completed review of one clip; the supervisor's
-- narrative (what went well, learning, support, agreed next steps …) is saved as numbered versions. Versions are
-- never changed or deleted: an edit is a new version, so every export can be traced to the exact text it showed.
-- Debrief notes are identified, internal documents: research exports never read this table.
CREATE TABLE debrief_notes (
    id                INTEGER PRIMARY KEY,
    clip_id           TEXT NOT NULL REFERENCES clips(clip_id),
    coder_id          INTEGER NOT NULL REFERENCES coders(id),  -- whose review the note is built from
    version           INTEGER NOT NULL CHECK (version >= 1),
    narrative         TEXT NOT NULL,                           -- JSON object: field id -> text
    sha256            TEXT NOT NULL,                           -- of the narrative JSON as stored
    review_updated_at TEXT NOT NULL,                           -- the review as it stood when the note was saved
    saved_at          TEXT NOT NULL,
    saved_by          TEXT NOT NULL,
    UNIQUE (clip_id, coder_id, version)
);
CREATE TRIGGER debrief_notes_no_update BEFORE UPDATE ON debrief_notes
BEGIN SELECT RAISE(ABORT, 'debrief note versions are never changed; save a new version'); END;
CREATE TRIGGER debrief_notes_no_delete BEFORE DELETE ON debrief_notes
BEGIN SELECT RAISE(ABORT, 'debrief note versions are never deleted'); END;
