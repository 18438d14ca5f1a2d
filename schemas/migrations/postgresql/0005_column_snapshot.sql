-- 0005 (PostgreSQL): the column snapshot of the catalogue, for sampling (see ../0005_column_snapshot.sql). The
-- generation moves on with the first change to `clips` after a snapshot was stamped; a statement-level trigger
-- does it once per statement, and only writes when a snapshot was stamped.
CREATE TABLE catalogue_state (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL,
    stamped    BIGINT NOT NULL CHECK (stamped IN (0, 1))
);
INSERT INTO catalogue_state (id, generation, stamped) VALUES (1, 0, 0);

CREATE FUNCTION bwv_catalogue_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
BEGIN
    UPDATE catalogue_state SET generation = generation + 1, stamped = 0 WHERE id = 1 AND stamped = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER clips_generation AFTER INSERT OR UPDATE OR DELETE ON clips
FOR EACH STATEMENT EXECUTE FUNCTION bwv_catalogue_changed();

CREATE TABLE column_snapshot (
    field      TEXT PRIMARY KEY,
    generation BIGINT NOT NULL,
    format     BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    rows       BIGINT NOT NULL,
    dtype      TEXT NOT NULL,
    data       BYTEA NOT NULL,
    strings    BYTEA
);

-- Dates as unix seconds the way SQLite's strftime('%s', value) reads them: NULL when the text is not a date.
CREATE FUNCTION bwv_unix_seconds(value text) RETURNS bigint LANGUAGE plpgsql STABLE SET TimeZone = 'UTC' AS $$
BEGIN
    RETURN floor(extract(epoch FROM value::timestamptz))::bigint;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

-- Everyone may read the generation; the snapshot packs identified fields (officer, camera), so only admins
-- (who draw samples) read or write it.
GRANT SELECT ON catalogue_state TO bwvtool_reviewer, bwvtool_researcher, bwvtool_supervisor, bwvtool_admin;
GRANT UPDATE ON catalogue_state TO bwvtool_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON column_snapshot TO bwvtool_admin;
