-- Placeholder: filled in by the change that owns this number.
SELECT 1;
