"""Engines for the search tests: a SQLite file and a fresh PostgreSQL database.

``engine`` is per module (the read-only tests share one populated database per backend);
``fresh_engine`` is per test, for tests that write their own rows. Both run once per backend.
The tables come straight from the schema metadata, so these tests do not need migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

import mlharbor.store.registry.sql.schema  # noqa: F401  (registers the registry tables)
from mlharbor.store.tracking.sql.schema import metadata

BACKENDS = ["sqlite", "postgres"]


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _case_sensitive_like(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA case_sensitive_like=ON")

    return engine


@contextmanager
def _engine_for(backend: str, request: pytest.FixtureRequest, directory: Path) -> Iterator[Engine]:
    database = None
    server: Any = None
    if backend == "sqlite":
        eng = _sqlite_engine(directory / "search.db")
    else:
        server = request.getfixturevalue("postgres_server")
        database = server.create_database()
        url = server.url(database).replace("postgresql://", "postgresql+psycopg://", 1)
        eng = create_engine(url)
    metadata.create_all(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        if database is not None:
            server.drop_database(database)


@pytest.fixture(scope="module", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An engine with every tracking and registry table, shared by one module's tests."""
    with _engine_for(request.param, request, tmp_path_factory.mktemp("search")) as eng:
        yield eng


@pytest.fixture(params=BACKENDS)
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of its own, for tests that insert their own rows."""
    with _engine_for(request.param, request, tmp_path) as eng:
        yield eng
