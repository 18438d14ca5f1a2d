-- Placeholder (PostgreSQL): ported from ../0007_import_staging.sql once that change lands.
SELECT 1;
