"""Each provider adapter against the loopback fake of its provider's documented API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mlharbor.gateway import create_app, parse_config
from tests.gateway.fakes import FakeProviders

CHAT, COMPLETIONS, EMBEDDINGS = "llm/v1/chat", "llm/v1/completions", "llm/v1/embeddings"


def _models(base: str) -> dict[str, dict[str, Any]]:
    return {
        "openai": {
            "provider": "openai",
            "name": "gpt-4o-mini",
            "config": {"openai_api_key": "$OPENAI_API_KEY", "openai_api_base": f"{base}/v1"},
        },
        "azure": {
            "provider": "azure",
            "name": "gpt-4o",
            "config": {
                "openai_api_key": "$AZURE_API_KEY",
                "openai_api_base": base,
                "openai_deployment_name": "my-gpt4o",
                "openai_api_version": "2024-06-01",
            },
        },
        "anthropic": {
            "provider": "anthropic",
            "name": "claude-3-opus-20240229",
            "config": {
                "anthropic_api_key": "$ANTHROPIC_API_KEY",
                "anthropic_api_base": f"{base}/v1",
            },
        },
        "gemini": {
            "provider": "gemini",
            "name": "gemini-1.5-flash",
            "config": {"gemini_api_key": "$GEMINI_API_KEY", "gemini_api_base": f"{base}/v1beta"},
        },
        "mistral": {
            "provider": "mistral",
            "name": "mistral-small-latest",
            "config": {"mistral_api_key": "$MISTRAL_API_KEY", "mistral_api_base": f"{base}/v1"},
        },
        "cohere": {
            "provider": "cohere",
            "name": "command-r",
            "config": {"cohere_api_key": "$COHERE_API_KEY", "cohere_api_base": base},
        },
        "bedrock": {
            "provider": "bedrock",
            "name": "anthropic.claude-3-haiku",
            "config": {
                "aws_config": {
                    "aws_region": "us-east-1",
                    "aws_access_key_id": "$BEDROCK_API_KEY",
                    "aws_secret_access_key": "$AWS_SECRET_FOR_TEST",
                },
                "bedrock_api_base": base,
            },
        },
        "compatible": {
            "provider": "openai-compatible",
            "name": "llama3",
            "config": {"api_key": "local", "api_base": f"{base}/v1"},
        },
    }


CASES = [
    ("openai", CHAT),
    ("openai", COMPLETIONS),
    ("openai", EMBEDDINGS),
    ("azure", CHAT),
    ("anthropic", CHAT),
    ("anthropic", COMPLETIONS),
    ("gemini", CHAT),
    ("gemini", COMPLETIONS),
    ("gemini", EMBEDDINGS),
    ("mistral", CHAT),
    ("mistral", COMPLETIONS),
    ("mistral", EMBEDDINGS),
    ("cohere", CHAT),
    ("cohere", COMPLETIONS),
    ("cohere", EMBEDDINGS),
    ("bedrock", CHAT),
    ("bedrock", EMBEDDINGS),
    ("compatible", CHAT),
    ("compatible", COMPLETIONS),
]
STREAMED = ["openai", "azure", "anthropic", "gemini", "mistral", "cohere", "compatible"]


def _name(provider: str, endpoint_type: str) -> str:
    return f"{provider}-{endpoint_type.rsplit('/', 1)[1]}"


@pytest.fixture(scope="module")
def gateway(fakes: tuple[FakeProviders, str]) -> Iterator[TestClient]:
    _, base = fakes
    models = _models(base)
    with pytest.MonkeyPatch.context() as patch:
        from tests.gateway.fakes import KEYS

        for name, key in KEYS.items():
            patch.setenv(f"{name.upper()}_API_KEY", key)
        patch.setenv("AWS_SECRET_FOR_TEST", "test-aws-secret")
        config = parse_config(
            {
                "endpoints": [
                    {"name": _name(p, t), "endpoint_type": t, "model": models[p], "max_retries": 0}
                    for p, t in CASES
                ]
            }
        )
    with TestClient(create_app(config)) as client:
        yield client


def _query(endpoint_type: str) -> dict[str, Any]:
    if endpoint_type == CHAT:
        return {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "hello there"},
            ],
            "temperature": 0.1,
            "max_tokens": 50,
            "user": "alice",
        }
    if endpoint_type == COMPLETIONS:
        return {"prompt": "hello there", "max_tokens": 50}
    return {"input": ["hello", "world!"]}


@pytest.mark.parametrize(("provider", "endpoint_type"), CASES)
def test_unified_answer(gateway: TestClient, provider: str, endpoint_type: str) -> None:
    response = gateway.post(
        f"/endpoints/{_name(provider, endpoint_type)}/invocations", json=_query(endpoint_type)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    if endpoint_type == CHAT:
        assert body["object"] == "chat.completion"
        message = body["choices"][0]["message"]
        assert message["role"] == "assistant"
        assert "says: hello there" in message["content"]
        assert body["choices"][0]["finish_reason"] == "stop"
        assert body["usage"]["total_tokens"] > 0
    elif endpoint_type == COMPLETIONS:
        assert body["object"] == "text_completion"
        assert "hello there" in body["choices"][0]["text"]
    else:
        vectors = [item["embedding"] for item in body["data"]]
        assert len(vectors) == 2
        # the fakes encode the text's length
        assert [vector[0] for vector in vectors] == [5.0, 6.0]


@pytest.mark.parametrize("provider", STREAMED)
def test_streamed_chat(gateway: TestClient, provider: str) -> None:
    with gateway.stream(
        "POST",
        f"/endpoints/{_name(provider, CHAT)}/invocations",
        json={**_query(CHAT), "stream": True},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[5:]) for line in lines[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert "says: hello there" in text
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_provider_requests_follow_their_wire_format(
    gateway: TestClient, fakes: tuple[FakeProviders, str]
) -> None:
    fake, _ = fakes
    fake.requests.clear()
    gateway.post(f"/endpoints/{_name('anthropic', CHAT)}/invocations", json=_query(CHAT))
    gateway.post(f"/endpoints/{_name('azure', CHAT)}/invocations", json=_query(CHAT))
    anthropic, azure = fake.requests
    assert anthropic["body"]["system"] == "Be brief."
    assert anthropic["body"]["max_tokens"] == 50
    assert anthropic["headers"]["anthropic-version"] == "2023-06-01"
    assert azure["path"] == "/openai/deployments/my-gpt4o/chat/completions"
    assert "model" not in azure["body"]


def test_wrong_key_is_reported_without_echoing_it(
    fakes: tuple[FakeProviders, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, base = fakes
    monkeypatch.setenv("WRONG_KEY", "sk-wrong-secret-123")
    config = parse_config(
        {
            "endpoints": [
                {
                    "name": "chat",
                    "endpoint_type": CHAT,
                    "max_retries": 0,
                    "model": {
                        "provider": "anthropic",
                        "name": "claude",
                        "config": {
                            "anthropic_api_key": "$WRONG_KEY",
                            "anthropic_api_base": f"{base}/v1",
                        },
                    },
                }
            ]
        }
    )
    with TestClient(create_app(config)) as client:
        response = client.post("/endpoints/chat/invocations", json=_query(CHAT))
        described = client.get("/api/2.0/endpoints/chat").text
    assert response.status_code == 502
    assert "invalid x-api-key" in response.json()["message"]
    assert "sk-wrong-secret-123" not in response.text + described
