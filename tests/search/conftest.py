"""Engines for the search tests: a SQLite file and a fresh PostgreSQL database.

Tests that take ``engine`` run once per backend; the tables come straight from the schema
metadata, so these tests do not depend on the migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

import mlharbor.store.registry.sql.schema  # noqa: F401  (registers the registry tables)
from mlharbor.store.tracking.sql.schema import metadata


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _case_sensitive_like(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA case_sensitive_like=ON")

    return engine


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine with every tracking and registry table created, on each backend."""
    if request.param == "sqlite":
        eng = _sqlite_engine(tmp_path / "search.db")
    else:
        url: str = request.getfixturevalue("postgres_url")
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    metadata.create_all(eng)
    try:
        yield eng
    finally:
        eng.dispose()
