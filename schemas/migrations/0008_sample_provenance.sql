-- 0008: what a sample read from the catalogue, so that `sample verify` can tell a catalogue change (naming the
-- clips and fields) from a change in how the software draws. One row per sample, written with it, immutable.
CREATE TABLE sample_fingerprints (
    sample_id  INTEGER PRIMARY KEY REFERENCES samples(id),
    fields     TEXT NOT NULL,     -- JSON list of the fields read, in the order of each clip's digests
    clips      INTEGER NOT NULL,  -- clips read (the draw's date window)
    clip_ids   BLOB NOT NULL,     -- zlib: the clip ids read, sorted, one a line
    digests    BLOB NOT NULL,     -- per clip and field a little-endian uint32 digest of the value read
    sha256     TEXT NOT NULL,     -- over fields, ids and digests (see bwvtool.sampling.fingerprint)
    imports    TEXT NOT NULL      -- JSON list: the catalogue imports that last wrote the clips read
);
CREATE TRIGGER sample_fingerprints_no_update BEFORE UPDATE ON sample_fingerprints
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
CREATE TRIGGER sample_fingerprints_no_delete BEFORE DELETE ON sample_fingerprints
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
