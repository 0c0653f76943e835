"""The tracking server: MLflow's REST API, the artifact proxy and service routes over ASGI.

Build the application with :func:`create_app`; run it with ``mlharbor server``. Clients of a
server app (``--app-name``) come from :func:`get_app_client`.
"""

from __future__ import annotations

from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.app import create_app

__all__ = ["create_app", "get_app_client"]


def get_app_client(app_name: str, *args: Any, **kwargs: Any) -> Any:
    """The client of the server app ``app_name``, as ``mlflow.server.get_app_client``.

    ``get_app_client("basic-auth", tracking_uri=...)`` returns an
    :class:`~mlharbor.server.auth.client.AuthServiceClient`.

    Raises:
        InvalidParameterValue: no app of that name.
    """
    if app_name == "basic-auth":
        from mlharbor.server.auth.client import AuthServiceClient

        return AuthServiceClient(*args, **kwargs)
    raise InvalidParameterValue(
        f"Failed to find client for '{app_name}'. Available clients: ['basic-auth']"
    )
