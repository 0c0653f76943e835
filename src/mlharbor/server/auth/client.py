"""The client of a server started with ``--app-name basic-auth``: users and per-user grants,
the calls of MLflow's ``AuthServiceClient`` that this server answers.

Get one with ``mlharbor.server.get_app_client("basic-auth", tracking_uri=...)``. Credentials
come from ``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD`` at each call, as for the
tracking client. Server errors raise :class:`~mlharbor.exceptions.RestException` with MLflow's
error codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlharbor.utils.http import call_endpoint, current_host_creds

__all__ = ["AuthServiceClient", "User", "UserPermission"]

_USERS = "/api/2.0/mlflow/users"
_GRANTS = "/api/3.0/mlflow/users/permissions"


@dataclass(frozen=True)
class User:
    """A user as the server describes it."""

    id: int
    username: str
    is_admin: bool

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> User:
        return cls(int(body.get("id", 0)), str(body["username"]), bool(body.get("is_admin")))


@dataclass(frozen=True)
class UserPermission:
    """A user's effective permission on one resource, and whether it allows using it."""

    permission: str
    allowed: bool


class AuthServiceClient:
    """Users and grants of one basic-auth server.

    Args:
        tracking_uri: the server's address.
    """

    def __init__(self, tracking_uri: str) -> None:
        self.tracking_uri = tracking_uri

    def _call(self, path: str, method: str, body: dict[str, Any]) -> dict[str, Any]:
        return call_endpoint(current_host_creds(self.tracking_uri), path, method, body)

    def create_user(self, username: str, password: str) -> User:
        reply = self._call(f"{_USERS}/create", "POST", {"username": username, "password": password})
        return User.from_json(reply["user"])

    def get_user(self, username: str) -> User:
        return User.from_json(self._call(f"{_USERS}/get", "GET", {"username": username})["user"])

    def update_user_password(self, username: str, password: str) -> None:
        body = {"username": username, "password": password}
        self._call(f"{_USERS}/update-password", "PATCH", body)

    def update_user_admin(self, username: str, is_admin: bool) -> None:
        self._call(f"{_USERS}/update-admin", "PATCH", {"username": username, "is_admin": is_admin})

    def delete_user(self, username: str) -> None:
        self._call(f"{_USERS}/delete", "DELETE", {"username": username})

    def grant_user_permission(
        self, username: str, resource_type: str, resource_id: str, permission: str
    ) -> None:
        """Give ``username`` ``permission`` (READ, EDIT, MANAGE, NO_PERMISSIONS) on an
        ``experiment`` (by id) or ``registered_model`` (by name)."""
        body = {
            "username": username,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "permission": permission,
        }
        self._call(f"{_GRANTS}/grant", "POST", body)

    def revoke_user_permission(self, username: str, resource_type: str, resource_id: str) -> None:
        body = {"username": username, "resource_type": resource_type, "resource_id": resource_id}
        self._call(f"{_GRANTS}/revoke", "POST", body)

    def get_user_permission(
        self, username: str, resource_type: str, resource_id: str
    ) -> UserPermission:
        body = {"username": username, "resource_type": resource_type, "resource_id": resource_id}
        reply = self._call(f"{_GRANTS}/get", "GET", body)
        return UserPermission(str(reply.get("permission", "")), bool(reply.get("allowed")))
