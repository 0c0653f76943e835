"""The auth app's own endpoints, with MLflow's paths, request fields and response shapes.

Users: ``mlflow/users/{create,get,current,list,update-password,update-admin,delete}``.
Grants: ``mlflow/experiments/permissions/{create,get,update,delete}`` and
``mlflow/registered-models/permissions/{create,get,update,delete}``, plus the per-user
``mlflow/users/permissions/{grant,revoke,get}`` (API version 3.0) that MLflow 3's
``AuthServiceClient`` calls. ``/signup`` shows a form that posts to ``mlflow/users/create-ui``.

Each handler first checks who may call it, as MLflow does: user administration is for admins
(a user may read and change their own account), grants for users who may MANAGE the resource.
"""

from __future__ import annotations

import html
import urllib.parse
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mlharbor.exceptions import (
    BadRequest,
    InvalidParameterValue,
    PermissionDenied,
    ResourceAlreadyExists,
)
from mlharbor.server.auth.permissions import get_permission
from mlharbor.server.auth.rules import Authorizer
from mlharbor.server.auth.store import AuthStore, ResourceKind, User
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import Routes

__all__ = ["AuthService", "routes"]

routes = Routes()

_V3 = ("3.0",)
_USERNAME = Field("username", required=True)
_PASSWORD = Field("password", required=True)
_PERMISSION = Field("permission", required=True)
_EXPERIMENT_ID = Field("experiment_id", required=True)
_NAME = Field("name", required=True)
_RESOURCE_TYPE = Field("resource_type", required=True)
_RESOURCE_ID = Field("resource_id", required=True)
_RESOURCE_KINDS: tuple[ResourceKind, ...] = ("experiment", "registered_model")


@dataclass(frozen=True)
class AuthService:
    """What the auth endpoints share: the user store and the permission resolver."""

    store: AuthStore
    authorizer: Authorizer


def _denied() -> PermissionDenied:
    return PermissionDenied("Permission denied")


def _require_admin(sender: User) -> None:
    if not sender.is_admin:
        raise _denied()


def _require_self_or_admin(sender: User, username: str) -> None:
    if not (sender.is_admin or sender.username == username):
        raise _denied()


def _require_manage(svc: AuthService, sender: User, kind: ResourceKind, resource_id: str) -> None:
    if not svc.authorizer.can(sender, kind, resource_id, "manage"):
        raise _denied()


# ---- users ----


@routes.json("POST", "mlflow/users/create", _USERNAME, _PASSWORD)
def create_user(svc: AuthService, sender: User, p: Params) -> dict[str, Any]:
    _require_admin(sender)
    return {"user": svc.store.create_user(p["username"], p["password"]).to_json()}


@routes.json("GET", "mlflow/users/get", _USERNAME)
def get_user(svc: AuthService, sender: User, p: Params) -> dict[str, Any]:
    _require_self_or_admin(sender, p["username"])
    return {"user": svc.store.get_user(p["username"]).to_json()}


@routes.json("GET", "mlflow/users/current")
def get_current_user(svc: AuthService, sender: User, p: Params) -> dict[str, Any]:
    return {"user": svc.store.get_user(sender.username).to_json(), "is_basic_auth": True}


@routes.json("GET", "mlflow/users/list")
def list_users(svc: AuthService, sender: User, p: Params) -> dict[str, Any]:
    return {"users": [{**user.to_json(), "roles": []} for user in svc.store.list_users()]}


@routes.json(
    "PATCH", "mlflow/users/update-password", _USERNAME, _PASSWORD, Field("current_password")
)
def update_user_password(svc: AuthService, sender: User, p: Params) -> None:
    _require_self_or_admin(sender, p["username"])
    if sender.username == p["username"]:
        # Changing one's own password needs the current one, so a borrowed session (or a
        # browser that remembers the credentials) cannot take the account over.
        current = p["current_password"]
        if not current:
            raise InvalidParameterValue(
                "Current password is required when changing your own password."
            )
        if svc.store.authenticate(sender.username, current) is None:
            raise InvalidParameterValue("Current password does not match.")
        if current == p["password"]:
            raise InvalidParameterValue("New password must differ from the current password.")
    svc.store.update_user(p["username"], password=p["password"])


@routes.json("PATCH", "mlflow/users/update-admin", _USERNAME, Field("is_admin", Kind.BOOL))
def update_user_admin(svc: AuthService, sender: User, p: Params) -> None:
    _require_admin(sender)
    if p["is_admin"] is None:
        raise InvalidParameterValue(
            "Missing value for required parameter 'is_admin'. See the API docs for more "
            "information about request parameters."
        )
    svc.store.update_user(p["username"], is_admin=p["is_admin"])


@routes.json("DELETE", "mlflow/users/delete", _USERNAME)
def delete_user(svc: AuthService, sender: User, p: Params) -> None:
    _require_admin(sender)
    if p["username"] == sender.username:
        raise BadRequest(
            "Users cannot delete their own account. Ask another admin to delete this user instead."
        )
    svc.store.delete_user(p["username"])


# ---- grants on one resource ----


