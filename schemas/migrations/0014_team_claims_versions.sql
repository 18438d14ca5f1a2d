-- 0014: many people at once. Shared work is claimed, and edits say which version of a row they change.
--
-- Row versions: an event and a review carry a version, raised by one on every change, and who made that change.
-- An edit, delete or review save names the version it read; when the stored one differs nothing is written and
-- the user is told who changed it and when (bwvtool.store.versions), instead of overwriting their work.
ALTER TABLE events ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN updated_by TEXT;
ALTER TABLE clip_reviews ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE clip_reviews ADD COLUMN updated_by TEXT;

-- The unit's pool: clips of a sample given to the unit rather than to a named coder. A reviewer claims the next
-- unclaimed one ("Take next", `bwvtool queue claim`), which makes it their assignment; releasing an untouched one
-- puts it back. One claim per row: on the server the claim locks its row (FOR UPDATE SKIP LOCKED), here it runs
-- in one immediate transaction (bwvtool.store.pool). Deleting a released assignment clears assignment_id.
CREATE TABLE queue_pool (
    id            INTEGER PRIMARY KEY,
    sample_id     INTEGER NOT NULL REFERENCES samples(id),
    clip_id       TEXT NOT NULL REFERENCES clips(clip_id),
    role          TEXT NOT NULL DEFAULT 'primary' CHECK (role IN ('primary', 'reliability')),
    pooled_at     TEXT NOT NULL,
    pooled_by     TEXT NOT NULL,
    claimed_by    INTEGER REFERENCES coders(id),
    claimed_at    TEXT,
    assignment_id INTEGER REFERENCES assignments(id) ON DELETE SET NULL,
    UNIQUE (sample_id, clip_id, role)
);
CREATE INDEX queue_pool_unclaimed ON queue_pool(claimed_by, id);
