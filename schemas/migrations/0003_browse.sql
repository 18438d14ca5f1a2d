-- 0003: indexes for the app's catalogue table (bwvtool.store.browse). Sorting 100,000 clips by borough or by
-- length without them scans and sorts the whole table for every page (50–500 ms at 100k, measured by
-- bench/bench_startup.py); with them each page is an index walk (about 1 ms). recorded_ts, officer_ref and
-- incident_id are indexed already (0001), clip_id by its primary key.
CREATE INDEX clips_borough ON clips(borough);
CREATE INDEX clips_duration ON clips(duration_s);
