-- 0010 (PostgreSQL): autosaved debrief drafts, as ../0010_debrief_drafts.sql. Supervisors write them.
CREATE TABLE debrief_drafts (
    clip_id   TEXT NOT NULL REFERENCES clips(clip_id),
    coder_id  BIGINT NOT NULL REFERENCES coders(id),
    narrative TEXT NOT NULL,
    saved_at  TEXT NOT NULL,
    saved_by  TEXT NOT NULL,
    PRIMARY KEY (clip_id, coder_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON debrief_drafts TO bwvtool_supervisor;
GRANT SELECT ON debrief_drafts TO bwvtool_admin;
