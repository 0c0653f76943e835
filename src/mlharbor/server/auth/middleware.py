"""The ASGI wrapper that puts HTTP Basic authentication and permission checks in front of the
tracking server, following the before/after request handling of MLflow's basic-auth app.

For each request: public routes (health, static files, server info) pass straight through;
everything else needs valid Basic credentials (else 401 with ``WWW-Authenticate``). The auth
app's own endpoints are answered here. Other requests are matched with the tracking server's
own router, their parameters parsed once (:mod:`mlharbor.server.request`; the server then
reads the same parsed values from the ASGI scope), and the route's
:class:`~mlharbor.server.auth.rules.Rule` applied: admins skip the checks, others get 403
``PERMISSION_DENIED`` when the check fails. Rules with an ``after`` step see the server's
response before it is sent.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mlharbor.exceptions import (
    MlharborException,
    PermissionDenied,
)
from mlharbor.server.app import HarborApp, Message, Receive, Router, Scope, Send, header
from mlharbor.server.auth.config import AuthConfig
from mlharbor.server.auth.routes import AuthService
from mlharbor.server.auth.routes import routes as auth_routes
from mlharbor.server.auth.rules import RULES, Authorizer, Call, Rule, run_checks
from mlharbor.server.auth.store import AuthStore, User
from mlharbor.server.errors import (
    error_response,
    unexpected_error_response,
    with_security_headers,
)
from mlharbor.server.request import parsed_params, set_params
from mlharbor.server.routes import Route

__all__ = ["BasicAuthApp"]

log = logging.getLogger("mlharbor.server.auth")

T = TypeVar("T")

# Routes answered without credentials, as in MLflow: liveness, the UI's static assets (no
# tenant data) and the server-info capability document.
PUBLIC_ROUTES = {
    ("GET", "/health"),
    ("GET", "/static-files/{name:path}"),
    ("GET", "mlflow/server-info"),
}


def _credentials(scope: Scope) -> tuple[str, str] | None:
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def unauthenticated() -> Response:
    body = {
        "error_code": "UNAUTHENTICATED",
        "message": "You are not authenticated. Please provide a username and password with "
        "HTTP Basic authentication.",
    }
    return Response(
        orjson.dumps(body),
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": 'Basic realm="mlflow"'},
    )


def _json(body: dict[str, Any] | None) -> Response:
    return Response(orjson.dumps(body or {}), media_type="application/json")


class _EarlyResponseError(Exception):
    """A response to send instead of running the request."""

    def __init__(self, response: Response) -> None:
        self.response = response


class BasicAuthApp:
    """The tracking server ``app`` behind HTTP Basic authentication and MLflow's permissions.

    Args:
        app: the tracking server application.
        config: settings read from the auth ini.
        store: users and grants.
        static_prefix: the server's ``--static-prefix`` (for the auth app's own routes).
    """

    def __init__(
        self, app: HarborApp, config: AuthConfig, store: AuthStore, static_prefix: str = ""
    ) -> None:
        self.app = app
        self.config = config
        self.store = store
        self.authorizer = Authorizer(store, config, app.context)
        self.service = AuthService(store, self.authorizer)
        self.auth_router = Router(list(auth_routes), static_prefix)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.app.executor, fn, *args)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # Answers sent from here (401, 403, the auth endpoints) carry them too; the
            # server adds its own, so its answers pass through the unwrapped ``send``.
            await self._dispatch(scope, receive, send, with_security_headers(send))
            return
        await self.app(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, own: Send) -> None:
        if scope["method"] == "OPTIONS":
            # Lifespan events, and CORS preflights, which browsers send without credentials.
            await self.app(scope, receive, send)
            return
        matched = self.app.router.match(scope["method"], scope["path"])
        target = matched if isinstance(matched, tuple) else None
        if target is not None and (target[0].method, target[0].path) in PUBLIC_ROUTES:
            await self.app(scope, receive, send)
            return
        try:
            await self._handle(scope, receive, send, own, target)
        except _EarlyResponseError as refused:
            await refused.response(scope, receive, own)

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        own_send: Send,
        target: tuple[Route, dict[str, str]] | None,
    ) -> None:
        credentials = _credentials(scope)
        user = await self._run(self.store.authenticate, *credentials) if credentials else None
        if user is None:
            raise _EarlyResponseError(unauthenticated())
        auth_route = self.auth_router.match(scope["method"], scope["path"])
        if isinstance(auth_route, tuple):
            # Browsers resend Basic credentials on their own, so a page of another site must
            # not be able to create users or grant permissions through the admin's browser.
            response = self.app.refuse_foreign(scope) or await self._answer(
                auth_route[0], auth_route[1], user, scope, receive
            )
            await response(scope, receive, own_send)
            return
        if target is None:
            # Unknown path or method: the server answers its usual 404 / 405.
            await self.app(scope, receive, send)
            return
        route, path_params = target
        rule = RULES.get((route.method, route.path))
        if rule is None:
            if not user.is_admin:
                raise _EarlyResponseError(error_response(PermissionDenied("Permission denied")))
            await self.app(scope, receive, send)
            return
        if user.is_admin and rule.after is None:
            await self.app(scope, receive, send)
            return
        await self._authorized(rule, route, path_params, user, scope, receive, send)

    async def _authorized(
        self,
        rule: Rule,
        route: Route,
        path_params: dict[str, str],
        user: User,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        try:
            parsed = await parsed_params(route, scope, receive, path_params)
            headers = {
                bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1")
                for k, v in scope["headers"]
            }
            call = Call(user, parsed.params, parsed.body, headers)
            if not user.is_admin:
                if rule.check is not None and not await self._run(
                    run_checks, self.authorizer, rule.check, call
                ):
                    raise PermissionDenied("Permission denied")
                if rule.narrow is not None:
                    replacement = await self._run(rule.narrow, self.authorizer, call)
                    if replacement is not None:
                        raise _EarlyResponseError(_json(replacement))
                    if call.body is not None:
                        set_params(route, scope, call.body)
        except MlharborException as exc:
            raise _EarlyResponseError(error_response(exc)) from exc
        except _EarlyResponseError:
            raise
        except Exception as exc:
            # A failing check must refuse the request, never let it through or drop the
            # connection without an answer.
            raise _EarlyResponseError(unexpected_error_response(exc)) from exc
        # The server reads the parameters parsed above from ``scope``, never the body again.
        if rule.after is None:
            await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, self._after(rule, call, send))

    async def _answer(
        self, route: Route, path_params: dict[str, str], user: User, scope: Scope, receive: Receive
    ) -> Response:
        """Run one of the auth app's own endpoints."""
        scope["path_params"] = path_params
        try:
            params = (await parsed_params(route, scope, receive, path_params)).params
            if route.raw:
                response: Response = await route.handler(
                    self.service, user, Request(scope, receive)
                )
                return response
            return _json(await self._run(route.handler, self.service, user, params))
        except MlharborException as exc:
            return error_response(exc)
        except Exception as exc:
            return unexpected_error_response(exc)

    def _after(self, rule: Rule, call: Call, send: Send) -> Send:
        """A ``send`` that holds the response back until ``rule.after`` has seen it."""
        assert rule.after is not None
        after = rule.after
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            status = int(start.get("status", 500))
            headers = list(start.get("headers", []))
            if 200 <= status < 300:
                try:
                    body = await self._transform(after, call, body)
                except Exception as exc:
                    # Never send what a filter was meant to withhold.
                    failed = unexpected_error_response(exc)
                    status, body = failed.status_code, bytes(failed.body)
                    headers = [(b"content-type", b"application/json")]
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        return capture

    async def _transform(self, after: Any, call: Call, body: bytes) -> bytes:
        decoded = orjson.loads(body) if body.strip() else {}
        if not isinstance(decoded, dict):
            return body
        replaced = await self._run(after, self.authorizer, call, decoded)
        return body if replaced is None else orjson.dumps(replaced)
