-- 0006: the workspace's identity, which keys the audit anchors kept outside it (bwvtool.anchors), and guard
-- triggers that make a locked codebook version as immutable as samples and the audit log.
--
-- The identity row is written by bwvtool (a random UUID from Python, the same on every engine) the first time
-- an anchor is recorded; every copy of the workspace made after that carries it, so an anchor recorded by the
-- live workspace is found again when an old copy is put in its place.
CREATE TABLE workspace_identity (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    uuid       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TRIGGER workspace_identity_no_update BEFORE UPDATE ON workspace_identity
BEGIN SELECT RAISE(ABORT, 'a workspace''s identity never changes'); END;
CREATE TRIGGER workspace_identity_no_delete BEFORE DELETE ON workspace_identity
BEGIN SELECT RAISE(ABORT, 'a workspace''s identity never changes'); END;

-- A version is locked once coded events or reviews use it (bwvtool.store.codebooks.lock_if_unlocked). From
-- then on its row never changes: edits are imported as a new version.
CREATE TRIGGER codebooks_locked_no_update BEFORE UPDATE ON codebooks
WHEN OLD.locked_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'this codebook version is locked (coded events use it); import edits as a new version'); END;
CREATE TRIGGER codebooks_locked_no_delete BEFORE DELETE ON codebooks
WHEN OLD.locked_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'this codebook version is locked (coded events use it) and is never deleted'); END;
