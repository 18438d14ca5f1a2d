-- 0006 (PostgreSQL): the workspace's identity (keys the audit anchors kept outside it) and guard triggers that
-- make a locked codebook version as immutable as samples and the audit log; as ../0006_audit_anchors.sql.
CREATE TABLE workspace_identity (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    uuid       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TRIGGER workspace_identity_no_update BEFORE UPDATE ON workspace_identity
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('a workspace''s identity never changes');
CREATE TRIGGER workspace_identity_no_delete BEFORE DELETE ON workspace_identity
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('a workspace''s identity never changes');

CREATE TRIGGER codebooks_locked_no_update BEFORE UPDATE ON codebooks
FOR EACH ROW WHEN (OLD.locked_at IS NOT NULL)
EXECUTE FUNCTION bwv_refuse('this codebook version is locked (coded events use it); import edits as a new version');
CREATE TRIGGER codebooks_locked_no_delete BEFORE DELETE ON codebooks
FOR EACH ROW WHEN (OLD.locked_at IS NOT NULL)
EXECUTE FUNCTION bwv_refuse('this codebook version is locked (coded events use it) and is never deleted');

GRANT SELECT, INSERT ON workspace_identity
    TO bwvtool_reviewer, bwvtool_researcher, bwvtool_supervisor, bwvtool_admin;
