"""``mlharbor server --app-name basic-auth``: users, HTTP Basic authentication and
per-resource permissions, compatible with MLflow's basic-auth app and its clients.

Modules: :mod:`.config` (the ini file), :mod:`.passwords` (hashes), :mod:`.permissions`
(levels), :mod:`.store` (users and grants), :mod:`.rules` (what each tracking endpoint needs),
:mod:`.routes` (the auth REST endpoints and sign-up page) and :mod:`.middleware` (the ASGI
wrapper). Nothing here is imported unless the server is started with an app name.

Semantics follow MLflow's classic per-user model: an explicit grant on an experiment or
registered model wins, otherwise ``default_permission`` applies; admins may do everything.
Where this differs from MLflow 3.17.2:

* No roles or workspaces (``mlflow/roles/*``, ``users/permissions/list``); the per-user
  ``users/permissions/{grant,revoke,get}`` endpoints accept ``experiment`` and
  ``registered_model`` only, and the levels are READ, EDIT, MANAGE and NO_PERMISSIONS.
* An explicit grant below the default (e.g. READ, or NO_PERMISSIONS, with a default of EDIT)
  restricts the user; MLflow 3.17.2 never lets a positive grant fall below the default.
* Search results are filtered page by page: a page may hold fewer than ``max_results`` rows,
  its ``next_page_token`` still leads on; MLflow refetches to fill the page.
* ``/signup`` and its form post are for admins only.
* Proxied artifact paths that lead into no experiment's directory (the destination's root, a
  folder not named by an experiment id) are refused to non-admins; MLflow applies the default
  permission there.
* Creating a model version also needs READ on the experiment owning a source in the server's
  artifact storage, besides the source run, logged model or ``models:/`` version.
* The 401 and 403 bodies are MLflow's JSON error shape (``UNAUTHENTICATED``,
  ``PERMISSION_DENIED``), which MLflow's client turns into exceptions with those codes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mlharbor.exceptions import InvalidParameterValue, ResourceAlreadyExists

if TYPE_CHECKING:
    from mlharbor.server.app import HarborApp
    from mlharbor.server.auth.config import AuthConfig
    from mlharbor.server.auth.middleware import BasicAuthApp
    from mlharbor.server.auth.store import AuthStore

__all__ = ["APP_NAMES", "bootstrap_admin", "wrap_app"]

APP_NAMES = ("basic-auth",)

log = logging.getLogger("mlharbor.server.auth")


def bootstrap_admin(store: AuthStore, config: AuthConfig) -> None:
    """Create the configured admin user unless it exists.

    Raises:
        InvalidParameterValue: no admin username, or the admin does not exist and no (valid)
            password is configured (``admin_password`` or ``MLFLOW_AUTH_ADMIN_PASSWORD``).
    """
    username = config.admin_username
    if not username:
        raise InvalidParameterValue(
            "The basic-auth app needs an admin username: set admin_username in the file named "
            "by MLFLOW_AUTH_CONFIG_PATH, or MLFLOW_AUTH_ADMIN_USERNAME."
        )
    if store.has_user(username):
        return
    if not config.admin_password:
        raise InvalidParameterValue(
            f"The basic-auth app needs a password to create the admin user '{username}': set "
            "admin_password in the file named by MLFLOW_AUTH_CONFIG_PATH, or "
            "MLFLOW_AUTH_ADMIN_PASSWORD."
        )
    try:
        store.create_user(username, config.admin_password, is_admin=True)
    except ResourceAlreadyExists:
        # Another worker created it first.
        return
    log.info("Created admin user '%s'.", username)


def wrap_app(app: HarborApp, app_name: str, static_prefix: str = "") -> BasicAuthApp:
    """``app`` behind the server app called ``app_name``.

    Reads the auth configuration, opens (creating if needed) the auth database and creates the
    admin user on first start.

    Raises:
        InvalidParameterValue: unknown app name, or a bad configuration.
    """
    if app_name not in APP_NAMES:
        raise InvalidParameterValue(
            f"Unknown app name '{app_name}'. Available apps: {', '.join(APP_NAMES)}"
        )
    from mlharbor.server.auth.config import read_auth_config
    from mlharbor.server.auth.middleware import BasicAuthApp
    from mlharbor.server.auth.store import AuthStore

    config = read_auth_config()
    store = AuthStore(
        config.database_uri, config.auth_cache_ttl_seconds, config.auth_cache_max_size
    )
    bootstrap_admin(store, config)
    return BasicAuthApp(app, config, store, static_prefix)
