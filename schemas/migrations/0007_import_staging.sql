-- 0007: long writers hold the write lock only briefly, and say who they are.
--
-- A catalogue import now applies its rows in short transactions (a few thousand rows each) instead of one long
-- one, so a reviewer's key press never waits behind it. What keeps it all-or-nothing is a journal in the same
-- workspace, written in the same transactions as the rows: the import's state and, for every clip it changed
-- (not inserted), the row as it was. A killed import is rolled back from the journal before anything else
-- writes the catalogue again. Leases say which long job runs, for whom and since when, so a command that finds the
-- workspace busy can say so in words.

-- Who runs a long job on this workspace. Written in its own short transaction when the job starts, removed when
-- it ends; a lease whose process is gone (same host, pid not alive) or silent (heartbeat too old) is ignored.
CREATE TABLE workspace_leases (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: imports name their lease by id
    job          TEXT NOT NULL,              -- 'catalogue import', ...
    holder       TEXT NOT NULL,              -- the user it runs for
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    started_at   TEXT NOT NULL,              -- UTC, ISO 8601
    heartbeat_at TEXT NOT NULL,              -- moved on while the job makes progress
    detail       TEXT NOT NULL DEFAULT '{}'  -- JSON: e.g. the file being imported
);

-- applying: rows are going in step by step (its clips are visible, the import is not finished: draws refuse);
-- done: the last step committed with the import's audit row; rolled_back: undone from the journal.
ALTER TABLE catalogue_imports ADD COLUMN state TEXT NOT NULL DEFAULT 'done'
    CHECK (state IN ('applying', 'done', 'rolled_back'));
ALTER TABLE catalogue_imports ADD COLUMN lease_id INTEGER;

-- The undo journal of an import while it applies: every clip it changed, as it was (JSON of all its columns).
-- Clips it inserted carry its import_id, and incidents it created carry it too: a rollback deletes those. Emptied
-- once the import is done or rolled back.
CREATE TABLE import_undo (
    import_id INTEGER NOT NULL REFERENCES catalogue_imports(id),
    clip_id   TEXT NOT NULL,
    old_row   TEXT NOT NULL,
    PRIMARY KEY (import_id, clip_id)
);
ALTER TABLE incidents ADD COLUMN import_id INTEGER;

-- The column snapshot is maintained instead of rebuilt: every change to `clips` (by any writer) appends the rowid
-- of the changed row here, and a reader patches the stored arrays with just those rows. An import that applies
-- many rows switches the log off for its own steps (`tracking` = 0 inside them) and publishes a fresh snapshot in
-- its last step instead. `snapshot_seq` names the change the stored snapshot is current through (NULL: none).
DROP TRIGGER clips_insert_generation;
DROP TRIGGER clips_update_generation;
DROP TRIGGER clips_delete_generation;
ALTER TABLE catalogue_state ADD COLUMN tracking INTEGER NOT NULL DEFAULT 1;
ALTER TABLE catalogue_state ADD COLUMN snapshot_seq INTEGER;

-- Two snapshots may sit side by side for a moment: a new one is written field by field (short transactions), then
-- published by moving `snapshot_seq` to it, then the old one is deleted.
DROP TABLE column_snapshot;
CREATE TABLE column_snapshot (
    field      TEXT NOT NULL,            -- a sampling plan field (bwvtool.store.snapshot.KINDS), or _rowid
    generation INTEGER NOT NULL,         -- the snapshot_changes seq it is current through
    format     INTEGER NOT NULL,         -- bwvtool.store.snapshot.FORMAT: a newer layout ignores older rows
    kind       TEXT NOT NULL,            -- int | float | nullable | date | text | ids
    rows       INTEGER NOT NULL,
    dtype      TEXT NOT NULL,            -- numpy dtype of `data`
    data       BLOB NOT NULL,            -- the values, or (text) codes into `strings`, -1 for empty
    strings    BLOB,                     -- text: the sorted distinct values, UTF-8, the byte 0xFF between them
    PRIMARY KEY (field, generation)
);

CREATE TABLE snapshot_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- grows with every change, never reused
    clip_rowid INTEGER NOT NULL              -- the changed row of `clips` (the snapshot's row identity)
);

CREATE TRIGGER clips_insert_change AFTER INSERT ON clips
WHEN (SELECT tracking FROM catalogue_state WHERE id = 1) = 1
BEGIN INSERT INTO snapshot_changes (clip_rowid) VALUES (NEW.rowid); END;
CREATE TRIGGER clips_update_change AFTER UPDATE ON clips
WHEN (SELECT tracking FROM catalogue_state WHERE id = 1) = 1
BEGIN INSERT INTO snapshot_changes (clip_rowid) VALUES (NEW.rowid); END;
CREATE TRIGGER clips_delete_change AFTER DELETE ON clips
WHEN (SELECT tracking FROM catalogue_state WHERE id = 1) = 1
BEGIN INSERT INTO snapshot_changes (clip_rowid) VALUES (OLD.rowid); END;
