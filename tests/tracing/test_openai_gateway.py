"""``mlharbor.openai.autolog()`` on the ``openai`` client, calling the gateway (itself traced)
in front of the loopback OpenAI stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import mlharbor
from mlharbor.gateway.app import create_app
from mlharbor.gateway.config import parse_config
from tests.gateway.conftest import serve_in_thread
from tests.gateway.fakes import KEYS, FakeProviders


@pytest.fixture
def traced_gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    uri = f"sqlite:///{tmp_path / 'traces.db'}"
    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    fake = FakeProviders()
    with serve_in_thread(fake.app) as fake_url:
        model = {
            "provider": "openai",
            "config": {"openai_api_key": "$OPENAI_API_KEY", "openai_api_base": f"{fake_url}/v1"},
        }
        config = parse_config(
            {
                "endpoints": [
                    {
                        "name": "chat",
                        "endpoint_type": "llm/v1/chat",
                        "model": {**model, "name": "gpt-4o"},
                    },
                    {
                        "name": "complete",
                        "endpoint_type": "llm/v1/completions",
                        "model": {**model, "name": "gpt-3.5-turbo-instruct"},
                    },
                    {
                        "name": "embed",
                        "endpoint_type": "llm/v1/embeddings",
                        "model": {**model, "name": "text-embedding-3-small"},
                    },
                ],
                "tracing": {"experiment": "gateway-traces", "tracking_uri": uri},
            }
        )
        with serve_in_thread(create_app(config)) as gateway_url:
            mlharbor.set_tracking_uri(uri)
            mlharbor.openai.autolog()
            try:
                yield gateway_url, uri
            finally:
                mlharbor.openai.autolog(disable=True)
                mlharbor.set_tracking_uri(None)


def _spans_by_name(traces: list[Any]) -> dict[str, Any]:
    return {t.data.spans[0].name: t.data.spans[0] for t in traces}


def test_openai_calls_through_the_gateway_are_traced(traced_gateway: tuple[str, str]) -> None:
    from openai import AsyncOpenAI, OpenAI

    gateway_url, _ = traced_gateway
    client = OpenAI(base_url=f"{gateway_url}/v1", api_key="unused", max_retries=0)
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    chat = client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "Hi"}], tools=tools
    )
    client.completions.create(model="complete", prompt="Once")
    client.embeddings.create(model="embed", input=["abc"])
    chunks = list(
        client.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "Go"}], stream=True
        )
    )

    async def async_chat() -> Any:
        async_client = AsyncOpenAI(base_url=f"{gateway_url}/v1", api_key="unused", max_retries=0)
        return await async_client.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "async"}]
        )

    asyncio.run(async_chat())
    mlharbor.flush_trace_async_logging()

    traces = mlharbor.search_traces(locations=["0"], return_type="list")
    assert len(traces) == 5
    chat_trace = traces[-1]
    span = chat_trace.data.spans[0]
    assert (span.name, span.span_type) == ("Completions", "CHAT_MODEL")
    assert span.inputs["messages"] == [{"role": "user", "content": "Hi"}]
    assert span.outputs["choices"][0]["message"]["content"] == chat.choices[0].message.content
    assert span.get_attribute("mlflow.chat.tools") == tools
    assert chat_trace.info.token_usage == {
        "input_tokens": chat.usage.prompt_tokens,
        "output_tokens": chat.usage.completion_tokens,
        "total_tokens": chat.usage.total_tokens,
    }
    kinds = [t.data.spans[0].span_type for t in traces]
    assert sorted(kinds) == ["CHAT_MODEL", "CHAT_MODEL", "CHAT_MODEL", "EMBEDDING", "LLM"]
    streamed = traces[1].data.spans[0]
    assert streamed.name == "Completions"
    assert len(streamed.outputs) == len(chunks)
    assert traces[0].data.spans[0].name == "AsyncCompletions"

    experiment = mlharbor.get_experiment_by_name("gateway-traces")
    assert experiment is not None
    gateway = mlharbor.search_traces(locations=[experiment.experiment_id], return_type="list")
    assert sorted(t.data.spans[0].name for t in gateway) == [
        "chat",
        "chat",
        "chat",
        "complete",
        "embed",
    ]
    assert all(t.info.state == "OK" for t in gateway)
