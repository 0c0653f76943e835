"""HTTP Basic authentication for the gateway, against the tracking server's user database.

``mlharbor gateway start --app-name basic-auth`` reads the same settings as
``mlharbor server --app-name basic-auth`` (``MLFLOW_AUTH_CONFIG_PATH``, ``database_uri``, the
admin bootstrap), so one set of users signs in to both. Every path but ``/health`` needs valid
credentials; any signed-in user may query every endpoint.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from mlharbor.server.auth.store import AuthStore

__all__ = ["APP_NAMES", "BasicAuthGate", "basic_auth"]

APP_NAMES = ("basic-auth",)
_OPEN_PATHS = frozenset({"/health"})


def _basic_credentials(scope: Scope) -> tuple[str, str] | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "basic":
                return None
            try:
                decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            username, sep, password = decoded.partition(":")
            return (username, password) if sep else None
    return None


class BasicAuthGate:
    """Answers 401 (MLflow's body and ``WWW-Authenticate``) unless the credentials are valid."""

    def __init__(self, app: ASGIApp, store: AuthStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        credentials = _basic_credentials(scope)
        user = None
        if credentials is not None:
            # password hashing is deliberately slow: keep it off the event loop
            user = await anyio.to_thread.run_sync(self.store.authenticate, *credentials)
        if user is None:
            from mlharbor.server.auth.middleware import unauthenticated

            await unauthenticated()(scope, receive, send)
            return
        await self.app(scope, receive, send)


def basic_auth(app: ASGIApp, app_name: str) -> BasicAuthGate:
    """``app`` behind the server app ``app_name``; opens the user database (creating the admin
    on first start).

    Raises:
        InvalidParameterValue: unknown app name or bad auth settings.
    """
    from mlharbor.exceptions import InvalidParameterValue
    from mlharbor.server.auth import bootstrap_admin
    from mlharbor.server.auth.config import read_auth_config
    from mlharbor.server.auth.store import AuthStore

    if app_name not in APP_NAMES:
        raise InvalidParameterValue(
            f"Unknown app name '{app_name}'. Available apps: {', '.join(APP_NAMES)}"
        )
    config = read_auth_config()
    store = AuthStore(
        config.database_uri, config.auth_cache_ttl_seconds, config.auth_cache_max_size
    )
    bootstrap_admin(store, config)
    return BasicAuthGate(app, store)
