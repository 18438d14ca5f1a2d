-- 0018 (PostgreSQL): earlier samples found by plan name and draw date without reading their reports; as
-- ../0018_sample_plan_index.sql (the expressions are those bwvtool.store.dialect.json_text writes).
CREATE INDEX samples_plan_as_of ON samples ((report::jsonb #>> '{manifest,plan,name}'), (report::jsonb #>> '{as_of}'));
CREATE INDEX samples_as_of ON samples ((report::jsonb #>> '{as_of}'));
