"""The SQL tracking store (SQLite and PostgreSQL) on SQLAlchemy Core."""