def _grant_routes(kind: ResourceKind, base: str, key: Field, reply: str) -> None:
    def resource(p: Params) -> str:
        return str(p[key.name])

    def create(svc: AuthService, sender: User, p: Params) -> dict[str, Any]:
        _require_manage(svc, sender, kind, resource(p))
        grant = svc.store.create_grant(kind, resource(p), p["username"], p["permission"])
        return {reply: grant.to_json()}

    def get(svc: AuthService, sender: User, p: Params) -> dict[str, Any]:
        _require_manage(svc, sender, kind, resource(p))
        return {reply: svc.store.get_grant(kind, resource(p), p["username"]).to_json()}

    def update(svc: AuthService, sender: User, p: Params) -> None:
        _require_manage(svc, sender, kind, resource(p))
        svc.store.update_grant(kind, resource(p), p["username"], p["permission"])

    def delete(svc: AuthService, sender: User, p: Params) -> None:
        _require_manage(svc, sender, kind, resource(p))
        svc.store.delete_grant(kind, resource(p), p["username"])

    routes.json("POST", f"{base}/create", key, _USERNAME, _PERMISSION)(create)
    routes.json("GET", f"{base}/get", key, _USERNAME)(get)
    routes.json("PATCH", f"{base}/update", key, _USERNAME, _PERMISSION)(update)
    routes.json("DELETE", f"{base}/delete", key, _USERNAME)(delete)


_grant_routes(
    "experiment", "mlflow/experiments/permissions", _EXPERIMENT_ID, "experiment_permission"
)
_grant_routes(
    "registered_model",
    "mlflow/registered-models/permissions",
    _NAME,
    "registered_model_permission",
)


# ---- per-user grants (MLflow 3 client) ----


def _resource_kind(p: Params) -> ResourceKind:
    value = p["resource_type"]
    for kind in _RESOURCE_KINDS:
        if value == kind:
            return kind
    raise InvalidParameterValue(
        f"Invalid resource type '{value}'. Valid resource types are: {_RESOURCE_KINDS}"
    )


@routes.json(
    "POST",
    "mlflow/users/permissions/grant",
    _USERNAME,
    _RESOURCE_TYPE,
    _RESOURCE_ID,
    _PERMISSION,
    versions=_V3,
)
def grant_user_permission(svc: AuthService, sender: User, p: Params) -> None:
    kind = _resource_kind(p)
    get_permission(p["permission"])
    _require_manage(svc, sender, kind, p["resource_id"])
    svc.store.create_grant(kind, p["resource_id"], p["username"], p["permission"])


@routes.json(
    "POST",
    "mlflow/users/permissions/revoke",
    _USERNAME,
    _RESOURCE_TYPE,
    _RESOURCE_ID,
    versions=_V3,
)
def revoke_user_permission(svc: AuthService, sender: User, p: Params) -> None:
    kind = _resource_kind(p)
    _require_manage(svc, sender, kind, p["resource_id"])
    svc.store.delete_grant(kind, p["resource_id"], p["username"])


@routes.json(
    "GET",
    "mlflow/users/permissions/get",
    _USERNAME,
    _RESOURCE_TYPE,
    _RESOURCE_ID,
    versions=_V3,
)
def get_user_permission(svc: AuthService, sender: User, p: Params) -> dict[str, Any]:
    kind = _resource_kind(p)
    _require_self_or_admin(sender, p["username"])
    user = svc.store.get_user(p["username"])
    permission = svc.authorizer.permission(user, kind, p["resource_id"])
    # MLflow's ``allowed`` means "may use the resource", which READ alone does not give.
    return {"allowed": permission.can_update, "permission": permission.name}


# ---- sign-up page ----

_SIGNUP_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign up</title>
<style>
body {{ font-family: sans-serif; }}
form {{ max-width: 360px; margin: 4em auto; display: grid; gap: 0.5em; }}
</style></head>
<body>
<form action="{action}" method="post">
  <h1>Create a user</h1>
  <label for="username">Username</label>
  <input type="text" id="username" name="username" required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" minlength="12" required>
  <input type="submit" value="Sign up">
</form>
</body>
</html>
"""

_MESSAGE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign up</title></head>
<body><p>{message}</p><p><a href="{href}">Continue</a></p></body></html>
"""


def _page(message: str, href: str, status: int = 200) -> Response:
    body = _MESSAGE_PAGE.format(message=html.escape(message), href=html.escape(href))
    return HTMLResponse(body, status_code=status)


@routes.raw("GET", "/signup", mount="root")
async def signup(svc: AuthService, sender: User, request: Request) -> Response:
    _require_admin(sender)
    prefix = request.url.path[: -len("/signup")]
    action = f"{prefix}/api/2.0/mlflow/users/create-ui"
    return HTMLResponse(_SIGNUP_PAGE.format(action=html.escape(action)))


@routes.raw("POST", "mlflow/users/create-ui")
async def create_user_ui(svc: AuthService, sender: User, request: Request) -> Response:
    _require_admin(sender)
    prefix = request.url.path.split("/api/")[0]
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/x-www-form-urlencoded":
        raise InvalidParameterValue(
            "Invalid content type. Must be application/x-www-form-urlencoded"
        )
    raw = await request.body()
    form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    username = (form.get("username") or [""])[0]
    password = (form.get("password") or [""])[0]
    if not username or not password:
        return _page("Username and password cannot be empty.", f"{prefix}/signup", 400)
    try:
        await anyio.to_thread.run_sync(svc.store.create_user, username, password)
    except (InvalidParameterValue, ResourceAlreadyExists) as exc:
        return _page(exc.message, f"{prefix}/signup", 400)
    return _page(f"Successfully signed up user: {username}", f"{prefix}/")
