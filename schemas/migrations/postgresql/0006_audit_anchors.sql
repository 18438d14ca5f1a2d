-- Placeholder (PostgreSQL): ported from ../0006_audit_anchors.sql once that change lands.
SELECT 1;
