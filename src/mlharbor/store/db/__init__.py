"""Database schema migrations (Alembic, driven from code: there is no ``env.py``).

Revisions live in ``versions/`` of this package: ``0001_tracking`` creates the tracking tables,
later revisions (``0002_registry`` …) chain onto it with ``down_revision``. Use :func:`upgrade`
to bring a database to the newest revision; ``get_engine`` in the SQL tracking store does it
automatically on first use.
"""

from mlharbor.store.db.migrate import head_revisions, upgrade

__all__ = ["head_revisions", "upgrade"]
