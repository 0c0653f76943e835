"""The configuration file: schema errors, secrets from the environment, never shown."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mlharbor.gateway import ConfigError, create_app, load_config, parse_config
from tests.gateway.conftest import chat_endpoint, openai_model


def _chat(**model: Any) -> dict[str, Any]:
    return {"endpoints": [chat_endpoint("chat", model)]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"endpoints": [{"name": "bad name", "endpoint_type": "llm/v1/chat"}]}, "invalid"),
        (_chat(provider="nope", name="x", config={}), "'nope' is not supported"),
        (_chat(provider="openai", name="x"), "a config must be supplied"),
        (
            _chat(provider="openai", name="x", config={"openai_api_key": "k", "typo": 1}),
            "unknown config key(s) 'typo'",
        ),
        (
            _chat(provider="openai", name="x", config={"openai_api_key": "$UNSET_VARIABLE_X"}),
            "environment variable 'UNSET_VARIABLE_X' is not set",
        ),
        (
            _chat(
                provider="openai",
                name="x",
                config={"openai_api_key": "k", "openai_api_base": "file:///etc/passwd"},
            ),
            "must be an http(s) URL",
        ),
        (
            _chat(provider="anthropic", name="x", config={"anthropic_api_key": "k"})
            | {
                "routes": [
                    {
                        "name": "r",
                        "task_type": "llm/v1/chat",
                        "destinations": [{"name": "chat", "traffic_percentage": 60}],
                    }
                ]
            },
            "must sum to 100",
        ),
        (
            {
                "endpoints": [
                    chat_endpoint(
                        "c",
                        {"provider": "openai", "name": "x", "config": {"openai_api_key": "k"}},
                        limit={"calls": 0, "renewal_period": "minute"},
                    )
                ]
            },
            "rate limit",
        ),
        (
            {
                "endpoints": [
                    {
                        "name": "e",
                        "endpoint_type": "llm/v1/embeddings",
                        "model": {
                            "provider": "anthropic",
                            "name": "x",
                            "config": {"anthropic_api_key": "k"},
                        },
                    }
                ]
            },
            "does not serve llm/v1/embeddings",
        ),
    ],
)
def test_invalid_configurations_are_refused_clearly(document: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as raised:
        parse_config(document)
    assert message in raised.value.message


def test_secrets_come_from_the_environment_and_are_never_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-do-not-leak")
    path = tmp_path / "config.yaml"
    path.write_text(
        "endpoints:\n"
        "  - name: chat-gpt4\n"
        "    endpoint_type: llm/v1/chat\n"
        "    model:\n"
        "      provider: openai\n"
        "      name: gpt-4\n"
        "      config:\n"
        "        openai_api_key: $OPENAI_API_KEY\n"
    )
    config = load_config(path)
    assert config.endpoints[0].model.config["openai_api_key"] == "sk-live-do-not-leak"
    assert "sk-live" not in repr(config)
    with TestClient(create_app(config)) as client:
        pages = [
            client.get(p).text
            for p in (
                "/api/2.0/endpoints/",
                "/api/2.0/endpoints/chat-gpt4",
                "/api/2.0/gateway/routes/",
                "/api/3.0/gateway/endpoint/chat-gpt4",
                "/v1/models",
                "/metrics",
            )
        ]
    assert all("sk-live" not in page for page in pages)
    assert '"provider":"openai"' in pages[1]


def test_yaml_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("endpoints: [\n")
    with pytest.raises(ConfigError, match="not a valid yaml file"):
        load_config(path)


def test_request_bodies_cannot_choose_the_upstream(
    fakes: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake, base = fakes
    monkeypatch.setenv("OPENAI_API_KEY", "test-openai-key")
    app = create_app(parse_config(_chat(**openai_model(base, "gpt-4o-mini"))))
    hostile = {
        "messages": [{"role": "user", "content": "hi"}],
        "model": "chat",
        "api_base": "http://169.254.169.254/latest",
        "openai_api_base": "http://10.0.0.1",
        "base_url": "http://10.0.0.1",
    }
    fake.requests.clear()
    with caplog.at_level(logging.INFO), TestClient(app) as client:
        response = client.post(
            "/v1/chat/completions", json=hostile, headers={"Authorization": "Bearer caller-token"}
        )
        missing = client.post(
            "/v1/chat/completions", json={**hostile, "model": "http://10.0.0.1/v1"}
        )
    assert response.status_code == 200
    assert [r["path"] for r in fake.requests] == ["/v1/chat/completions"]
    assert fake.requests[0]["body"]["model"] == "gpt-4o-mini"
    # the caller's credentials never travel upstream; the configured key does
    assert fake.requests[0]["headers"]["authorization"] == "Bearer test-openai-key"
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
