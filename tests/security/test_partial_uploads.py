"""An upload cut off by ``kill -9`` leaves nothing behind once the server starts again, and
never a partial file at the upload's path."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

from mlharbor.server.artifact_access import STAGING_DIR
from tests.server.conftest import start_server


def test_partial_upload_is_swept_at_the_next_start(tmp_path: Path) -> None:
    staging = tmp_path / "artifacts" / STAGING_DIR
    servers = start_server(tmp_path)
    server = next(servers)
    try:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(
            b"PUT /api/2.0/mlflow-artifacts/artifacts/0/run/artifacts/big.bin HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 100_000
        )
        deadline = time.monotonic() + 20
        while not (staging.is_dir() and any(staging.iterdir())):
            assert time.monotonic() < deadline, "the upload never started"
            time.sleep(0.05)
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        sock.close()
    finally:
        servers.close()
    assert any(staging.iterdir())
    restarts = start_server(tmp_path)
    try:
        restarted = next(restarts)
        assert list(staging.iterdir()) == []
        assert not (tmp_path / "artifacts" / "0" / "run" / "artifacts" / "big.bin").exists()
        assert "partial upload" in restarted.log()
    finally:
        restarts.close()
