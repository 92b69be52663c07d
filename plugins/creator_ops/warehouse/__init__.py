"""The campaign warehouse: schema, migrations and engine helpers (SQLite or PostgreSQL)."""
