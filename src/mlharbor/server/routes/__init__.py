"""The one route table of the server.

Every resource module (``experiments``, ``runs``, ``metrics``, ``artifacts``,
``logged_models``, ``misc``, and the registry's ``registered_models`` and ``model_versions``)
owns a :class:`Routes` collector named ``routes`` and declares its endpoints on it::

    routes = Routes()

    @routes.json("POST", "mlflow/runs/delete", Field("run_id", required=True))
    def delete_run(ctx: ServerContext, p: Params) -> None:
        ctx.store.delete_run(p["run_id"])

Entry format (:class:`Route`):

* ``method``: one HTTP method.
* ``path``: for ``mount="api"`` a path below the API version, e.g. ``mlflow/runs/create`` or
  ``mlflow/logged-models/{model_id}``; it is served under ``/api/<v>/`` and ``/ajax-api/<v>/``
  for each version in ``versions`` (default ``("2.0",)``). For ``mount="root"`` an absolute
  path such as ``/health``. ``{name}`` matches one segment, ``{name:path}`` the rest of the
  path (already percent-decoded).
* JSON routes (``raw=False``): ``request`` is the :class:`~mlharbor.server.params.RequestSpec`
  validated before the handler; path parameters are merged into the request first. The handler
  ``(ctx, params) -> dict | None`` runs in a worker thread; its result is the JSON body
  (``None`` means ``{}``). A handler may instead return a ``Response`` (a JSON body streamed
  as it is encoded), which is sent as it is.
* Raw routes (``raw=True``): ``async (ctx, request) -> Response`` on the event loop, for streams
  and non-JSON answers; path parameters are in ``request.path_params``.

:func:`all_routes` gathers every module's entries; the application builds its router from them
and a test checks that every endpoint of the specification has one.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mlharbor.server.params import Field, Params, RequestSpec

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from mlharbor.server.context import ServerContext

__all__ = ["API_PREFIXES", "ROUTE_MODULES", "Route", "Routes", "all_routes", "expand_paths"]

JsonDict = dict[str, Any]
JsonHandler = Callable[["ServerContext", Params], "JsonDict | Response | None"]
RawHandler = Callable[["ServerContext", "Request"], Awaitable["Response"]]
F = TypeVar("F", bound=Callable[..., Any])

API_PREFIXES = ("/api", "/ajax-api")

ROUTE_MODULES = (
    "experiments",
    "runs",
    "metrics",
    "artifacts",
    "logged_models",
    "misc",
    "registered_models",
    "model_versions",
    "sweeps",
    "housekeeping",
    "traces",
    "otlp",
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Callable[..., Any]
    request: RequestSpec | None = None
    raw: bool = False
    versions: tuple[str, ...] = ("2.0",)
    mount: Literal["api", "root"] = "api"


def expand_paths(route: Route, static_prefix: str = "") -> list[str]:
    """Every concrete URL path template ``route`` is served under."""
    prefix = static_prefix.rstrip("/")
    if route.mount == "root":
        return [prefix + route.path]
    return [
        f"{prefix}{api}/{version}/{route.path}"
        for api in API_PREFIXES
        for version in route.versions
    ]


class Routes:
    """The route entries of one resource module, declared with decorators."""

    def __init__(self) -> None:
        self.entries: list[Route] = []

    def json(
        self,
        method: str,
        path: str,
        *fields: Field,
        versions: tuple[str, ...] = ("2.0",),
        mount: Literal["api", "root"] = "api",
    ) -> Callable[[F], F]:
        """Declare a JSON endpoint whose request message has ``fields``."""

        def register(handler: F) -> F:
            self.entries.append(
                Route(method, path, handler, RequestSpec(fields), False, versions, mount)
            )
            return handler

        return register

    def raw(
        self,
        method: str,
        path: str,
        *,
        versions: tuple[str, ...] = ("2.0",),
        mount: Literal["api", "root"] = "api",
    ) -> Callable[[F], F]:
        """Declare an endpoint that reads the request and builds the response itself."""

        def register(handler: F) -> F:
            self.entries.append(Route(method, path, handler, None, True, versions, mount))
            return handler

        return register

    def __iter__(self) -> Iterator[Route]:
        return iter(self.entries)


def all_routes() -> list[Route]:
    """The entries of every route module present in this installation."""
    collected: list[Route] = []
    for name in ROUTE_MODULES:
        module_name = f"{__name__}.{name}"
        # The registry modules are optional parts of the package.
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        collected.extend(module.routes)
    return collected
