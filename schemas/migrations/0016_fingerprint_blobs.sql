-- 0016: fingerprints stored content-addressed (see bwvtool.sampling.fingerprint). The clip ids a draw read and
-- each field's digests are blobs keyed by the SHA-256 of their kind and content, shared by every draw that read the
-- same values: a draw writes only the blobs no earlier draw wrote. A fingerprint row names its blobs in `parts`;
-- rows stored before (parts NULL) keep their ids and digests in the row and verify as they did. Blobs are immutable.
CREATE TABLE fingerprint_blobs (
    sha256 TEXT PRIMARY KEY,  -- of its kind and content: the ids text, or the little-endian uint32 digests
    kind   TEXT NOT NULL,     -- ids (zlib) | digests (raw) | digests-patch (the rows that differ from a digests blob)
    data   BLOB NOT NULL
);
CREATE TRIGGER fingerprint_blobs_no_update BEFORE UPDATE ON fingerprint_blobs
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
CREATE TRIGGER fingerprint_blobs_no_delete BEFORE DELETE ON fingerprint_blobs
BEGIN SELECT RAISE(ABORT, 'samples are immutable; draw a new sample instead'); END;
ALTER TABLE sample_fingerprints ADD COLUMN parts TEXT;  -- JSON {layout, ids, digests}: the keys of its blobs
