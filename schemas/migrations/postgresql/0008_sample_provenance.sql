-- 0008 (PostgreSQL): what a sample read from the catalogue (see ../0008_sample_provenance.sql). Immutable.
CREATE TABLE sample_fingerprints (
    sample_id  BIGINT PRIMARY KEY REFERENCES samples(id),
    fields     TEXT NOT NULL,
    clips      BIGINT NOT NULL,
    clip_ids   BYTEA NOT NULL,
    digests    BYTEA NOT NULL,
    sha256     TEXT NOT NULL,
    imports    TEXT NOT NULL
);
CREATE TRIGGER sample_fingerprints_no_update BEFORE UPDATE ON sample_fingerprints
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');
CREATE TRIGGER sample_fingerprints_no_delete BEFORE DELETE ON sample_fingerprints
FOR EACH ROW EXECUTE FUNCTION bwv_refuse('samples are immutable; draw a new sample instead');

GRANT SELECT ON sample_fingerprints TO bwvtool_reviewer, bwvtool_researcher, bwvtool_supervisor, bwvtool_admin;
GRANT INSERT ON sample_fingerprints TO bwvtool_admin;
