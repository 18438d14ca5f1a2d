-- 0010: what a supervisor has typed into a debrief note but not yet saved as a version. The app keeps it as they
-- type, so no quit, crash or switch loses it; saving a version clears it. One draft per note (clip, review's coder).
CREATE TABLE debrief_drafts (
    clip_id   TEXT NOT NULL REFERENCES clips(clip_id),
    coder_id  INTEGER NOT NULL REFERENCES coders(id),
    narrative TEXT NOT NULL,  -- JSON object: field id -> text
    saved_at  TEXT NOT NULL,
    saved_by  TEXT NOT NULL,
    PRIMARY KEY (clip_id, coder_id)
);
