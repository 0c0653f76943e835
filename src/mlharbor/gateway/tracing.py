"""Gateway requests as traces: one CHAT_MODEL / LLM / EMBEDDING span per request, exported to
the experiment named by the configuration's ``tracing`` section."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from mlharbor.gateway.config import TracingConfig

__all__ = ["record_answer", "request_span", "traced_stream"]

_SPAN_TYPES = {
    "llm/v1/chat": "CHAT_MODEL",
    "llm/v1/completions": "LLM",
    "llm/v1/embeddings": "EMBEDDING",
}
_experiments: dict[tuple[str | None, str], str] = {}
_lock = threading.Lock()
_logger = logging.getLogger(__name__)
_warned: list[bool] = []


def _experiment_id(config: TracingConfig) -> str:
    """The id of the configured experiment, created on first use; cached per process."""
    key = (config.tracking_uri, config.experiment)
    with _lock:
        if key not in _experiments:
            from mlharbor.client.client import MlharborClient

            client = MlharborClient(tracking_uri=config.tracking_uri)
            found = client.get_experiment_by_name(config.experiment)
            _experiments[key] = (
                found.experiment_id if found else client.create_experiment(config.experiment)
            )
        return _experiments[key]


@contextlib.contextmanager
def request_span(
    config: TracingConfig | None, endpoint: str, endpoint_type: str, payload: dict[str, Any]
) -> Iterator[Any]:
    """A span around one gateway request, or ``None`` when tracing is not configured."""
    if config is None:
        yield None
        return
    from mlharbor.tracing import provider

    try:
        experiment_id = _experiment_id(config)
    except Exception as error:  # the tracking server being down must not fail requests
        if not _warned:
            _warned.append(True)
            _logger.warning("Gateway requests are not traced: %s", error)
        yield None
        return
    span, token = provider.start_live_span(
        endpoint,
        _SPAN_TYPES.get(endpoint_type, "LLM"),
        experiment_id=experiment_id,
        tracking_uri=config.tracking_uri,
    )
    span.set_inputs(payload)
    span.set_attribute("mlflow.gateway.endpoint", endpoint)
    try:
        yield span
    except BaseException as error:
        span.record_exception(error)
        span.end()
        raise
    finally:
        provider._current.reset(token)


def record_answer(span: Any, body: dict[str, Any]) -> None:
    """Finish a request's span with the answer and its token usage."""
    if span is None:
        return
    span.set_outputs(body)
    usage = body.get("usage") or {}
    if usage:
        prompt, completion = usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0
        span.set_attribute(
            "mlflow.chat.tokenUsage",
            {
                "input_tokens": prompt,
                "output_tokens": completion,
                "total_tokens": usage.get("total_tokens") or prompt + completion,
            },
        )
    span.end()


async def traced_stream(span: Any, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pass a streamed answer through; its span ends with the stream, outputs its SSE text."""
    if span is None:
        async for chunk in chunks:
            yield chunk
        return
    sent: list[bytes] = []
    try:
        async for chunk in chunks:
            sent.append(chunk)
            yield chunk
    except BaseException as error:
        span.record_exception(error)
        raise
    finally:
        span.set_outputs(b"".join(sent).decode("utf-8", "replace"))
        span.end()
