"""The auth app's settings, read from the same ini file MLflow's basic-auth app uses.

``MLFLOW_AUTH_CONFIG_PATH`` names the file; its ``[mlflow]`` section may set
``default_permission``, ``database_uri``, ``admin_username``, ``admin_password`` and
``authorization_function``. Missing keys take MLflow's defaults. The admin credentials may also
come from ``MLFLOW_AUTH_ADMIN_USERNAME`` / ``MLFLOW_AUTH_ADMIN_PASSWORD``, which win over the
file when set.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.auth.permissions import get_permission

__all__ = ["DEFAULT_AUTHORIZATION_FUNCTION", "AuthConfig", "read_auth_config"]

CONFIG_PATH_ENV = "MLFLOW_AUTH_CONFIG_PATH"
ADMIN_USERNAME_ENV = "MLFLOW_AUTH_ADMIN_USERNAME"
ADMIN_PASSWORD_ENV = "MLFLOW_AUTH_ADMIN_PASSWORD"
# The value MLflow's ini carries; it names MLflow's own function, which here means HTTP Basic.
DEFAULT_AUTHORIZATION_FUNCTION = "mlflow.server.auth:authenticate_request_basic_auth"
_BASIC_AUTH_FUNCTIONS = {
    DEFAULT_AUTHORIZATION_FUNCTION,
    "mlharbor.server.auth:authenticate_request_basic_auth",
}


@dataclass(frozen=True)
class AuthConfig:
    """Settings of the basic-auth app.

    Attributes:
        default_permission: permission of a user on a resource without an explicit grant.
        database_uri: where users and grants are kept (``sqlite:///basic_auth.db`` by default,
            relative to the server's working directory).
        admin_username: the admin user created on first start.
        admin_password: its password; required only while that user does not exist yet.
        authorization_function: kept for compatibility with MLflow's ini; only HTTP Basic
            authentication is implemented.
        auth_cache_ttl_seconds: how long a successful credential check is remembered in this
            process (``0``, the default, disables it). Password, admin and deletion changes
            made through this process take effect at once; made elsewhere (another worker,
            another server on the same database), after at most this long.
        auth_cache_max_size: the most credentials remembered.
    """

    default_permission: str = "READ"
    database_uri: str = "sqlite:///basic_auth.db"
    admin_username: str | None = "admin"
    admin_password: str | None = None
    authorization_function: str = DEFAULT_AUTHORIZATION_FUNCTION
    auth_cache_ttl_seconds: int = 0
    auth_cache_max_size: int = 10000


def read_auth_config(path: str | None = None) -> AuthConfig:
    """Read the settings from ``path`` (default: ``$MLFLOW_AUTH_CONFIG_PATH``, else defaults).

    Raises:
        InvalidParameterValue: the file does not exist, names an unknown permission, or asks
            for an authorization function other than HTTP Basic.
    """
    path = path or os.environ.get(CONFIG_PATH_ENV) or None
    section: dict[str, str] = {}
    if path is not None:
        parser = configparser.ConfigParser()
        if not parser.read(path):
            raise InvalidParameterValue(f"Auth configuration file '{path}' cannot be read.")
        if parser.has_section("mlflow"):
            section = dict(parser["mlflow"])
    defaults = AuthConfig()
    admin_username = _env_or(ADMIN_USERNAME_ENV, section.get("admin_username"))
    if ADMIN_USERNAME_ENV not in os.environ and "admin_username" not in section:
        admin_username = defaults.admin_username
    config = AuthConfig(
        default_permission=section.get("default_permission", defaults.default_permission),
        database_uri=section.get("database_uri", defaults.database_uri),
        admin_username=admin_username,
        admin_password=_env_or(ADMIN_PASSWORD_ENV, section.get("admin_password")),
        authorization_function=section.get(
            "authorization_function", defaults.authorization_function
        ),
        auth_cache_ttl_seconds=_int(section, "auth_cache_ttl_seconds", 0),
        auth_cache_max_size=_int(section, "auth_cache_max_size", defaults.auth_cache_max_size),
    )
    get_permission(config.default_permission)
    if config.authorization_function not in _BASIC_AUTH_FUNCTIONS:
        raise InvalidParameterValue(
            f"Unsupported authorization_function '{config.authorization_function}': only "
            f"HTTP Basic authentication ({DEFAULT_AUTHORIZATION_FUNCTION}) is available."
        )
    return config


def _int(section: dict[str, str], key: str, default: int) -> int:
    try:
        value = int(section.get(key, default))
    except ValueError:
        value = -1
    if value < 0:
        raise InvalidParameterValue(f"{key} must be a non-negative integer.")
    return value


def _env_or(name: str, fallback: str | None) -> str | None:
    # A variable that is set wins even when empty, so an empty injected secret is reported as
    # missing instead of silently falling back to the file.
    value = os.environ.get(name, fallback)
    return value or None
