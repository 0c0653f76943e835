"""Authentication in front of every API, artifact and UI request; the server without an app
name is unchanged."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.app import create_app, with_app_name
from mlharbor.server.auth.middleware import BasicAuthApp
from tests.server.auth.conftest import ADMIN, ALICE, basic

PROTECTED = [
    ("GET", "/api/2.0/mlflow/experiments/search?max_results=5"),
    ("POST", "/api/2.0/mlflow/experiments/create"),
    ("GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0"),
    ("GET", "/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt"),
    ("PUT", "/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt"),
    ("GET", "/api/2.0/mlflow-artifacts/artifacts"),
    ("GET", "/get-artifact?run_id=x&path=a"),
    ("GET", "/"),
    ("GET", "/version"),
    ("GET", "/api/2.0/mlflow/users/current"),
    ("GET", "/signup"),
    ("GET", "/api/2.0/mlflow/no-such-endpoint"),
]


def _token(raw: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic(("admin", "wrong-password")),
        basic(("nobody", ADMIN[1])),
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic !!!not-base64"},
        _token("no-colon"),
    ],
    ids=["none", "bad-password", "unknown-user", "bearer", "garbage", "no-colon"],
)
def test_requests_without_valid_credentials_get_401(
    client: TestClient, headers: dict[str, str]
) -> None:
    for method, path in PROTECTED:
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == 'Basic realm="mlflow"'
        assert response.json()["error_code"] == "UNAUTHENTICATED"


def test_refused_write_changes_nothing(client: TestClient) -> None:
    response = client.post("/api/2.0/mlflow/experiments/create", json={"name": "sneaky"})
    assert response.status_code == 401
    found = client.get(
        "/api/2.0/mlflow/experiments/get-by-name",
        params={"experiment_name": "sneaky"},
        headers=basic(ADMIN),
    )
    assert found.status_code == 404


def test_public_routes_need_no_credentials(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/api/3.0/mlflow/server-info").status_code == 200
    # Unknown static files still answer without asking for credentials.
    assert client.get("/static-files/no-such-file.js").status_code == 404


def test_valid_credentials_reach_the_server(client: TestClient, users: None) -> None:
    assert client.get("/", headers=basic(ALICE)).status_code == 200
    assert client.get("/version", headers=basic(ALICE)).status_code == 200
    response = client.get("/api/2.0/mlflow/no-such-endpoint", headers=basic(ALICE))
    assert response.status_code == 404
    # Request validation errors are the server's own, not a 500.
    bad = client.post("/api/2.0/mlflow/runs/log-metric", json={"run_id": 5}, headers=basic(ALICE))
    assert bad.status_code == 400
    assert bad.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    not_json = client.post("/api/2.0/mlflow/experiments/get", content="x", headers=basic(ALICE))
    assert not_json.status_code == 405
    text_body = client.post("/api/2.0/mlflow/experiments/update", content="x", headers=basic(ALICE))
    assert text_body.status_code == 400
    assert client.options("/api/2.0/mlflow/experiments/create").status_code == 200


def test_the_admin_is_created_on_start(auth_app: BasicAuthApp) -> None:
    admin = auth_app.store.get_user(ADMIN[0])
    assert admin.is_admin
    assert auth_app.store.authenticate(*ADMIN) == admin


def test_server_without_app_name_is_unchanged(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'plain.db'}", None, str(tmp_path / "artifacts"))
    assert with_app_name(app, None) is app
    with TestClient(app) as plain:
        assert plain.get("/api/2.0/mlflow/experiments/get?experiment_id=0").status_code == 200
        assert plain.get("/api/2.0/mlflow/users/current").status_code == 404
    assert not (tmp_path / "basic_auth.db").exists()


def test_unknown_app_name_is_refused(tmp_path: Path) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'plain.db'}", None, str(tmp_path / "artifacts"))
    with pytest.raises(InvalidParameterValue, match="Unknown app name"):
        with_app_name(app, "oauth")


def test_static_prefix(tmp_path: Path, auth_ini: Path) -> None:
    app = create_app(
        f"sqlite:///{tmp_path / 's.db'}", None, str(tmp_path / "a"), static_prefix="/ml"
    )
    with TestClient(with_app_name(app, "basic-auth", "/ml")) as prefixed:
        assert prefixed.get("/ml/health").status_code == 200
        assert prefixed.get("/ml/api/2.0/mlflow/users/current").status_code == 401
        current = prefixed.get("/ml/api/2.0/mlflow/users/current", headers=basic(ADMIN))
        assert current.json()["user"]["username"] == "admin"
        page = prefixed.get("/ml/signup", headers=basic(ADMIN))
        assert 'action="/ml/api/2.0/mlflow/users/create-ui"' in page.text
