"""A real ``mlflow server`` 3.17.2 from the reference venv, started once per test session.

Every test in this directory is marked ``interop``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.servers import RunningServer, free_port, run_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.interop)


@pytest.fixture(scope="session")
def mlflow_server(
    mlflow_python: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """``mlflow server`` over a fresh SQLite file, proxying artifacts to a local directory."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    mlflow_bin = str(Path(mlflow_python).with_name("mlflow"))
    cmd = [
        mlflow_bin,
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    env = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    with run_server(cmd, port, "/health", env, timeout_s=180, cwd=root) as server:
        yield server


@pytest.fixture(scope="session")
def mlharbor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """``mlharbor server`` over a fresh SQLite file, proxying artifacts to a local directory."""
    root = tmp_path_factory.mktemp("mlharbor-server")
    port = free_port()
    cmd = [
        str(Path(sys.executable).with_name("mlharbor")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlharbor.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with run_server(cmd, port, "/health", timeout_s=120, cwd=root) as server:
        yield server
