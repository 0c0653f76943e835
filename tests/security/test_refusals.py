"""Refusals of foreign hosts and origins speak MLflow's JSON error shape, and every answer of
the tracking server (API, artifacts, UI, errors, the auth layer's own) says
``X-Content-Type-Options: nosniff``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlharbor.server.app import create_app
from mlharbor.server.auth import wrap_app
from mlharbor.server.hosts import HostPolicy
from tests.security.asgi import AsgiReply, basic, request
from tests.server.auth.conftest import ADMIN, write_ini


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir: Path = tmp_path_factory.mktemp("refusals")
    plain = create_app(
        f"sqlite:///{workdir / 'plain.db'}",
        None,
        str(workdir / "a"),
        True,
        "",
        HostPolicy.default(),
    )
    ini = write_ini(workdir / "auth.ini", f"sqlite:///{workdir / 'users.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
        guarded = wrap_app(
            create_app(f"sqlite:///{workdir / 'auth.db'}", None, str(workdir / "b")), "basic-auth"
        )
    return {"plain": plain, "auth": guarded}


def _json_refusal(reply: AsgiReply, status: int) -> dict[str, Any]:
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers["content-type"] == "application/json"
    body: dict[str, Any] = reply.json()
    assert set(body) == {"error_code", "message"}
    return body


def test_foreign_host_is_refused_in_json(apps: dict[str, Any]) -> None:
    reply = request(
        apps["plain"],
        "GET",
        "/api/2.0/mlflow/experiments/get?experiment_id=0",
        headers={"host": "evil.example.com"},
    )
    body = _json_refusal(reply, 403)
    assert body["error_code"] == "PERMISSION_DENIED"
    assert "DNS rebinding" in body["message"]


def test_foreign_origin_is_refused_in_json(apps: dict[str, Any]) -> None:
    reply = request(
        apps["plain"],
        "POST",
        "/api/2.0/mlflow/experiments/create",
        b'{"name": "x"}',
        {"content-type": "application/json", "origin": "https://evil.example.com"},
    )
    assert _json_refusal(reply, 403)["error_code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize(
    ("which", "method", "target", "headers"),
    [
        ("plain", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", {}),
        ("plain", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=404", {}),
        ("plain", "GET", "/api/2.0/mlflow-artifacts/artifacts/0/nothing.html", {}),
        ("plain", "GET", "/no/such/page", {}),
        ("plain", "GET", "/health", {}),
        ("plain", "GET", "/", {}),
        ("auth", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", {}),
        ("auth", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", basic(ADMIN)),
        ("auth", "GET", "/api/2.0/mlflow/users/current", basic(ADMIN)),
        ("auth", "POST", "/api/2.0/mlflow/experiments/search", basic(ADMIN)),
    ],
)
def test_every_answer_says_nosniff(
    apps: dict[str, Any], which: str, method: str, target: str, headers: dict[str, str]
) -> None:
    body = b'{"max_results": 1}' if method == "POST" else b""
    all_headers = {**headers, "content-type": "application/json"} if body else headers
    reply = request(apps[which], method, target, body, all_headers)
    assert reply.headers.get("x-content-type-options") == "nosniff", (reply.status, reply.headers)
