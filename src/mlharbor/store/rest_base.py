"""What both REST stores share: the server's credentials and one JSON call per endpoint."""

from __future__ import annotations

from typing import Any

from mlharbor.utils.http import HostCreds, call_endpoint

__all__ = ["API_PREFIX", "RestStoreBase"]

API_PREFIX = "/api/2.0/mlflow/"


class RestStoreBase:
    """Holds the server's :class:`HostCreds` and calls its MLflow REST endpoints.

    Args:
        host_creds_or_uri: the server's :class:`HostCreds`, or its URI (credentials are then
            read from the environment).
    """

    def __init__(self, host_creds_or_uri: HostCreds | str) -> None:
        if isinstance(host_creds_or_uri, str):
            host_creds_or_uri = HostCreds.from_env(host_creds_or_uri)
        self.host_creds = host_creds_or_uri

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.host_creds.host!r})"

    def _call(
        self, endpoint: str, method: str = "POST", body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The JSON reply of ``endpoint`` (relative to ``/api/2.0/mlflow/``).

        Raises:
            RestException: the server's error, with its ``error_code``.
        """
        return call_endpoint(self.host_creds, API_PREFIX + endpoint, method, body)
