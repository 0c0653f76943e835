"""Real servers for the interop tests, each started once per test session: the reference
``mlflow server`` 3.17.2 and ``mlharbor server``, both over fresh SQLite files and proxying
artifacts to local directories.

Every test in this directory is marked ``interop``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.servers import RunningServer, free_port, run_server
from tests.interop.commands import MLFLOW_SERVER_ENV, mlflow_server_cmd, mlharbor_server_cmd


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.interop)


@pytest.fixture(scope="session")
def mlflow_server(
    mlflow_python: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    flags = ("--artifacts-destination", str(root / "artifacts"))
    cmd = mlflow_server_cmd(mlflow_python, root, port, *flags)
    with run_server(cmd, port, "/health", MLFLOW_SERVER_ENV, timeout_s=180, cwd=root) as server:
        yield server


@pytest.fixture(scope="session")
def mlharbor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("mlharbor-server")
    port = free_port()
    cmd = mlharbor_server_cmd(root, port, "--artifacts-destination", str(root / "artifacts"))
    with run_server(cmd, port, "/health", timeout_s=120, cwd=root) as server:
        yield server
