"""The tracing API against a local database, and against a server that is down."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

import mlharbor
from mlharbor.tracing import export, provider
from tests.fixtures.servers import free_port


@pytest.fixture
def local_uri(tmp_path: Path) -> Iterator[str]:
    uri = f"sqlite:///{tmp_path / 'traces.db'}"
    mlharbor.set_tracking_uri(uri)
    yield uri
    mlharbor.set_tracking_uri(None)


@mlharbor.trace(span_type="RETRIEVER")
def numbers(n: int) -> Iterator[int]:
    yield from range(n)


@mlharbor.trace
async def double(x: int) -> int:
    await asyncio.sleep(0)
    return 2 * x


@mlharbor.trace
async def stream(n: int) -> AsyncIterator[int]:
    for i in range(n):
        yield await double(i)


@mlharbor.trace(name="pipeline")
def pipeline(n: int) -> int:
    total = sum(numbers(n))
    with mlharbor.start_span("inner") as span:
        span.set_inputs({"total": total})
        try:
            raise KeyError("handled")
        except KeyError:
            pass
        mlharbor.update_current_trace(tags={"kind": "demo"})
    return total


async def collect() -> list[int]:
    return [x async for x in stream(3)]


def test_function_tree_reads_back_newest_first(local_uri: str) -> None:
    assert pipeline(4) == 6
    assert asyncio.run(collect()) == [0, 2, 4]
    mlharbor.flush_trace_async_logging()
    frame = mlharbor.search_traces()
    assert list(frame["state"]) == ["OK", "OK"]
    assert frame["trace"][0].data.spans[0].name == "stream"  # newest first
    [tree] = mlharbor.search_traces(filter_string="tags.kind = 'demo'", return_type="list")
    assert [s.name for s in tree.data.spans] == ["pipeline", "numbers", "inner"]
    assert tree.data.spans[1].outputs == [0, 1, 2, 3]
    assert tree.data.spans[1].span_type == "RETRIEVER"
    assert tree.data.spans[2].status == "OK"  # the caught exception leaves it OK
    assert tree.data.request == {"n": 4}
    streamed = frame["trace"][0]
    assert [s.name for s in streamed.data.spans] == ["stream", "double", "double", "double"]
    assert streamed.data.spans[0].outputs == [0, 2, 4]


def test_error_and_assessments(local_uri: str) -> None:
    @mlharbor.trace
    def fail() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    mlharbor.flush_trace_async_logging()
    trace_id = mlharbor.get_last_active_trace_id()
    assert trace_id is not None
    trace = mlharbor.get_trace(trace_id)
    assert trace is not None
    assert trace.info.state == "ERROR"
    assert [e.name for e in trace.data.spans[0].events] == ["exception"]
    expected = mlharbor.log_expectation(trace_id, name="answer", value="none")
    feedback = mlharbor.log_feedback(trace_id, name="ok", value=False, rationale="it failed")
    assert feedback.source.source_type == "CODE"
    assert expected.source.source_type == "HUMAN"
    assert mlharbor.get_assessment(trace_id, feedback.assessment_id).rationale == "it failed"
    assert mlharbor.get_trace("tr-unknown") is None


def test_sampling_ratio_zero_records_nothing(local_uri: str) -> None:
    provider.configure(sampling_ratio=0.0)
    try:
        assert pipeline(2) == 1
        assert mlharbor.get_current_active_span() is None
    finally:
        provider.configure(sampling_ratio=None)
    mlharbor.flush_trace_async_logging()
    assert mlharbor.search_traces(return_type="list") == []


def test_server_down_never_blocks_and_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(export, "MAX_ATTEMPTS", 1)
    monkeypatch.setattr(export, "_warned", set())
    mlharbor.set_tracking_uri(f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr(provider, "_experiment_id_for_new_trace", lambda: "0")
    try:
        with caplog.at_level(logging.WARNING, logger="mlharbor.tracing.export"):
            started = time.monotonic()
            for _ in range(5):
                pipeline(3)
            elapsed = time.monotonic() - started
            assert export.flush(timeout=30)
    finally:
        mlharbor.set_tracking_uri(None)
    assert elapsed < 1.0
    warnings = [r for r in caplog.records if "Could not export trace" in r.getMessage()]
    assert len(warnings) == 1


def test_traces_wait_for_a_server_that_comes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Traces made while the server is down are exported once it is up: none is lost."""
    import threading

    import uvicorn

    from mlharbor.server.app import create_app

    port = free_port()
    mlharbor.set_tracking_uri(f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(f"sqlite:///{tmp_path / 'late.db'}", None, str(tmp_path / "artifacts")),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    try:
        monkeypatch.setattr(provider, "_experiment_id_for_new_trace", lambda: "0")
        for n in range(3):
            pipeline(n)
        thread.start()
        assert export.flush(timeout=60)
        found = mlharbor.search_traces(locations=["0"], return_type="list")
        assert len(found) == 3
    finally:
        mlharbor.set_tracking_uri(None)
        server.should_exit = True
        thread.join(10)
