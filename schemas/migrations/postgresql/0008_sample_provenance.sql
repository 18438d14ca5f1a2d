-- Placeholder (PostgreSQL): ported from ../0008_sample_provenance.sql once that change lands.
SELECT 1;
