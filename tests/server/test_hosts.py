"""Host-header checking: the default policy, explicit lists, and the server refusing a rebound
name."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest

from mlharbor.server.hosts import HostPolicy
from tests.fixtures.servers import RunningServer
from tests.server.conftest import start_server


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:5000",
        "127.0.0.1:5000",
        "[::1]:5000",
        "10.1.2.3",
        "192.168.0.7:80",
        "app.localhost:5000",
    ],
)
def test_default_policy_accepts_local_names(host: str) -> None:
    assert HostPolicy.default().allows(host)


@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:5000", "8.8.8.8", "", None])
def test_default_policy_refuses_other_names(host: str | None) -> None:
    assert not HostPolicy.default().allows(host)


def test_bind_host_and_explicit_lists() -> None:
    assert HostPolicy.default("tracking.internal").allows("tracking.internal:5000")
    explicit = HostPolicy.from_option("mlflow.example.com, *.corp.example")
    assert explicit is not None
    assert explicit.allows("MLflow.example.com:443")
    assert explicit.allows("a.corp.example")
    assert not explicit.allows("127.0.0.1")
    assert HostPolicy.from_option("*") is None


def _status_for_host(server: RunningServer, host: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", headers={"Host": host}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_server_refuses_a_rebound_host_name(live_server: RunningServer) -> None:
    status, body = _status_for_host(live_server, "evil.example.com")
    assert status == 403
    assert b"DNS rebinding" in body
    assert _status_for_host(live_server, f"localhost:{live_server.port}")[0] == 200


def test_allowed_hosts_star_answers_every_host(tmp_path: Path) -> None:
    for server in start_server(tmp_path, "--allowed-hosts", "*"):
        assert _status_for_host(server, "evil.example.com")[0] == 200


def test_origins_allowed_to_change_state() -> None:
    policy = HostPolicy.default()
    assert policy.allows_origin(None, "127.0.0.1:5000")
    assert policy.allows_origin("http://127.0.0.1:5000", "127.0.0.1:5000")
    assert policy.allows_origin("http://localhost:3000", "127.0.0.1:5000")
    assert not policy.allows_origin("https://evil.example.com", "127.0.0.1:5000")
    assert not policy.allows_origin("null", "127.0.0.1:5000")


def test_server_refuses_cross_site_writes(live_server: RunningServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/api/2.0/mlflow/experiments/create",
            body=b'{"name": "csrf"}',
            headers={"Content-Type": "application/json", "Origin": "https://evil.example.com"},
        )
        response = connection.getresponse()
        assert response.status == 403
        response.read()
    finally:
        connection.close()
    assert _status_for_host(live_server, f"localhost:{live_server.port}")[0] == 200
