"""``mlharbor server --app-name basic-auth`` as a real process, driven by HTTP and by the
official mlflow client; and the auth database on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mlharbor.server.app import create_app, with_app_name
from tests.fixtures.servers import RunningServer
from tests.server.auth.conftest import ADMIN, basic, write_ini
from tests.server.conftest import start_server

OFFICIAL = Path(__file__).parent / "official"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("auth-server")
    ini = write_ini(workdir / "auth.ini", f"sqlite:///{workdir / 'users.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
        yield from start_server(workdir, "--app-name", "basic-auth")


def _status(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_live_server_requires_credentials(auth_server: RunningServer) -> None:
    search = f"{auth_server.url}/api/2.0/mlflow/experiments/search?max_results=1"
    assert _status(search) == 401
    assert _status(f"{auth_server.url}/") == 401
    assert _status(search, basic(ADMIN)) == 200
    assert _status(f"{auth_server.url}/health") == 200


def test_mlharbor_client_sends_the_credentials(
    auth_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlharbor import MlharborClient

    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", ADMIN[0])
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", ADMIN[1])
    client = MlharborClient(tracking_uri=auth_server.url)
    experiment_id = client.create_experiment("from-mlharbor")
    assert client.get_experiment(experiment_id).name == "from-mlharbor"


def _tour(python: str, library: str, server: RunningServer) -> dict[str, Any]:
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": server.url,
        "MLFLOW_TRACKING_USERNAME": ADMIN[0],
        "MLFLOW_TRACKING_PASSWORD": ADMIN[1],
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "GIT_PYTHON_REFRESH": "quiet",
    }
    completed = subprocess.run(
        [python, str(OFFICIAL / "auth_tour.py"), library],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:] + server.log()[-3000:]
    results: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return results


def _assert_tour(results: dict[str, Any]) -> None:
    assert results["auth_client"] == "AuthServiceClient"
    assert results["alice"] == {"username": "alice", "is_admin": False}
    assert results["duplicate_user"] == "RESOURCE_ALREADY_EXISTS"
    assert results["bob_fetched"] == "bob"
    assert results["alice_run"] == {"max_iter": "200", "model": "logreg"}
    assert results["alice_versions"] == ["1"]
    assert results["predicts"] == 3
    assert results["alice_permission"] == "MANAGE"
    assert results["bob_reads"] == "iris-auth"
    assert results["bob_update"] == "PERMISSION_DENIED"
    assert results["bob_log"] == "PERMISSION_DENIED"
    assert results["bob_model"] == "PERMISSION_DENIED"
    assert results["bob_after_grant"] == "bob"
    assert results["bogus"] == "UNAUTHENTICATED"


@pytest.mark.interop
def test_official_client(mlflow_python: str, auth_server: RunningServer) -> None:
    _assert_tour(_tour(mlflow_python, "mlflow", auth_server))


def test_mlharbor_client_takes_the_same_tour(tmp_path: Path) -> None:
    ini = write_ini(tmp_path / "auth.ini", f"sqlite:///{tmp_path / 'users.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
        servers = start_server(tmp_path, "--app-name", "basic-auth")
        try:
            _assert_tour(_tour(sys.executable, "mlharbor", next(servers)))
        finally:
            servers.close()


def test_auth_database_on_postgres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    ini = write_ini(tmp_path / "auth.ini", postgres_url)
    monkeypatch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
    app = create_app(f"sqlite:///{tmp_path / 'server.db'}", None, str(tmp_path / "artifacts"))
    with TestClient(with_app_name(app, "basic-auth")) as client:
        assert client.get("/api/2.0/mlflow/users/current").status_code == 401
        created = client.post(
            "/api/2.0/mlflow/users/create",
            json={"username": "pg-user", "password": "pg-password-123"},
            headers=basic(ADMIN),
        )
        assert created.status_code == 200
        experiment = client.post(
            "/api/2.0/mlflow/experiments/create",
            json={"name": "pg"},
            headers=basic(("pg-user", "pg-password-123")),
        )
        grant = client.get(
            "/api/2.0/mlflow/experiments/permissions/get",
            params={"experiment_id": experiment.json()["experiment_id"], "username": "pg-user"},
            headers=basic(ADMIN),
        )
        assert grant.json()["experiment_permission"]["permission"] == "MANAGE"


def test_get_app_client_knows_basic_auth_only() -> None:
    from mlharbor.exceptions import InvalidParameterValue
    from mlharbor.server import get_app_client
    from mlharbor.server.auth.client import AuthServiceClient

    client = get_app_client("basic-auth", tracking_uri="http://127.0.0.1:5000")
    assert isinstance(client, AuthServiceClient)
    assert client.tracking_uri == "http://127.0.0.1:5000"
    with pytest.raises(InvalidParameterValue, match="basic-auth"):
        get_app_client("oauth")
