"""What both REST stores share: the server's credentials and one JSON call per endpoint."""

from __future__ import annotations

from typing import Any

from mlharbor.utils.http import HostCreds, call_endpoint, current_host_creds

__all__ = ["API_PREFIX", "RestStoreBase"]

API_PREFIX = "/api/2.0/mlflow/"


class RestStoreBase:
    """Holds the server's :class:`HostCreds` and calls its MLflow REST endpoints.

    Args:
        host_creds_or_uri: the server's :class:`HostCreds`, or its URI: credentials are then
            read from the environment at each call, as MLflow's client does.
    """

    def __init__(self, host_creds_or_uri: HostCreds | str) -> None:
        self._fixed = host_creds_or_uri if isinstance(host_creds_or_uri, HostCreds) else None
        self._uri = host_creds_or_uri if isinstance(host_creds_or_uri, str) else None

    @property
    def host_creds(self) -> HostCreds:
        """The credentials the next call uses."""
        if self._fixed is not None:
            return self._fixed
        assert self._uri is not None
        return current_host_creds(self._uri)

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
