"""The ``MLFLOW_*`` environment variables mlharbor honours, with MLflow's ``.get()`` API.

Each variable parses as MLflow parses it: ``"5"`` becomes ``5`` for integers, booleans accept
``true``/``false``/``1``/``0`` in any case, and an unset variable gives its default (MLflow's
default, of MLflow's type). Where mlharbor also reads an ``MLHARBOR_*`` twin, the value here is
still the ``MLFLOW_*`` one, so code written for MLflow sees what it expects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


class _EnvironmentVariable:
    """One environment variable: its name, the type its value converts to, and its default."""

    def __init__(self, name: str, type_: type, default: Any) -> None:
        if type_ is bool and not isinstance(self, _BooleanEnvironmentVariable):
            raise ValueError("Use _BooleanEnvironmentVariable for boolean variables")
        self.name = name
        self.type = type_
        self.default = default

    @property
    def defined(self) -> bool:
        return self.name in os.environ

    def is_set(self) -> bool:
        return self.name in os.environ

    def get_raw(self) -> str | None:
        return os.environ.get(self.name)

    def set(self, value: Any) -> None:
        os.environ[self.name] = str(value)

    def unset(self) -> None:
        os.environ.pop(self.name, None)

    def get(self) -> Any:
        """The value converted to the variable's type, or the default when unset.

        Raises:
            ValueError: the value does not convert.
        """
        raw = self.get_raw()
        if raw is None:
            return self.default
        try:
            return self.type(raw)
        except Exception as error:
            raise ValueError(f"Failed to convert {raw!r} for {self.name}: {error}") from error

    def __str__(self) -> str:
        return f"{self.name} (default: {self.default})"

    def __repr__(self) -> str:
        return repr(self.name)

    def __format__(self, format_spec: str) -> str:
        return self.name.__format__(format_spec)


class _BooleanEnvironmentVariable(_EnvironmentVariable):
    """A boolean variable: ``true``/``1`` or ``false``/``0``, case-insensitive."""

    def __init__(self, name: str, default: bool | None) -> None:
        if not (default is True or default is False or default is None):
            raise ValueError(f"{name} default value must be one of [True, False, None]")
        super().__init__(name, bool, default)

    def get(self) -> bool | None:
        """The parsed boolean, or the default when unset.

        Raises:
            ValueError: the value is not one of true, false, 1, 0.
        """
        raw = self.get_raw()
        if raw is None:
            return self.default  # type: ignore[no-any-return]
        lowered = raw.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ValueError(
                f"{self.name} value must be one of ['true', 'false', '1', '0'] "
                f"(case-insensitive), but got {raw}"
            )
        return lowered in ("true", "1")


def _str(name: str, default: str | None = None) -> _EnvironmentVariable:
    return _EnvironmentVariable(name, str, default)


# tracking and registry
MLFLOW_TRACKING_URI = _str("MLFLOW_TRACKING_URI")
MLFLOW_REGISTRY_URI = _str("MLFLOW_REGISTRY_URI")
MLFLOW_EXPERIMENT_ID = _str("MLFLOW_EXPERIMENT_ID")
MLFLOW_EXPERIMENT_NAME = _str("MLFLOW_EXPERIMENT_NAME")
MLFLOW_RUN_ID = _str("MLFLOW_RUN_ID")
MLFLOW_RUN_CONTEXT = _str("MLFLOW_RUN_CONTEXT")
MLFLOW_TRACKING_USERNAME = _str("MLFLOW_TRACKING_USERNAME")
MLFLOW_TRACKING_PASSWORD = _str("MLFLOW_TRACKING_PASSWORD")
MLFLOW_TRACKING_TOKEN = _str("MLFLOW_TRACKING_TOKEN")
MLFLOW_TRACKING_INSECURE_TLS = _BooleanEnvironmentVariable("MLFLOW_TRACKING_INSECURE_TLS", False)
MLFLOW_TRACKING_SERVER_CERT_PATH = _str("MLFLOW_TRACKING_SERVER_CERT_PATH")
MLFLOW_TRACKING_CLIENT_CERT_PATH = _str("MLFLOW_TRACKING_CLIENT_CERT_PATH")
MLFLOW_ENABLE_ASYNC_LOGGING = _BooleanEnvironmentVariable("MLFLOW_ENABLE_ASYNC_LOGGING", False)
MLFLOW_TRUNCATE_LONG_VALUES = _BooleanEnvironmentVariable("MLFLOW_TRUNCATE_LONG_VALUES", True)
MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH = _EnvironmentVariable(
    "MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH", int, 2048
)

# HTTP client
MLFLOW_HTTP_REQUEST_MAX_RETRIES = _EnvironmentVariable("MLFLOW_HTTP_REQUEST_MAX_RETRIES", int, 7)
MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR = _EnvironmentVariable(
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", int, 2
)
MLFLOW_HTTP_REQUEST_BACKOFF_JITTER = _EnvironmentVariable(
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", float, 1.0
)
MLFLOW_HTTP_REQUEST_TIMEOUT = _EnvironmentVariable("MLFLOW_HTTP_REQUEST_TIMEOUT", int, 120)
MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER = _BooleanEnvironmentVariable(
    "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", True
)
MLFLOW_ALLOW_HTTP_REDIRECTS = _BooleanEnvironmentVariable("MLFLOW_ALLOW_HTTP_REDIRECTS", True)

# artifact stores
MLFLOW_S3_ENDPOINT_URL = _str("MLFLOW_S3_ENDPOINT_URL")
MLFLOW_S3_IGNORE_TLS = _BooleanEnvironmentVariable("MLFLOW_S3_IGNORE_TLS", False)
MLFLOW_S3_UPLOAD_EXTRA_ARGS = _str("MLFLOW_S3_UPLOAD_EXTRA_ARGS")
MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE = _EnvironmentVariable(
    "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", int, 10 * 1024 * 1024
)
MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE = _EnvironmentVariable(
    "MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", int, 500 * 1024 * 1024
)

# server, auth and serving
MLFLOW_SERVER_ALLOWED_HOSTS = _str("MLFLOW_SERVER_ALLOWED_HOSTS")
MLFLOW_AUTH_CONFIG_PATH = _str("MLFLOW_AUTH_CONFIG_PATH")
MLFLOW_AUTH_ADMIN_USERNAME = _str("MLFLOW_AUTH_ADMIN_USERNAME")
MLFLOW_AUTH_ADMIN_PASSWORD = _str("MLFLOW_AUTH_ADMIN_PASSWORD")
MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT = _EnvironmentVariable(
    "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT", int, 60
)
MLFLOW_DEFAULT_PREDICTION_DEVICE = _str("MLFLOW_DEFAULT_PREDICTION_DEVICE")

# environments
MLFLOW_CONDA_HOME = _str("MLFLOW_CONDA_HOME")
MLFLOW_ENV_ROOT = _str("MLFLOW_ENV_ROOT", str(Path.home().joinpath(".mlflow", "envs")))

# system metrics
MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING = _BooleanEnvironmentVariable(
    "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", False
)
MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = _EnvironmentVariable(
    "MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", float, None
)
MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING = _EnvironmentVariable(
    "MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", int, None
)
MLFLOW_SYSTEM_METRICS_NODE_ID = _str("MLFLOW_SYSTEM_METRICS_NODE_ID")


# read by mlharbor though MLflow 3.17.2's module no longer defines them: MLflow 2's recipes, and
# command-line options MLflow's CLI takes from the environment
MLFLOW_RECIPES_PROFILE = _str("MLFLOW_RECIPES_PROFILE")
MLFLOW_RECIPES_ROOT = _str("MLFLOW_RECIPES_ROOT")
MLFLOW_RECIPES_EXECUTION_DIRECTORY = _str("MLFLOW_RECIPES_EXECUTION_DIRECTORY")
MLFLOW_BACKEND_STORE_URI = _str("MLFLOW_BACKEND_STORE_URI")
MLFLOW_TMP_DIR = _str("MLFLOW_TMP_DIR")

NOT_IN_MLFLOW_MODULE = frozenset(
    {
        "MLFLOW_RECIPES_PROFILE",
        "MLFLOW_RECIPES_ROOT",
        "MLFLOW_RECIPES_EXECUTION_DIRECTORY",
        "MLFLOW_BACKEND_STORE_URI",
        "MLFLOW_TMP_DIR",
    }
)


def honoured() -> list[_EnvironmentVariable]:
    """Every variable defined here, sorted by name (``mlharbor doctor`` prints those set)."""
    found = [value for value in globals().values() if isinstance(value, _EnvironmentVariable)]
    return sorted(found, key=lambda variable: variable.name)
