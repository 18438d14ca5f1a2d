-- 0003 (PostgreSQL): indexes for the app's catalogue table (bwvtool.store.browse). Pages there end their order
-- with clip_id (SQLite uses its rowid), so each index carries clip_id to make a page an index walk.
CREATE INDEX clips_borough ON clips(borough, clip_id);
CREATE INDEX clips_duration ON clips(duration_s, clip_id);
