"""Fixtures for the basic-auth app: an ini file, an in-process server behind the auth app, and
helpers to send requests as a given user."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mlharbor.server.app import create_app
from mlharbor.server.auth import wrap_app
from mlharbor.server.auth.middleware import BasicAuthApp

ADMIN = ("admin", "admin-password-1234")
ALICE = ("alice", "alice-password-1234")
BOB = ("bob", "bob-password-12345")


def basic(user: tuple[str, str]) -> dict[str, str]:
    """The ``Authorization`` header for ``(username, password)``."""
    token = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def write_ini(path: Path, database_uri: str, default_permission: str = "READ") -> Path:
    path.write_text(
        "[mlflow]\n"
        f"default_permission = {default_permission}\n"
        f"database_uri = {database_uri}\n"
        f"admin_username = {ADMIN[0]}\n"
        f"admin_password = {ADMIN[1]}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        # Tests send many requests; without the cache each pays for a password hash.
        "auth_cache_ttl_seconds = 60\n"
    )
    return path


@pytest.fixture
def default_permission() -> str:
    """Overridden by tests that need another default."""
    return "READ"


@pytest.fixture
def auth_ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, default_permission: str) -> Path:
    ini = write_ini(
        tmp_path / "basic_auth.ini", f"sqlite:///{tmp_path / 'auth.db'}", default_permission
    )
    monkeypatch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
    monkeypatch.delenv("MLFLOW_AUTH_ADMIN_USERNAME", raising=False)
    monkeypatch.delenv("MLFLOW_AUTH_ADMIN_PASSWORD", raising=False)
    return ini


@pytest.fixture
def auth_app(tmp_path: Path, auth_ini: Path) -> Iterator[BasicAuthApp]:
    app = create_app(f"sqlite:///{tmp_path / 'server.db'}", None, str(tmp_path / "artifacts"))
    wrapped = wrap_app(app, "basic-auth")
    yield wrapped
    wrapped.store.close()


@pytest.fixture
def client(auth_app: BasicAuthApp) -> Iterator[TestClient]:
    """An in-process client of the auth-wrapped server, sending no credentials by default."""
    with TestClient(auth_app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def users(client: TestClient) -> None:
    """Create alice and bob (plain users) through the REST API."""
    for user in (ALICE, BOB):
        response = client.post(
            "/api/2.0/mlflow/users/create",
            json={"username": user[0], "password": user[1]},
            headers=basic(ADMIN),
        )
        assert response.status_code == 200, response.text
