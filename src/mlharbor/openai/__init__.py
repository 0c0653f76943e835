"""Tracing of the ``openai`` client: ``mlharbor.openai.autolog()``.

Every chat completion, completion and embedding call (sync or async, streamed or not) becomes a
span (a trace of its own, or a child of the current span) holding the request as inputs, the
response as outputs, the tools offered, and the token usage in ``mlflow.chat.tokenUsage``.
A streamed call's span ends when the stream is exhausted or closed; its outputs are the chunks.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

__all__ = ["autolog"]

# (module, class, span name, span type)
_TARGETS = (
    ("openai.resources.chat.completions", "Completions", "Completions", "CHAT_MODEL"),
    ("openai.resources.chat.completions", "AsyncCompletions", "AsyncCompletions", "CHAT_MODEL"),
    ("openai.resources.completions", "Completions", "Completions", "LLM"),
    ("openai.resources.completions", "AsyncCompletions", "AsyncCompletions", "LLM"),
    ("openai.resources.embeddings", "Embeddings", "Embeddings", "EMBEDDING"),
    ("openai.resources.embeddings", "AsyncEmbeddings", "AsyncEmbeddings", "EMBEDDING"),
)
_originals: dict[tuple[str, str], Callable[..., Any]] = {}


def _dump(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump() if callable(dump) else value


def _record_usage(span: Any, response: Any) -> None:
    usage = getattr(response, "usage", None)
    if usage is None:
        return
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    total = getattr(usage, "total_tokens", None)
    span.set_attribute(
        "mlflow.chat.tokenUsage",
        {
            "input_tokens": prompt or 0,
            "output_tokens": completion or 0,
            "total_tokens": total if total is not None else (prompt or 0) + (completion or 0),
        },
    )


def _open(name: str, span_type: str, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    from mlharbor.tracing import provider

    span, token = provider.start_live_span(name, span_type)
    span.set_inputs(kwargs)
    if kwargs.get("tools"):
        span.set_attribute("mlflow.chat.tools", kwargs["tools"])
    span.set_attribute("mlflow.message.format", "openai")
    return span, token


def _close(span: Any, token: Any, response: Any = None, error: BaseException | None = None) -> None:
    from mlharbor.tracing import provider

    provider._current.reset(token)
    if error is not None:
        span.record_exception(error)
        span.end()
        return
    span.set_outputs(_dump(response))
    _record_usage(span, response)
    span.end()


class _TracedStream:
    """Wraps ``openai.Stream``: passes chunks through, ends the span when the stream ends."""

    def __init__(self, stream: Any, span: Any) -> None:
        self._stream = stream
        self._span = span
        self._chunks: list[Any] = []
        self._done = False

    def _finish(self, error: BaseException | None = None) -> None:
        if self._done:
            return
        self._done = True
        if error is not None:
            self._span.record_exception(error)
        self._span.set_outputs([_dump(chunk) for chunk in self._chunks])
        last_usage = next((c for c in reversed(self._chunks) if getattr(c, "usage", None)), None)
        if last_usage is not None:
            _record_usage(self._span, last_usage)
        self._span.end()

    def __iter__(self) -> Iterator[Any]:
        try:
            for chunk in self._stream:
                self._chunks.append(chunk)
                yield chunk
        except BaseException as error:
            self._finish(error)
            raise
        self._finish()

    async def __aiter__(self) -> AsyncIterator[Any]:
        try:
            async for chunk in self._stream:
                self._chunks.append(chunk)
                yield chunk
        except BaseException as error:
            self._finish(error)
            raise
        self._finish()

    def __enter__(self) -> _TracedStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    async def __aenter__(self) -> _TracedStream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            result = close()
            if hasattr(result, "__await__"):
                await result
        self._finish()

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()
        self._finish()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _wrap(original: Callable[..., Any], name: str, span_type: str, is_async: bool) -> Any:
    from mlharbor.tracing import provider

    if is_async:

        @functools.wraps(original)
        async def async_create(self: Any, *args: Any, **kwargs: Any) -> Any:
            span, token = _open(name, span_type, kwargs)
            try:
                response = await original(self, *args, **kwargs)
            except BaseException as error:
                _close(span, token, error=error)
                raise
            if kwargs.get("stream"):
                provider._current.reset(token)
                return _TracedStream(response, span)
            _close(span, token, response)
            return response

        return async_create

    @functools.wraps(original)
    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        span, token = _open(name, span_type, kwargs)
        try:
            response = original(self, *args, **kwargs)
        except BaseException as error:
            _close(span, token, error=error)
            raise
        if kwargs.get("stream"):
            provider._current.reset(token)
            return _TracedStream(response, span)
        _close(span, token, response)
        return response

    return create


def autolog(disable: bool = False, log_traces: bool = True) -> None:
    """Trace every ``openai`` call from now on (``disable=True`` restores the client)."""
    for module_name, class_name, span_name, span_type in _TARGETS:
        cls = getattr(importlib.import_module(module_name), class_name)
        key = (module_name, class_name)
        if key in _originals:
            cls.create = _originals.pop(key)
        if disable or not log_traces:
            continue
        _originals[key] = cls.create
        cls.create = _wrap(cls.create, span_name, span_type, class_name.startswith("Async"))
