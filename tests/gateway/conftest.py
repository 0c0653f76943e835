"""Fixtures of the gateway tests: the fake providers and gateways served on loopback ports."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.servers import free_port
from tests.gateway.fakes import KEYS, FakeProviders


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn in a thread; yield its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def fakes() -> Iterator[tuple[FakeProviders, str]]:
    fake = FakeProviders()
    with serve_in_thread(fake.app) as url:
        yield fake, url


@pytest.fixture
def provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, key in KEYS.items():
        monkeypatch.setenv(f"{name.upper()}_API_KEY", key)
    monkeypatch.setenv("AWS_SECRET_FOR_TEST", "test-aws-secret")


def write_config(path: Path, document: dict[str, Any]) -> Path:
    # write then rename, so a reader never sees half a file
    scratch = path.with_suffix(".tmp")
    scratch.write_text(yaml.safe_dump(document, sort_keys=False))
    scratch.replace(path)
    return path


def openai_model(base: str, name: str) -> dict[str, Any]:
    return {
        "provider": "openai",
        "name": name,
        "config": {"openai_api_key": "$OPENAI_API_KEY", "openai_api_base": f"{base}/v1"},
    }


def chat_endpoint(name: str, model: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "endpoint_type": "llm/v1/chat", "model": model, **extra}


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of sample ``name`` with ``labels`` in a Prometheus exposition, or None."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None
