"""The SQL tracking store (SQLite and PostgreSQL) on SQLAlchemy Core."""

from mlharbor.store.tracking.sql.store import SqlTrackingStore

__all__ = ["SqlTrackingStore"]
