"""Traffic split, failover, rate limits, timeouts and retries, against the loopback fakes."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mlharbor.gateway import create_app, parse_config
from tests.gateway.conftest import chat_endpoint, metric, openai_model
from tests.gateway.fakes import FakeProviders

HELLO = {"messages": [{"role": "user", "content": "hi"}]}


def _app(document: dict[str, Any]) -> Any:
    return create_app(parse_config(document))


@pytest.mark.usefixtures("provider_env")
def test_traffic_split_follows_the_weights(fakes: tuple[FakeProviders, str]) -> None:
    _, base = fakes
    app = create_app(
        parse_config(
            {
                "endpoints": [
                    chat_endpoint("model-a", openai_model(base, "model-a")),
                    chat_endpoint("model-b", openai_model(base, "model-b")),
                ],
                "routes": [
                    {
                        "name": "ab",
                        "task_type": "llm/v1/chat",
                        "routing_strategy": "TRAFFIC_SPLIT",
                        "destinations": [
                            {"name": "model-a", "traffic_percentage": 70},
                            {"name": "model-b", "traffic_percentage": 30},
                        ],
                    }
                ],
            }
        )
    )

    async def run() -> Counter[str]:
        counts: Counter[str] = Counter()
        gate = asyncio.Semaphore(32)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:

            async def one() -> None:
                async with gate:
                    response = await client.post("/gateway/ab/invocations", json=HELLO)
                    response.raise_for_status()
                    counts[response.json()["model"]] += 1

            await asyncio.gather(*(one() for _ in range(2000)))
        await app.state.upstream.aclose()
        return counts

    counts = asyncio.run(run())
    assert sum(counts.values()) == 2000
    assert abs(counts["model-a"] / 2000 - 0.70) <= 0.05
    assert abs(counts["model-b"] / 2000 - 0.30) <= 0.05


@pytest.mark.usefixtures("provider_env")
@pytest.mark.parametrize("first", ["fail-500", "slow"])
def test_failover_answers_from_the_next_destination(
    fakes: tuple[FakeProviders, str], first: str
) -> None:
    _, base = fakes
    app = _app(
        {
            "endpoints": [
                chat_endpoint(
                    "primary",
                    openai_model(base, first),
                    timeout_seconds=0.5,
                    max_retries=1,
                    retry_backoff_seconds=0.01,
                ),
                chat_endpoint("backup", openai_model(base, "backup-model")),
            ],
            "routes": [
                {
                    "name": "chain",
                    "task_type": "llm/v1/chat",
                    "routing_strategy": "FAILOVER",
                    "destinations": [{"name": "primary"}, {"name": "backup"}],
                }
            ],
        }
    )
    with TestClient(app) as client:
        started = time.monotonic()
        response = client.post("/gateway/chain/invocations", json=HELLO)
        elapsed = time.monotonic() - started
        metrics = client.get("/metrics").text
    assert response.status_code == 200, response.text
    assert response.json()["model"] == "backup-model"
    assert elapsed < 1.9  # the slow primary was cut off by its timeout, not waited for
    # a 500 is retried once before failing over; a timeout fails over at once
    status, tries = ("500", 2.0) if first == "fail-500" else ("504", 1.0)
    failed = metric(
        metrics,
        "mlharbor_gateway_requests_total",
        endpoint="primary",
        provider="openai",
        status=status,
    )
    assert failed == tries


@pytest.mark.usefixtures("provider_env")
def test_every_destination_failing_answers_the_last_error(
    fakes: tuple[FakeProviders, str],
) -> None:
    _, base = fakes
    app = _app(
        {"endpoints": [chat_endpoint("down", openai_model(base, "fail-500"), max_retries=0)]}
    )
    with TestClient(app) as client:
        response = client.post("/endpoints/down/invocations", json=HELLO)
    assert response.status_code == 500
    body = response.json()
    assert body["error_code"] == "INTERNAL_ERROR"
    assert "The server had an error" in body["detail"]


@pytest.mark.usefixtures("provider_env")
def test_retries_with_backoff_ride_out_a_503(fakes: tuple[FakeProviders, str]) -> None:
    fake, base = fakes
    app = _app(
        {
            "endpoints": [
                chat_endpoint(
                    "flaky", openai_model(base, "flaky"), max_retries=2, retry_backoff_seconds=0.01
                )
            ]
        }
    )
    before = fake.calls["flaky"]
    with TestClient(app) as client:
        response = client.post("/endpoints/flaky/invocations", json=HELLO)
    assert response.status_code == 200
    assert fake.calls["flaky"] - before in (1, 2)


@pytest.mark.usefixtures("provider_env")
def test_rate_limit_answers_429_in_mlflow_shape(fakes: tuple[FakeProviders, str]) -> None:
    _, base = fakes
    app = _app(
        {
            "endpoints": [
                chat_endpoint(
                    "limited",
                    openai_model(base, "gpt-4o-mini"),
                    limit={"renewal_period": "minute", "calls": 2},
                )
            ]
        }
    )
    with TestClient(app) as client:
        statuses = [
            client.post("/endpoints/limited/invocations", json=HELLO).status_code for _ in range(2)
        ]
        refused = client.post("/v1/chat/completions", json={**HELLO, "model": "limited"})
        described = client.get("/api/2.0/endpoints/limited").json()
        metrics = client.get("/metrics").text
    assert statuses == [200, 200]
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "Rate limit exceeded: 2 per 1 minute"
    assert body["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert described["limit"] == {"calls": 2, "key": None, "renewal_period": "minute"}
    assert metric(metrics, "mlharbor_gateway_rate_limited_total", endpoint="limited") == 1.0


@pytest.mark.usefixtures("provider_env")
def test_metrics_count_requests_and_tokens(fakes: tuple[FakeProviders, str]) -> None:
    _, base = fakes
    app = _app({"endpoints": [chat_endpoint("chat", openai_model(base, "gpt-4o-mini"))]})
    with TestClient(app) as client:
        client.post("/endpoints/chat/invocations", json=HELLO)
        with client.stream(
            "POST", "/endpoints/chat/invocations", json={**HELLO, "stream": True}
        ) as streamed:
            streamed.read()
        metrics = client.get("/metrics").text
    labels = {"endpoint": "chat", "provider": "openai"}
    assert metric(metrics, "mlharbor_gateway_requests_total", **labels, status="200") == 2.0
    # the streamed answer of the fake carries no usage; the plain one reports 9 + 12
    assert metric(metrics, "mlharbor_gateway_tokens_total", **labels, kind="prompt") == 9.0
    assert metric(metrics, "mlharbor_gateway_tokens_total", **labels, kind="completion") == 12.0
    assert metric(metrics, "mlharbor_gateway_request_duration_seconds_count", **labels) == 2.0
