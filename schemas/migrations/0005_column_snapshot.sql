-- 0005: a column snapshot of the catalogue, for sampling. A draw reads about ten fields of every clip; reading
-- them row by row from `clips` takes seconds per million clips, reading them as packed arrays takes tens of
-- milliseconds. The snapshot is a cache (bwvtool.store.snapshot builds and reads it): it is only used while it
-- carries the catalogue's current generation, and rebuilt from `clips` otherwise.
--
-- The generation moves on with the first change to `clips` (insert, update or delete, by any writer) after a
-- snapshot was stamped, so a stamped snapshot is never mistaken for the current catalogue. Only that first change
-- writes here: the triggers test `stamped` first, which keeps a million-row import as fast as without them.
CREATE TABLE catalogue_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    stamped    INTEGER NOT NULL CHECK (stamped IN (0, 1))  -- 1: a snapshot may carry this generation
);
INSERT INTO catalogue_state (id, generation, stamped) VALUES (1, 0, 0);

CREATE TRIGGER clips_insert_generation AFTER INSERT ON clips
WHEN (SELECT stamped FROM catalogue_state WHERE id = 1) = 1
BEGIN UPDATE catalogue_state SET generation = generation + 1, stamped = 0 WHERE id = 1; END;
CREATE TRIGGER clips_update_generation AFTER UPDATE ON clips
WHEN (SELECT stamped FROM catalogue_state WHERE id = 1) = 1
BEGIN UPDATE catalogue_state SET generation = generation + 1, stamped = 0 WHERE id = 1; END;
CREATE TRIGGER clips_delete_generation AFTER DELETE ON clips
WHEN (SELECT stamped FROM catalogue_state WHERE id = 1) = 1
BEGIN UPDATE catalogue_state SET generation = generation + 1, stamped = 0 WHERE id = 1; END;

-- One row per sampling field, every array in the same row order (recorded_ts ascending, then rowid).
CREATE TABLE column_snapshot (
    field      TEXT PRIMARY KEY,         -- a sampling plan field (bwvtool.store.snapshot.KINDS)
    generation INTEGER NOT NULL,         -- catalogue_state.generation it was built at
    format     INTEGER NOT NULL,         -- bwvtool.store.snapshot.FORMAT: a newer layout ignores older rows
    kind       TEXT NOT NULL,            -- int | float | nullable | date | text | ids
    rows       INTEGER NOT NULL,
    dtype      TEXT NOT NULL,            -- numpy dtype of `data`: '<i8', '|i1', '<f8', '|S12' (ids: UTF-8) ...
    data       BLOB NOT NULL,            -- the values, or (text) codes into `strings`, -1 for empty
    strings    BLOB                      -- text: the sorted distinct values, UTF-8, the byte 0xFF between them
);
