"""The gateway's HTTP API: MLflow's gateway protocol and OpenAI's ``/v1`` endpoints.

    GET  /health
    GET  /api/2.0/endpoints/[name]            list (paged) / describe, as MLflow's client reads
    GET  /api/2.0/gateway/routes/[name]       the legacy listing
    GET  /api/3.0/gateway/endpoint/{name}, /api/3.0/gateway/route/{name}
    POST /endpoints/{name}/invocations, /gateway/{name}/invocations
    POST /v1/chat/completions, /v1/completions, /v1/embeddings   (``model`` names the endpoint)
    GET  /v1/models, /metrics

The configuration lives in one :class:`Router`; requests read ``app.state.router`` once, so a
reload never changes what a running request uses.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import struct
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from mlharbor.gateway.config import GatewayConfig, load_config
from mlharbor.gateway.errors import GatewayError, redact
from mlharbor.gateway.metrics import CONTENT_TYPE_LATEST, GatewayMetrics
from mlharbor.gateway.providers.base import Upstream
from mlharbor.gateway.reload import ConfigWatcher
from mlharbor.gateway.routing import Router, Stream, describe_endpoint, describe_route
from mlharbor.gateway.tracing import record_answer, request_span, traced_stream

__all__ = ["create_app", "create_app_from_path"]

_log = logging.getLogger("mlharbor.gateway")
PAGE_SIZE = 3000
MAX_BODY_BYTES = 16 * 1024 * 1024
_OPENAI_PATHS = {
    "llm/v1/chat": "a chat",
    "llm/v1/completions": "a completions",
    "llm/v1/embeddings": "an embeddings",
}
_SSE = "text/event-stream"


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def _error(exc: GatewayError) -> Response:
    return _json(exc.body(), exc.status)


def _router(request: Request) -> Router:
    router: Router = request.app.state.router
    return router


async def _internal_error(request: Request, exc: Exception) -> Response:
    _log.exception("gateway request %s failed", request.url.path, exc_info=exc)
    return _error(GatewayError(500, "The gateway failed to handle the request."))


async def _health(request: Request) -> Response:
    return _json({"status": "OK"})


def _page(request: Request, items: list[Any], key: str) -> Response:
    token = request.query_params.get("page_token")
    start = 0
    if token:
        try:
            start = int(orjson.loads(base64.b64decode(token))["index"])
            if start < 0:
                raise ValueError
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            return _error(
                GatewayError(400, f"Invalid page token: {token}", "INVALID_PARAMETER_VALUE")
            )
    body: dict[str, Any] = {key: items[start : start + PAGE_SIZE]}
    if len(items) > start + PAGE_SIZE:
        body["next_page_token"] = base64.b64encode(
            orjson.dumps({"index": start + PAGE_SIZE})
        ).decode()
    return _json(body)


async def _list_endpoints(request: Request) -> Response:
    endpoints = [describe_endpoint(t.config) for t in _router(request).endpoints.values()]
    return _page(request, endpoints, "endpoints")


async def _legacy_routes(request: Request) -> Response:
    routes = []
    for target in _router(request).endpoints.values():
        described = describe_endpoint(target.config)
        routes.append(
            {
                "name": described["name"],
                "route_type": described["endpoint_type"],
                "model": described["model"],
                "route_url": described["endpoint_url"],
                "limit": described["limit"],
            }
        )
    return _page(request, routes, "routes")


def _missing(kind: str, name: str) -> Response:
    return _error(
        GatewayError(
            404,
            f"The {kind} '{name}' is not present or active on the server. Please verify the "
            f"{kind} name.",
            "RESOURCE_DOES_NOT_EXIST",
        )
    )


async def _get_endpoint(request: Request) -> Response:
    name = request.path_params["name"]
    target = _router(request).endpoints.get(name)
    return _json(describe_endpoint(target.config)) if target else _missing("endpoint", name)


async def _legacy_route(request: Request) -> Response:
    name = request.path_params["name"]
    target = _router(request).endpoints.get(name)
    if target is None:
        return _missing("route", name)
    described = describe_endpoint(target.config)
    return _json(
        {
            "name": name,
            "route_type": described["endpoint_type"],
            "model": described["model"],
            "route_url": described["endpoint_url"],
            "limit": described["limit"],
        }
    )


async def _get_route(request: Request) -> Response:
    name = request.path_params["name"]
    route = _router(request).routes.get(name)
    return _json(describe_route(route)) if route else _missing("route", name)


async def _limits(request: Request) -> Response:
    return _error(GatewayError(501, "The limits API is not available yet."))


async def _models(request: Request) -> Response:
    router = _router(request)
    names = [*router.endpoints, *router.routes]
    return _json(
        {
            "object": "list",
            "data": [
                {"id": n, "object": "model", "created": 0, "owned_by": "mlharbor-gateway"}
                for n in names
            ],
        }
    )


async def _metrics(request: Request) -> Response:
    metrics: GatewayMetrics = request.app.state.metrics
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)


def _validate(payload: Any, endpoint_type: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise GatewayError(
            422, "The request body must be a JSON object.", "INVALID_PARAMETER_VALUE"
        )
    if endpoint_type == "llm/v1/chat":
        messages = payload.get("messages")
        if (
            not isinstance(messages, list)
            or not messages
            or not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages)
        ):
            raise GatewayError(
                422,
                "'messages' must be a non-empty list of messages with a 'role'.",
                "INVALID_PARAMETER_VALUE",
            )
    elif endpoint_type == "llm/v1/completions":
        if not isinstance(payload.get("prompt"), str):
            raise GatewayError(422, "'prompt' must be a string.", "INVALID_PARAMETER_VALUE")
    else:
        given = payload.get("input")
        if not isinstance(given, str | list) or not given:
            raise GatewayError(
                422, "'input' must be a string or a non-empty list.", "INVALID_PARAMETER_VALUE"
            )
    if payload.get("stream") and endpoint_type == "llm/v1/embeddings":
        raise GatewayError(422, "Embeddings cannot be streamed.", "INVALID_PARAMETER_VALUE")
    return payload


async def _read_json(request: Request) -> Any:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise GatewayError(413, f"The request body exceeds {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise GatewayError(400, "The request body is not valid JSON.", "BAD_REQUEST") from None


async def _answer(request: Request, name: str, payload: dict[str, Any]) -> Response:
    router = _router(request)
    client = request.client.host if request.client else "unknown"
    with request_span(router.config.tracing, name, router.endpoint_type(name), payload) as span:
        if payload.get("stream"):
            stream = await router.stream(name, payload, client)
            return StreamingResponse(traced_stream(span, _sse(router, stream)), media_type=_SSE)
        answer = await router.invoke(name, payload, client)
        record_answer(span, answer.body)
    body = answer.body
    if payload.get("encoding_format") == "base64":
        body = _base64_embeddings(body)
    return _json(body)


async def _invocations(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        endpoint_type = _router(request).endpoint_type(name)
        payload = _validate(await _read_json(request), endpoint_type)
        return await _answer(request, name, payload)
    except GatewayError as exc:
        return _error(exc)


def _openai(endpoint_type: str) -> Any:
    kind = _OPENAI_PATHS[endpoint_type]

    async def handler(request: Request) -> Response:
        try:
            payload = await _read_json(request)
            name = payload.get("model") if isinstance(payload, dict) else None
            if not isinstance(name, str):
                raise GatewayError(
                    422, "'model' must name a gateway endpoint.", "INVALID_PARAMETER_VALUE"
                )
            if _router(request).endpoint_type(name) != endpoint_type:
                raise GatewayError(
                    400, f"Endpoint {name!r} is not {kind} endpoint.", "INVALID_PARAMETER_VALUE"
                )
            return await _answer(request, name, _validate(payload, endpoint_type))
        except GatewayError as exc:
            return _error(exc)

    return handler


def _base64_embeddings(body: dict[str, Any]) -> dict[str, Any]:
    data = []
    for item in body.get("data", []):
        vector = item.get("embedding")
        if isinstance(vector, list):
            packed = struct.pack(f"<{len(vector)}f", *vector)
            item = {**item, "embedding": base64.b64encode(packed).decode()}
        data.append(item)
    return {**body, "data": data}


async def _sse(router: Router, stream: Stream) -> AsyncIterator[bytes]:
    usage: Mapping[str, Any] | None = stream.first.get("usage")
    try:
        yield b"data: " + orjson.dumps(stream.first) + b"\n\n"
        while True:
            try:
                async with asyncio.timeout(stream.timeout_s):
                    chunk = await anext(stream.rest)
            except StopAsyncIteration:
                break
            usage = chunk.get("usage") or usage
            yield b"data: " + orjson.dumps(chunk) + b"\n\n"
    except Exception as exc:  # headers are sent: the error can only travel as an event
        message = exc.message if isinstance(exc, GatewayError) else type(exc).__name__
        if isinstance(exc, TimeoutError):
            message = "The provider timed out while streaming."
        _log.warning("stream of endpoint %s failed: %s", stream.endpoint, message)
        error = {"error": {"message": redact(message, router.secrets), "type": type(exc).__name__}}
        yield b"data: " + orjson.dumps(error) + b"\n\n"
    finally:
        router.metrics.count_usage(stream.endpoint, stream.provider, usage)
        with contextlib.suppress(Exception):
            await stream.rest.aclose()  # type: ignore[attr-defined]
    yield b"data: [DONE]\n\n"


def create_app(
    config: GatewayConfig,
    config_path: str | Path | None = None,
    *,
    reload_interval_s: float = 1.0,
) -> Starlette:
    """The gateway app serving ``config``; with ``config_path`` it reloads that file on change."""
    metrics = GatewayMetrics()
    upstream = Upstream()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        watcher = None
        if config_path is not None:
            watcher = ConfigWatcher(app, Path(config_path), upstream, reload_interval_s)
            watcher.start()
        try:
            yield
        finally:
            if watcher is not None:
                await watcher.stop()
            await app.state.router.aclose()
            await upstream.aclose()

    routes = [
        Route("/health", _health),
        Route("/api/2.0/endpoints/", _list_endpoints),
        Route("/api/2.0/endpoints/limits/{name}", _limits),
        Route("/api/2.0/endpoints/limits/", _limits, methods=["POST"]),
        Route("/api/2.0/endpoints/{name}", _get_endpoint),
        Route("/api/2.0/gateway/routes/", _legacy_routes),
        Route("/api/2.0/gateway/routes/{name}", _legacy_route),
        Route("/api/2.0/gateway/limits/{name}", _limits),
        Route("/api/2.0/gateway/limits/", _limits, methods=["POST"]),
        Route("/api/3.0/gateway/endpoint/{name}", _get_endpoint),
        Route("/api/3.0/gateway/route/{name}", _get_route),
        Route("/endpoints/{name}/invocations", _invocations, methods=["POST"]),
        Route("/gateway/{name}/invocations", _invocations, methods=["POST"]),
        Route("/v1/chat/completions", _openai("llm/v1/chat"), methods=["POST"]),
        Route("/v1/completions", _openai("llm/v1/completions"), methods=["POST"]),
        Route("/v1/embeddings", _openai("llm/v1/embeddings"), methods=["POST"]),
        Route("/v1/models", _models),
        Route("/metrics", _metrics),
    ]
    app = Starlette(
        routes=routes, lifespan=lifespan, exception_handlers={Exception: _internal_error}
    )
    app.state.metrics = metrics
    app.state.upstream = upstream
    app.state.router = Router(config, upstream, metrics)
    return app


def create_app_from_path(path: str | Path, *, reload_interval_s: float = 1.0) -> Starlette:
    """Load ``path`` (raises ConfigError when invalid) and serve it, reloading on change."""
    return create_app(load_config(path), path, reload_interval_s=reload_interval_s)
