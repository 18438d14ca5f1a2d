"""JSON Schemas, default codebooks and plans, and SQL migrations, shipped inside the wheel."""
