"""The ASGI application: one router built from the route table, one error exit.

:func:`create_app` opens the tracking store and returns a plain ASGI callable. Requests are
matched by exact path first (a dict lookup), then by the few templates with path parameters.
JSON endpoints have their body or query validated against the endpoint's declared shape, then
run in a worker thread so blocking store calls never stall the event loop.
"""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from mlharbor.exceptions import BadRequest, InvalidParameterValue, MlharborException
from mlharbor.server.context import ServerContext, served_local_roots
from mlharbor.server.errors import (
    error_response,
    method_not_allowed,
    not_found,
    unexpected_error_response,
)
from mlharbor.server.hosts import HostPolicy
from mlharbor.server.routes import Route, all_routes, expand_paths
from mlharbor.server.ui import routes as ui_routes
from mlharbor.server.ui.csrf import check_cross_site

__all__ = [
    "MAX_JSON_BODY_BYTES",
    "ASGIApp",
    "HarborApp",
    "Router",
    "create_app",
    "create_app_from_env",
    "header",
    "read_body",
    "read_json_body",
    "with_app_name",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_JSON_BODY_BYTES = 16 * 1024 * 1024
_BODY_METHODS = {"POST", "PATCH", "DELETE", "PUT"}
_PARAM = re.compile(r"\{(\w+)(:path)?\}")


def _compile(template: str) -> re.Pattern[str]:
    pattern, last = "", 0
    for match in _PARAM.finditer(template):
        pattern += re.escape(template[last : match.start()])
        body = ".+" if match.group(2) else "[^/]+"
        pattern += f"(?P<{match.group(1)}>{body})"
        last = match.end()
    return re.compile(pattern + re.escape(template[last:]) + "$")


class Router:
    """Maps ``(method, path)`` to a route and its path parameters."""

    def __init__(self, routes: list[Route], static_prefix: str = "") -> None:
        self.exact: dict[str, dict[str, Route]] = {}
        templates: dict[str, dict[str, Route]] = {}
        for route in routes:
            for path in expand_paths(route, static_prefix):
                table = templates if "{" in path else self.exact
                methods = table.setdefault(path, {})
                if route.method in methods:
                    raise ValueError(f"two handlers for {route.method} {path}")
                methods[route.method] = route
        self.templates = [(_compile(path), methods) for path, methods in templates.items()]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | list[str] | None:
        """The route and path parameters; the allowed methods when only the method is wrong;
        ``None`` when no route has this path."""
        allowed: list[str] = []
        candidates: list[tuple[dict[str, Route], dict[str, str]]] = []
        exact = self.exact.get(path)
        if exact is not None:
            if method in exact:
                return exact[method], {}
            candidates.append((exact, {}))
        for pattern, methods in self.templates:
            found = pattern.match(path)
            if found is not None:
                candidates.append((methods, found.groupdict()))
        for methods, params in candidates:
            route = methods.get(method) or (methods.get("GET") if method == "HEAD" else None)
            if route is not None:
                return route, params
            allowed.extend(methods)
        return allowed or None


def _query_lists(query_string: bytes) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(query_string.decode("latin-1"), keep_blank_values=True)


def _is_json_content_type(value: str | None) -> bool:
    return value is not None and value.split(";")[0].strip().lower() == "application/json"


def header(scope: Scope, name: bytes) -> str | None:
    """The value of request header ``name`` (lower-case bytes), or None."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def read_json_body(scope: Scope, receive: Receive) -> tuple[bytes, dict[str, Any]]:
    """The raw body and its JSON object; POST and PUT must say ``application/json``.

    Raises:
        InvalidParameterValue: for another content type, in MLflow's wording.
        BadRequest: for a body beyond :data:`MAX_JSON_BODY_BYTES`.
    """
    if scope["method"] in ("POST", "PUT") and not _is_json_content_type(
        header(scope, b"content-type")
    ):
        raise InvalidParameterValue("Bad Request. Content-Type must be one of ['application/json']")
    raw = await read_body(scope, receive)
    body: Any = {}
    if raw.strip():
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # MLflow parses an unreadable body as an empty message.
            body = {}
    return raw, body if isinstance(body, dict) else {}


async def read_body(scope: Scope, receive: Receive) -> bytes:
    """The request body, refused with 400 beyond :data:`MAX_JSON_BODY_BYTES`."""
    declared = header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_JSON_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_JSON_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _too_large() -> BadRequest:
    return BadRequest(f"Request body exceeds the limit of {MAX_JSON_BODY_BYTES} bytes.")


class HarborApp:
    """The ASGI callable serving one :class:`ServerContext`."""

    def __init__(
        self,
        context: ServerContext,
        router: Router,
        hosts: HostPolicy | None = None,
        store_threads: int = 16,
    ) -> None:
        self.context = context
        self.router = router
        self.hosts = hosts
        # A plain executor hands work to threads faster than anyio's generic worker pool, which
        # matters for small, frequent writes such as log-metric.
        self.executor = ThreadPoolExecutor(store_threads, thread_name_prefix="mlharbor-store")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        response = await self.handle(scope, receive)
        await response(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.executor.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def refuse_foreign(self, scope: Scope) -> Response | None:
        """The 403 for a request from a host or origin this server does not answer, else
        ``None``. Wrappers that answer requests themselves apply it too."""
        if self.hosts is not None:
            host = header(scope, b"host")
            if not self.hosts.allows(host):
                return PlainTextResponse(
                    "Invalid Host header: possible DNS rebinding attempt", status_code=403
                )
            if scope["method"] in _BODY_METHODS and not self.hosts.allows_origin(
                header(scope, b"origin"), host
            ):
                return PlainTextResponse("Cross-origin request refused", status_code=403)
        try:
            check_cross_site(scope["method"], scope["path"], scope["headers"])
        except MlharborException as exc:
            return error_response(exc)
        return None

    async def handle(self, scope: Scope, receive: Receive) -> Response:
        """Route one request and turn every outcome into a response."""
        refused = self.refuse_foreign(scope)
        if refused is not None:
            return refused
        try:
            matched = self.router.match(scope["method"], scope["path"])
            if matched is None:
                return not_found()
            if isinstance(matched, list):
                if scope["method"] == "OPTIONS":
                    # CORS preflights of the web UI get a plain OK, as from MLflow's server.
                    return PlainTextResponse("OK")
                return method_not_allowed(matched)
            route, path_params = matched
            scope["path_params"] = path_params
            if route.raw:
                response: Response = await route.handler(self.context, Request(scope, receive))
                return response
            params = await self._params(route, scope, receive, path_params)
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self.executor, route.handler, self.context, params)
            return Response(
                orjson.dumps(result if result is not None else {}),
                media_type="application/json",
            )
        except MlharborException as exc:
            return error_response(exc)
        except Exception as exc:
            return unexpected_error_response(exc)

    @staticmethod
    async def _params(
        route: Route, scope: Scope, receive: Receive, path_params: dict[str, str]
    ) -> Any:
        assert route.request is not None
        method = scope["method"]
        if method not in _BODY_METHODS:
            query = _query_lists(scope.get("query_string", b""))
            query.update({k: [v] for k, v in path_params.items()})
            return route.request.parse_query(query)
        _raw, body = await read_json_body(scope, receive)
        body.update(path_params)
        return route.request.parse_json(body)


def create_app(
    backend_store_uri: str,
    default_artifact_root: str | None = None,
    artifacts_destination: str | None = None,
    serve_artifacts: bool = True,
    static_prefix: str = "",
    allowed_hosts: HostPolicy | None = None,
) -> HarborApp:
    """Build the tracking server application.

    Args:
        backend_store_uri: database URI of the tracking store (``sqlite:///…``,
            ``postgresql://…``).
        default_artifact_root: root of new experiments' artifact locations. ``None`` means
            ``mlflow-artifacts:`` when serving artifacts, else ``./mlruns``.
        artifacts_destination: where proxied artifacts are stored (local directory or
            ``s3://bucket/prefix``); default ``./mlartifacts``.
        serve_artifacts: serve ``/api/2.0/mlflow-artifacts/*``; without it those routes
            answer 503.
        static_prefix: a path prefix placed in front of every route.
        allowed_hosts: answer only requests whose ``Host`` this policy allows (see
            :mod:`mlharbor.server.hosts`); ``None`` answers every host.

    Returns:
        An ASGI application.
    """
    import os

    from mlharbor.server.artifact_access import ArtifactAccess, is_local_uri
    from mlharbor.store.tracking.factory import get_tracking_store
    from mlharbor.utils.paths import file_uri_to_local_path

    if default_artifact_root is None:
        default_artifact_root = (
            "mlflow-artifacts:" if serve_artifacts else os.path.abspath("mlruns")
        )
    elif is_local_uri(default_artifact_root):
        # Clients write below this root from their own directory: hand them an absolute one.
        default_artifact_root = os.path.abspath(file_uri_to_local_path(default_artifact_root))
    artifacts = None
    if serve_artifacts:
        destination = artifacts_destination or "mlartifacts"
        if "://" not in destination:
            destination = os.path.abspath(destination)
        artifacts = ArtifactAccess(destination)
    store = get_tracking_store(backend_store_uri, default_artifact_root)
    context = ServerContext(
        store=store,
        backend_store_uri=backend_store_uri,
        default_artifact_root=default_artifact_root,
        artifacts=artifacts,
        local_roots=served_local_roots(default_artifact_root, artifacts),
    )
    return HarborApp(context, Router([*all_routes(), *ui_routes], static_prefix), allowed_hosts)


def with_app_name(app: HarborApp, app_name: str | None, static_prefix: str = "") -> ASGIApp:
    """``app`` behind the server app called ``app_name`` (``basic-auth``: see
    :mod:`mlharbor.server.auth`); ``app`` itself when ``app_name`` is ``None``."""
    if app_name is None:
        return app
    from mlharbor.server.auth import wrap_app

    return wrap_app(app, app_name, static_prefix)


def create_app_from_env() -> ASGIApp:
    """Build the application from ``MLHARBOR_SERVER_*`` variables (set by ``mlharbor server``
    for its worker processes)."""
    import os

    env = os.environ
    static_prefix = env.get("MLHARBOR_SERVER_STATIC_PREFIX", "")
    app = create_app(
        env["MLHARBOR_SERVER_BACKEND_STORE_URI"],
        env.get("MLHARBOR_SERVER_DEFAULT_ARTIFACT_ROOT") or None,
        env.get("MLHARBOR_SERVER_ARTIFACTS_DESTINATION") or None,
        env.get("MLHARBOR_SERVER_SERVE_ARTIFACTS", "true") == "true",
        static_prefix,
        HostPolicy.from_option(
            env.get("MLHARBOR_SERVER_ALLOWED_HOSTS"), env.get("MLHARBOR_SERVER_HOST")
        ),
    )
    return with_app_name(app, env.get("MLHARBOR_SERVER_APP_NAME") or None, static_prefix)
