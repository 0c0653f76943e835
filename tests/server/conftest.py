"""Fixtures for server tests: an in-process application on a fresh SQLite file, and a real
``mlharbor server`` subprocess on a free loopback port."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mlharbor.server.app import create_app
from tests.fixtures.servers import RunningServer, free_port, run_server


@pytest.fixture
def artifacts_dir(tmp_path: Path) -> Path:
    return tmp_path / "artifacts"


@pytest.fixture
def client(tmp_path: Path, artifacts_dir: Path) -> Iterator[TestClient]:
    """A client calling a fresh server application in-process (no sockets)."""
    app = create_app(f"sqlite:///{tmp_path / 'server.db'}", None, str(artifacts_dir))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def start_server(
    workdir: Path, *extra: str, health_path: str = "/health"
) -> Iterator[RunningServer]:
    """Run ``mlharbor server`` from this interpreter with its data under ``workdir``."""
    port = free_port()
    cmd = [
        str(Path(sys.executable).parent / "mlharbor"),
        "server",
        "--port",
        str(port),
        "--backend-store-uri",
        f"sqlite:///{workdir / 'server.db'}",
        "--artifacts-destination",
        str(workdir / "artifacts"),
        *extra,
    ]
    with run_server(cmd, port, health_path, timeout_s=60, cwd=workdir) as server:
        yield server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real ``mlharbor server`` subprocess shared by the tests of one module."""
    yield from start_server(tmp_path_factory.mktemp("live-server"))
