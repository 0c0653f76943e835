"""Editing the configuration while requests run: nothing dropped, the edit live within 5 s."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from mlharbor.gateway import create_app_from_path
from tests.gateway.conftest import chat_endpoint, openai_model, serve_in_thread, write_config
from tests.gateway.fakes import FakeProviders

HELLO = {"messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.usefixtures("provider_env")
def test_edits_under_load_drop_nothing(
    fakes: tuple[FakeProviders, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, base = fakes
    path = write_config(
        tmp_path / "gateway.yaml",
        {
            "endpoints": [
                chat_endpoint("steady", openai_model(base, "model-one")),
                chat_endpoint("retiring", openai_model(base, "model-old")),
            ]
        },
    )
    app = create_app_from_path(path, reload_interval_s=0.2)
    failures: list[str] = []
    answered: dict[str, float] = {}

    async def load(url: str, stop: asyncio.Event) -> int:
        count = 0
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:

            async def worker() -> None:
                nonlocal count
                while not stop.is_set():
                    response = await client.post("/endpoints/steady/invocations", json=HELLO)
                    count += 1
                    if response.status_code != 200:
                        failures.append(f"{response.status_code} {response.text}")

            workers = [asyncio.create_task(worker()) for _ in range(6)]
            await stop.wait()
            await asyncio.gather(*workers)
        return count

    async def edit(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            await asyncio.sleep(0.5)
            edited_at = time.monotonic()
            write_config(
                path,
                {
                    "endpoints": [
                        chat_endpoint("steady", openai_model(base, "model-two")),
                        chat_endpoint("fresh", openai_model(base, "model-new")),
                    ]
                },
            )
            while time.monotonic() - edited_at < 5:
                response = await client.post("/endpoints/fresh/invocations", json=HELLO)
                if response.status_code == 200:
                    answered["fresh"] = time.monotonic() - edited_at
                    break
                await asyncio.sleep(0.05)
            gone = await client.post("/endpoints/retiring/invocations", json=HELLO)
            answered["retiring_status"] = gone.status_code
            # a broken file is refused; the last good configuration keeps serving
            (path.parent / "broken.yaml").write_text("endpoints:\n  - name: [oops\n")
            (path.parent / "broken.yaml").replace(path)
            await asyncio.sleep(0.8)
            steady = await client.post("/endpoints/steady/invocations", json=HELLO)
            answered["steady_model"] = steady.json()["model"] == "model-two"

    async def scenario(url: str) -> int:
        stop = asyncio.Event()
        loader = asyncio.create_task(load(url, stop))
        try:
            await edit(url)
        finally:
            stop.set()
        return await loader

    with caplog.at_level(logging.ERROR, "mlharbor.gateway"), serve_in_thread(app) as url:
        sent = asyncio.run(scenario(url))
        listed: Any = httpx.get(f"{url}/api/2.0/endpoints/").json()

    assert failures == []
    assert sent > 50
    assert answered["fresh"] < 5
    assert answered["retiring_status"] == 404
    assert answered["steady_model"] is True
    assert sorted(e["name"] for e in listed["endpoints"]) == ["fresh", "steady"]
    assert "refused, still serving the previous one" in caplog.text
