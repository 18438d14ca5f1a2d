-- 0011: a study is bound to its codebook, and a coder's work on a clip belongs to the assignment it was done for.
--
-- samples.codebook names the codebook (its key) the sample is coded with: the desk opens every assignment of the
-- sample with it, and reliability, sequences and exports of the sample read only events coded with it. Events
-- and reviews carry the assignment they were coded for, so one clip in two samples for one coder is two codings;
-- NULL is clip-level work (coded outside any assignment, or older work that matched no assignment). An event keeps
-- the codebook version it was coded with (events.codebook_id is never rewritten).
--
-- A double-coded clip stays blind until the study lead opens the sample (`bwvtool sample unblind`): one row
-- here, immutable like the sample itself.
ALTER TABLE samples ADD COLUMN codebook TEXT;
ALTER TABLE events ADD COLUMN assignment_id INTEGER REFERENCES assignments(id);
CREATE INDEX events_assignment ON events(assignment_id);

-- Existing samples name their codebook: the built-in plans by their name, others by the codebook most of their
-- coded events use (none: resolved when first opened, see bwvtool.coding.assignments). Samples are immutable, so
-- the guard trigger steps aside for this one statement.
DROP TRIGGER samples_no_update;
UPDATE samples SET codebook = CASE
    WHEN plan_text LIKE '%name: PIOSS weekly%' THEN 'pioss_review'
    WHEN plan_text LIKE '%name: S&S research study%' THEN 'ss_language_behaviour'
    ELSE (SELECT b.key FROM assignments a JOIN events e ON e.clip_id = a.clip_id AND e.coder_id = a.coder_id
          JOIN codebooks b ON b.id = e.codebook_id WHERE a.sample_id = samples.id
          GROUP BY b.key ORDER BY count(*) DESC, b.key LIMIT 1)
END;
CREATE TRIGGER samples_no_update BEFORE UPDATE ON samples
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;

-- Old events attach to the assignment they match (same clip and coder, a sample with the event's codebook; the
-- earliest such assignment when there are several: the work was done once, for the first); else clip-level.
UPDATE events SET assignment_id = (
    SELECT min(a.id) FROM assignments a JOIN samples s ON s.id = a.sample_id
    WHERE a.clip_id = events.clip_id AND a.coder_id = events.coder_id
      AND (s.codebook IS NULL OR s.codebook = (SELECT b.key FROM codebooks b WHERE b.id = events.codebook_id))
);

-- Reviews likewise: one per coder per clip per assignment (NULL: clip-level). SQLite cannot drop the old
-- UNIQUE (clip_id, coder_id), so the table is rebuilt with the same rows and ids.
CREATE TABLE clip_reviews_0011 (
    id            INTEGER PRIMARY KEY,
    clip_id       TEXT NOT NULL REFERENCES clips(clip_id),
    coder_id      INTEGER NOT NULL REFERENCES coders(id),
    codebook_id   INTEGER NOT NULL REFERENCES codebooks(id),
    answers       TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'complete')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    assignment_id INTEGER REFERENCES assignments(id)  -- last, as the server's ALTER TABLE ADD COLUMN puts it
);
INSERT INTO clip_reviews_0011 (id, clip_id, coder_id, codebook_id, answers, status, created_at, updated_at,
                               assignment_id)
SELECT r.id, r.clip_id, r.coder_id, r.codebook_id, r.answers, r.status, r.created_at, r.updated_at,
       (SELECT min(a.id) FROM assignments a JOIN samples s ON s.id = a.sample_id
        WHERE a.clip_id = r.clip_id AND a.coder_id = r.coder_id
          AND (s.codebook IS NULL OR s.codebook = (SELECT b.key FROM codebooks b WHERE b.id = r.codebook_id)))
FROM clip_reviews r;
DROP TABLE clip_reviews;
ALTER TABLE clip_reviews_0011 RENAME TO clip_reviews;
CREATE UNIQUE INDEX clip_reviews_coding ON clip_reviews(clip_id, coder_id, coalesce(assignment_id, 0));

CREATE TABLE sample_unblinding (
    sample_id INTEGER PRIMARY KEY REFERENCES samples(id),
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL
);
CREATE TRIGGER sample_unblinding_no_update BEFORE UPDATE ON sample_unblinding
BEGIN SELECT RAISE(ABORT, 'an opened sample stays open'); END;
CREATE TRIGGER sample_unblinding_no_delete BEFORE DELETE ON sample_unblinding
BEGIN SELECT RAISE(ABORT, 'an opened sample stays open'); END;
