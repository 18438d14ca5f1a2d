-- 0013 (PostgreSQL): multi-camera incidents, as ../0013_incident_alignment.sql: each clip's place on its
-- incident's clock, and events coded on incident time. Alignment is catalogue work (admins) and a reviewer's
-- nudge while coding; incident events follow their events' rights.
CREATE TABLE clip_alignments (
    clip_id             TEXT PRIMARY KEY REFERENCES clips(clip_id),
    incident_id         TEXT NOT NULL REFERENCES incidents(incident_id),
    offset_ms           DOUBLE PRECISION NOT NULL,
    drift_ppm           DOUBLE PRECISION NOT NULL DEFAULT 0,
    method              TEXT NOT NULL CHECK (method IN ('reference', 'audio', 'catalogue')),
    catalogue_offset_ms DOUBLE PRECISION NOT NULL,
    confidence          DOUBLE PRECISION,
    matched_to          TEXT,
    windows             BIGINT NOT NULL DEFAULT 0,
    residual_ms         DOUBLE PRECISION,
    note                TEXT,
    frame_ms            DOUBLE PRECISION,
    nudge_frames        BIGINT NOT NULL DEFAULT 0,
    aligned_at          TEXT NOT NULL,
    aligned_by          TEXT NOT NULL
);
CREATE INDEX clip_alignments_incident ON clip_alignments(incident_id);

CREATE TABLE incident_events (
    event_id           BIGINT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    incident_id        TEXT NOT NULL REFERENCES incidents(incident_id),
    onset_incident_ms  DOUBLE PRECISION NOT NULL,
    offset_incident_ms DOUBLE PRECISION
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, onset_incident_ms);

GRANT SELECT ON clip_alignments TO bwvtool_reviewer, bwvtool_researcher, bwvtool_supervisor, bwvtool_admin;
GRANT INSERT, UPDATE, DELETE ON clip_alignments TO bwvtool_reviewer, bwvtool_admin;
GRANT SELECT ON incident_events TO bwvtool_reviewer, bwvtool_researcher, bwvtool_supervisor, bwvtool_admin;
GRANT INSERT, UPDATE, DELETE ON incident_events TO bwvtool_reviewer, bwvtool_admin;

-- Reviewers see the alignment of clips they are assigned, and incident times of events they may read.
ALTER TABLE clip_alignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY clip_alignments_team ON clip_alignments FOR SELECT TO bwvtool_researcher, bwvtool_supervisor USING (true);
CREATE POLICY clip_alignments_reviewer ON clip_alignments TO bwvtool_reviewer
    USING (bwv_assigned(clip_id)) WITH CHECK (bwv_assigned(clip_id));
CREATE POLICY clip_alignments_admin ON clip_alignments TO bwvtool_admin USING (true) WITH CHECK (true);

ALTER TABLE incident_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_events_team ON incident_events FOR SELECT TO bwvtool_researcher, bwvtool_supervisor USING (true);
CREATE POLICY incident_events_reviewer ON incident_events TO bwvtool_reviewer
    USING (EXISTS (SELECT 1 FROM events e WHERE e.id = event_id))
    WITH CHECK (EXISTS (SELECT 1 FROM events e WHERE e.id = event_id));
CREATE POLICY incident_events_admin ON incident_events TO bwvtool_admin USING (true) WITH CHECK (true);
