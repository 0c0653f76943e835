"""A ``RestTrackingStore`` talking to a live ``mlharbor server`` over a fresh SQLite file.

Used as the ``rest`` backend of the conformance suite: the same Protocol checks then cover the
REST client, the server's routes and codecs, and the SQL store behind them, end to end. The
server is the real application under uvicorn on a loopback socket; it runs in a thread of the
test process so that a fresh one per test costs milliseconds rather than an interpreter start.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mlharbor.store.tracking.protocol import TrackingStore
from mlharbor.store.tracking.rest import RestTrackingStore
from mlharbor.utils.http import HostCreds

_START_TIMEOUT_S = 30.0


@contextmanager
def serve_in_thread(root: Path) -> Iterator[str]:
    """Serve a new mlharbor application keeping its data below ``root``; yield its base URL."""
    import uvicorn

    from mlharbor.server.app import create_app
    from mlharbor.store.tracking.sql.engine import dispose_engine

    db_uri = f"sqlite:///{root / 'mlharbor.db'}"
    app = create_app(db_uri, artifacts_destination=str(root / "artifacts"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"in-process mlharbor server did not start on port {port}")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_S)
        sock.close()
        dispose_engine(db_uri)


@contextmanager
def rest_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrackingStore]:
    """Start a fresh server, yield a REST store for it, stop the server afterwards."""
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    # A server error must fail the test at once rather than be retried for seconds.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    root = tmp_path / "rest-server"
    root.mkdir()
    with serve_in_thread(root) as url:
        yield RestTrackingStore(HostCreds(url))
