-- 0012 (PostgreSQL): coders.active, as ../0012_coder_status.sql.
ALTER TABLE coders ADD COLUMN active SMALLINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
