"""``mlharbor gateway start`` errors, basic auth with the tracking server's users, body limits."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mlharbor.cli import cli
from mlharbor.gateway import create_app, parse_config
from mlharbor.gateway.app import MAX_BODY_BYTES
from mlharbor.gateway.auth import basic_auth
from tests.gateway.conftest import chat_endpoint, openai_model


def test_invalid_file_stops_the_command_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text(
        "endpoints:\n  - name: chat\n    endpoint_type: llm/v1/chat\n    model:\n"
        "      provider: openai\n      name: gpt-4\n      config:\n"
        "        openai_api_key: $OPENAI_API_KEY\n"
    )
    result = CliRunner().invoke(cli, ["gateway", "start", "--config-path", str(path)])
    assert result.exit_code == 1
    assert "environment variable 'OPENAI_API_KEY' is not set" in result.output
    assert "Traceback" not in result.output


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_basic_auth_uses_the_tracking_servers_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = tmp_path / "basic_auth.ini"
    ini.write_text(
        "[mlflow]\ndefault_permission = READ\n"
        f"database_uri = sqlite:///{tmp_path / 'auth.db'}\n"
        "admin_username = admin\nadmin_password = s3cret-Pass-123\n"
    )
    monkeypatch.setenv("MLFLOW_AUTH_CONFIG_PATH", str(ini))
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    config = parse_config({"endpoints": [chat_endpoint("chat", openai_model("http://x", "m"))]})
    with TestClient(basic_auth(create_app(config), "basic-auth")) as client:
        assert client.get("/health").status_code == 200
        anonymous = client.get("/api/2.0/endpoints/")
        wrong = client.get("/api/2.0/endpoints/", headers=_basic("admin", "nope"))
        signed_in = client.get("/api/2.0/endpoints/", headers=_basic("admin", "s3cret-Pass-123"))
    assert anonymous.status_code == 401
    assert anonymous.json()["error_code"] == "UNAUTHENTICATED"
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    assert wrong.status_code == 401
    assert signed_in.status_code == 200
    assert [e["name"] for e in signed_in.json()["endpoints"]] == ["chat"]


def test_oversized_and_malformed_bodies_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    config = parse_config({"endpoints": [chat_endpoint("chat", openai_model("http://x", "m"))]})
    with TestClient(create_app(config)) as client:
        huge = client.post("/endpoints/chat/invocations", content=b"x" * (MAX_BODY_BYTES + 1))
        broken = client.post("/endpoints/chat/invocations", content=b"{not json")
        empty = client.post("/endpoints/chat/invocations", json={"messages": []})
        wrong_type = client.post("/v1/embeddings", json={"model": "chat", "input": "x"})
    assert huge.status_code == 413
    assert broken.status_code == 400
    assert broken.json()["error_code"] == "BAD_REQUEST"
    assert empty.status_code == 422
    assert wrong_type.status_code == 400
    assert "is not an embeddings endpoint" in wrong_type.json()["message"]
