-- 0001: the workspace's first schema. Times are UTC ISO 8601 text ('2026-11-22T08:11:46.123Z').
-- Lists of vocabulary values are stored twice: as a JSON array (readable) and as a bit mask over the
-- vocabulary's fixed order (bwvtool.catalogue.vocab), so that sampling rules over a million clips stay fast.

CREATE TABLE coders (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    display_name TEXT,
    role         TEXT NOT NULL DEFAULT 'reviewer',
    created_at   TEXT NOT NULL
);

CREATE TABLE catalogue_imports (
    id             INTEGER PRIMARY KEY,
    source_path    TEXT NOT NULL,
    source_sha256  TEXT NOT NULL,
    format         TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    imported_by    TEXT NOT NULL,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_inserted  INTEGER NOT NULL DEFAULT 0,
    rows_updated   INTEGER NOT NULL DEFAULT 0,
    rows_unchanged INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    rejects_path   TEXT
);

CREATE TABLE incidents (
    incident_id TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
);

CREATE TABLE clips (
    clip_id           TEXT PRIMARY KEY,
    incident_id       TEXT NOT NULL REFERENCES incidents(incident_id),
    recorded_at       TEXT NOT NULL,
    recorded_ts       INTEGER NOT NULL,          -- unix seconds, UTC
    duration_s        REAL NOT NULL CHECK (duration_s > 0),
    officer_ref       TEXT NOT NULL,
    borough           TEXT NOT NULL,
    camera_id         TEXT,
    bcu               TEXT,
    media_path        TEXT,
    sha256            TEXT,
    sources           TEXT NOT NULL DEFAULT '[]',
    sources_mask      INTEGER NOT NULL DEFAULT 0,
    uof_tactics       TEXT NOT NULL DEFAULT '[]',
    uof_mask          INTEGER NOT NULL DEFAULT 0,
    assault_types     TEXT NOT NULL DEFAULT '[]',
    assault_mask      INTEGER NOT NULL DEFAULT 0,
    ss_power          TEXT,
    ss_outcome        TEXT,
    mtip              INTEGER,
    subject_age_band  TEXT,
    subject_gender    TEXT,
    subject_ethnicity TEXT,
    retention_until   TEXT,
    notes             TEXT,
    extra             TEXT NOT NULL DEFAULT '{}',  -- unknown catalogue columns, kept
    row_hash          TEXT NOT NULL,             -- SHA-256 of the normalised row: idempotent re-import
    import_id         INTEGER REFERENCES catalogue_imports(id),
    media_status      TEXT NOT NULL DEFAULT 'unchecked',  -- unchecked|ok|missing|mismatch|unreadable
    media_probe       TEXT,                      -- JSON from bwvtool.media.probe
    media_checked_at  TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX clips_incident ON clips(incident_id);
CREATE INDEX clips_recorded ON clips(recorded_ts);
CREATE INDEX clips_officer ON clips(officer_ref);

CREATE TABLE samples (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    plan_text       TEXT NOT NULL,
    plan_sha256     TEXT NOT NULL,
    seed            INTEGER NOT NULL,
    unit            TEXT NOT NULL CHECK (unit IN ('clip', 'incident')),
    drawn_at        TEXT NOT NULL,
    drawn_by        TEXT NOT NULL,
    frame_sha256    TEXT NOT NULL,
    frame_size      INTEGER NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    report          TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE sample_strata (
    sample_id  INTEGER NOT NULL REFERENCES samples(id),
    stratum    TEXT NOT NULL,
    population INTEGER NOT NULL,
    allocated  INTEGER NOT NULL,
    shortfall  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sample_id, stratum)
);

CREATE TABLE sample_items (
    sample_id      INTEGER NOT NULL REFERENCES samples(id),
    clip_id        TEXT NOT NULL REFERENCES clips(clip_id),
    unit_id        TEXT NOT NULL,
    stratum        TEXT,
    selection      TEXT NOT NULL,               -- 'census:<rule>' or 'sample'
    inclusion_prob REAL NOT NULL CHECK (inclusion_prob > 0 AND inclusion_prob <= 1),
    design_weight  REAL NOT NULL,
    draw_order     INTEGER NOT NULL,
    PRIMARY KEY (sample_id, clip_id)
);
CREATE INDEX sample_items_clip ON sample_items(clip_id);

CREATE TABLE assignments (
    id          INTEGER PRIMARY KEY,
    sample_id   INTEGER NOT NULL REFERENCES samples(id),
    clip_id     TEXT NOT NULL REFERENCES clips(clip_id),
    coder_id    INTEGER NOT NULL REFERENCES coders(id),
    role        TEXT NOT NULL DEFAULT 'primary' CHECK (role IN ('primary', 'reliability')),
    status      TEXT NOT NULL DEFAULT 'not_started'
                CHECK (status IN ('not_started', 'in_progress', 'complete', 'flagged')),
    assigned_at TEXT NOT NULL,
    UNIQUE (sample_id, clip_id, coder_id)
);
CREATE INDEX assignments_coder ON assignments(coder_id, status);

CREATE TABLE codebooks (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,                  -- the validated codebook as JSON
    sha256      TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    locked_at   TEXT,                           -- set when the first event uses it
    UNIQUE (key, version)
);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    clip_id      TEXT NOT NULL REFERENCES clips(clip_id),
    coder_id     INTEGER NOT NULL REFERENCES coders(id),
    codebook_id  INTEGER NOT NULL REFERENCES codebooks(id),
    track        TEXT NOT NULL,
    code         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    onset_ms     INTEGER NOT NULL CHECK (onset_ms >= 0),
    onset_frame  INTEGER NOT NULL CHECK (onset_frame >= 0),
    offset_ms    INTEGER CHECK (offset_ms IS NULL OR offset_ms >= onset_ms),
    offset_frame INTEGER,
    modifiers    TEXT NOT NULL DEFAULT '{}',
    note         TEXT,
    starred      INTEGER NOT NULL DEFAULT 0,
    caused_by    INTEGER REFERENCES events(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX events_clip_coder ON events(clip_id, coder_id, onset_ms);

CREATE TABLE clip_reviews (
    id          INTEGER PRIMARY KEY,
    clip_id     TEXT NOT NULL REFERENCES clips(clip_id),
    coder_id    INTEGER NOT NULL REFERENCES coders(id),
    codebook_id INTEGER NOT NULL REFERENCES codebooks(id),
    answers     TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'complete')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (clip_id, coder_id)
);

-- Append-only and hash-chained: hash = sha256(prev_hash || canonical JSON of the row's content).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    detail    TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
