"""A ``RestTrackingStore`` talking to a live ``mlharbor server`` over a fresh SQLite file.

Used as the ``rest`` backend of the conformance suite: the same Protocol checks then cover the
REST client, the server's routes and codecs, and the SQL store behind them, end to end.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mlharbor.store.tracking.protocol import TrackingStore
from mlharbor.store.tracking.rest import RestTrackingStore
from mlharbor.utils.http import HostCreds, RetrySettings
from tests.fixtures.servers import free_port, run_server


def mlharbor_server_cmd(root: Path, port: int) -> list[str]:
    """The command line of an ``mlharbor server`` keeping everything below ``root``."""
    return [
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


@contextmanager
def rest_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    """Start a server on a free port, yield a store for it, stop the server afterwards."""
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    # A server error must fail the test at once rather than be retried for seconds.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    root = tmp_path / "rest-server"
    root.mkdir()
    port = free_port()
    with run_server(mlharbor_server_cmd(root, port), port, "/health", cwd=root) as server:
        assert RetrySettings.from_env().max_retries == 0
        yield RestTrackingStore(HostCreds(server.url))
