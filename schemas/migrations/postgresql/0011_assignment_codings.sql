-- 0011 (PostgreSQL): samples name their codebook, events and reviews carry their assignment, opened (unblinded)
-- samples; as ../0011_assignment_codings.sql.
ALTER TABLE samples ADD COLUMN codebook TEXT;
ALTER TABLE events ADD COLUMN assignment_id BIGINT REFERENCES assignments(id);
CREATE INDEX events_assignment ON events(assignment_id);

ALTER TABLE samples DISABLE TRIGGER samples_no_update;
UPDATE samples SET codebook = CASE
    WHEN plan_text LIKE '%name: PIOSS weekly%' THEN 'pioss_review'
    WHEN plan_text LIKE '%name: S&S research study%' THEN 'ss_language_behaviour'
    ELSE (SELECT b.key FROM assignments a JOIN events e ON e.clip_id = a.clip_id AND e.coder_id = a.coder_id
          JOIN codebooks b ON b.id = e.codebook_id WHERE a.sample_id = samples.id
          GROUP BY b.key ORDER BY count(*) DESC, b.key LIMIT 1)
END;
ALTER TABLE samples ENABLE TRIGGER samples_no_update;

UPDATE events SET assignment_id = (
    SELECT min(a.id) FROM assignments a JOIN samples s ON s.id = a.sample_id
    WHERE a.clip_id = events.clip_id AND a.coder_id = events.coder_id
      AND (s.codebook IS NULL OR s.codebook = (SELECT b.key FROM codebooks b WHERE b.id = events.codebook_id))
);

ALTER TABLE clip_reviews ADD COLUMN assignment_id BIGINT REFERENCES assignments(id);
UPDATE clip_reviews SET assignment_id = (
    SELECT min(a.id) FROM assignments a JOIN samples s ON s.id = a.sample_id
    WHERE a.clip_id = clip_reviews.clip_id AND a.coder_id = clip_reviews.coder_id
      AND (s.codebook IS NULL OR s.codebook = (SELECT b.key FROM codebooks b WHERE b.id = clip_reviews.codebook_id))
);
ALTER TABLE clip_reviews DROP CONSTRAINT IF EXISTS clip_reviews_clip_id_coder_id_key;
CREATE UNIQUE INDEX clip_reviews_coding ON clip_reviews(clip_id, coder_id, coalesce(assignment_id, 0));

CREATE TABLE sample_unblinding (
    sample_id BIGINT PRIMARY KEY REFERENCES samples(id),
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL
);
CREATE TRIGGER sample_unblinding_no_update BEFORE UPDATE ON sample_unblinding
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('an opened sample stays open');
CREATE TRIGGER sample_unblinding_no_delete BEFORE DELETE ON sample_unblinding
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('an opened sample stays open');

-- A reviewer reads other coders' work on a double-coded clip only once every sample double-coding it is opened.
CREATE OR REPLACE FUNCTION bwv_double_coded(clip text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$
    SELECT EXISTS (SELECT 1 FROM assignments a WHERE a.clip_id = clip AND a.role = 'reliability'
                   AND NOT EXISTS (SELECT 1 FROM sample_unblinding u WHERE u.sample_id = a.sample_id))
$$;

GRANT SELECT ON sample_unblinding TO bwvtool_reviewer, bwvtool_researcher, bwvtool_supervisor, bwvtool_admin;
GRANT INSERT ON sample_unblinding TO bwvtool_admin;
