-- 0018: earlier samples found by plan name and draw date without reading their reports. A draw that leaves out
-- units sampled within N days, or carries over a previous week's units, looks samples up by these two values of
-- the report (its whole manifest, ~0.5 MB for 2,000 units); without an index every report was parsed for every
-- draw and preview (0.3 s with 175 samples). The expressions are those bwvtool.store.dialect.json_text writes, so
-- the queries in bwvtool.store.samples use the indexes as they are written.
CREATE INDEX samples_plan_as_of ON samples (json_extract(report, '$.manifest.plan.name'), json_extract(report, '$.as_of'));
CREATE INDEX samples_as_of ON samples (json_extract(report, '$.as_of'));
