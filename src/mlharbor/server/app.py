"""The ASGI application: one router built from the route table, one error exit.

:func:`create_app` opens the tracking store and returns a plain ASGI callable. Requests are
matched by exact path first (a dict lookup), then by the few templates with path parameters.
JSON endpoints have their body or query validated against the endpoint's declared shape, then
run in a worker thread so blocking store calls never stall the event loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from mlharbor.exceptions import (
    MlharborException,
    PermissionDenied,
)
from mlharbor.server.context import ServerContext, served_local_roots
from mlharbor.server.errors import (
    error_response,
    method_not_allowed,
    not_found,
    unexpected_error_response,
    with_security_headers,
)
from mlharbor.server.hosts import HostPolicy
from mlharbor.server.request import (
    BODY_METHODS,
    MAX_JSON_BODY_BYTES,
    header,
    parsed_params,
    read_body,
    read_json_body,
)
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
        await response(scope, receive, with_security_headers(send))

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
                return error_response(
                    PermissionDenied("Invalid Host header: possible DNS rebinding attempt")
                )
            if scope["method"] in BODY_METHODS and not self.hosts.allows_origin(
                header(scope, b"origin"), host
            ):
                return error_response(PermissionDenied("Cross-origin request refused"))
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
                # Refuses repeated parameters before a raw endpoint reads the query itself.
                await parsed_params(route, scope, receive, path_params)
                response: Response = await route.handler(self.context, Request(scope, receive))
                return response
            params = (await parsed_params(route, scope, receive, path_params)).params
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self.executor, route.handler, self.context, params)
            if isinstance(result, Response):  # a handler streaming its JSON answer
                return result
            return Response(
                orjson.dumps(result if result is not None else {}),
                media_type="application/json",
            )
        except MlharborException as exc:
            return error_response(exc)
        except Exception as exc:
            return unexpected_error_response(exc)


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
