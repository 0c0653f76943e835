"""Slowloris: a client whose request head never completes is disconnected after the header
deadline, by the tracking server and by the scoring server, which keep answering others."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.fixtures.servers import RunningServer, free_port, run_server
from tests.server.conftest import start_server
from tests.serving.conftest import serve_command

DEADLINE_S = 1.0


@pytest.fixture(scope="module")
def deadline_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLHARBOR_HEADER_TIMEOUT", str(DEADLINE_S))
        yield


@pytest.fixture(scope="module")
def tracking(
    deadline_env: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    yield from start_server(tmp_path_factory.mktemp("slow-tracking"))


@pytest.fixture(scope="module")
def scoring(
    deadline_env: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    import mlharbor.sklearn
    from tests.serving.conftest import IRIS_COLUMNS, train_iris

    model, _ = train_iris(IRIS_COLUMNS, n_estimators=5)
    path = tmp_path_factory.mktemp("slow-scoring") / "model"
    mlharbor.sklearn.save_model(model, str(path))
    port = free_port()
    with run_server(serve_command(str(path), port), port, "/ping", timeout_s=90) as server:
        yield server


def _dripped_until_closed(server: RunningServer, give_up_s: float = 10.0) -> float:
    """Send a request head one header at a time, forever; seconds until the server hangs up."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=give_up_s) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.settimeout(0.25)
        while time.monotonic() - started < give_up_s:
            try:
                sock.sendall(b"X-Drip: 1\r\n")
                if sock.recv(1024) == b"":
                    break
            except TimeoutError:
                continue
            except (ConnectionResetError, BrokenPipeError):
                break
    return time.monotonic() - started


@pytest.mark.parametrize("which", ["tracking", "scoring"])
def test_headers_that_never_finish_are_cut_off(which: str, request: pytest.FixtureRequest) -> None:
    server: RunningServer = request.getfixturevalue(which)
    elapsed = _dripped_until_closed(server)
    assert elapsed < DEADLINE_S + 4, elapsed
    health = "/health" if which == "tracking" else "/ping"
    assert requests.get(f"{server.url}{health}", timeout=10).status_code == 200


def test_a_slow_but_complete_request_is_still_answered(tracking: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", tracking.port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        time.sleep(DEADLINE_S / 3)
        sock.sendall(b"Host: 127.0.0.1\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")


def test_keep_alive_connections_get_a_fresh_deadline(tracking: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", tracking.port), timeout=10) as sock:
        for _ in range(2):
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(1024).startswith(b"HTTP/1.1 200")
            time.sleep(DEADLINE_S / 3)


def test_header_deadline_setting() -> None:
    """Read per connection from the environment; values that are no positive number fall back."""
    from mlharbor.utils.slow_clients import DEFAULT_HEADER_TIMEOUT_S, header_timeout_s

    with pytest.MonkeyPatch.context() as patch:
        for raw in ("", "soon", "-1", "0"):
            patch.setenv("MLHARBOR_HEADER_TIMEOUT", raw)
            assert header_timeout_s() == DEFAULT_HEADER_TIMEOUT_S
        patch.setenv("MLHARBOR_HEADER_TIMEOUT", "2.5")
        assert header_timeout_s() == 2.5


def test_the_h11_protocol_has_the_deadline_too(deadline_env: None) -> None:
    """Used where httptools is not installed."""
    import threading

    import uvicorn

    from mlharbor.utils.slow_clients import GuardedH11Protocol

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        return None

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=GuardedH11Protocol, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        running = RunningServer(f"http://127.0.0.1:{port}", port, None, Path("."))  # type: ignore[arg-type]
        assert _dripped_until_closed(running) < DEADLINE_S + 4
    finally:
        server.should_exit = True
        thread.join(timeout=10)
