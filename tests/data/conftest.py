"""Each client test runs in a fresh working directory with a fresh default SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlharbor.client.client import MlharborClient
from tests.client.isolation import isolated_workdir


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary cwd with no tracking environment; the default store lands in it."""
    yield from isolated_workdir(tmp_path, monkeypatch)


@pytest.fixture
def client(workdir: Path) -> MlharborClient:
    """A client of the default store (``mlflow.db`` in ``workdir``)."""
    return MlharborClient()
