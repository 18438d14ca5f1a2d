-- 0016 (PostgreSQL): fingerprints stored content-addressed (see ../0016_fingerprint_blobs.sql). Immutable.
CREATE TABLE fingerprint_blobs (
    sha256 TEXT PRIMARY KEY,
    kind   TEXT NOT NULL,
    data   BYTEA NOT NULL
);
CREATE TRIGGER fingerprint_blobs_no_update BEFORE UPDATE ON fingerprint_blobs
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
CREATE TRIGGER fingerprint_blobs_no_delete BEFORE DELETE ON fingerprint_blobs
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
ALTER TABLE sample_fingerprints ADD COLUMN parts TEXT;

GRANT SELECT ON fingerprint_blobs TO bwvtool_reviewer, bwvtool_researcher, bwvtool_supervisor, bwvtool_admin;
GRANT INSERT ON fingerprint_blobs TO bwvtool_admin;
