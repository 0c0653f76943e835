"""Fixtures for registry tests: a SQL registry store (and the tracking store on the same
database) on SQLite and on PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mlharbor.server.app import create_app
from mlharbor.store.registry.sql.store import SqlRegistryStore
from mlharbor.store.tracking.sql import SqlTrackingStore
from tests.fixtures.servers import RunningServer, free_port, run_server

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@dataclass(frozen=True)
class Backend:
    """A database with both stores on it."""

    db_uri: str
    registry: SqlRegistryStore
    tracking: SqlTrackingStore
    artifact_root: Path


@pytest.fixture(params=BACKENDS)
def db_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database URI: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def backend(db_uri: str, tmp_path: Path) -> Backend:
    root = tmp_path / "artifacts"
    root.mkdir()
    return Backend(db_uri, SqlRegistryStore(db_uri), SqlTrackingStore(db_uri, str(root)), root)


@pytest.fixture
def store(backend: Backend) -> SqlRegistryStore:
    return backend.registry


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    """The server application in-process on a fresh SQLite file (no sockets)."""
    app = create_app(f"sqlite:///{tmp_path / 'server.db'}", None, str(tmp_path / "artifacts"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def harbor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real ``mlharbor server`` on a free loopback port, shared by one test module."""
    root = tmp_path_factory.mktemp("registry-server")
    port = free_port()
    cmd = [
        str(Path(sys.executable).with_name("mlharbor")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlharbor.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--port",
        str(port),
    ]
    with run_server(cmd, port, timeout_s=60, cwd=root) as server:
        yield server
