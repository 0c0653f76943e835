"""Running the gateway under uvicorn, as ``mlharbor gateway start`` does."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from mlharbor.exceptions import InvalidParameterValue

if TYPE_CHECKING:
    from starlette.types import ASGIApp

__all__ = ["ENV_CONFIG", "create_app_from_env", "start"]

# MLflow's variable, so `MLFLOW_GATEWAY_CONFIG=... mlharbor gateway start` works as it does there
ENV_CONFIG = "MLFLOW_GATEWAY_CONFIG"
ENV_RELOAD_INTERVAL = "MLHARBOR_GATEWAY_RELOAD_INTERVAL"
ENV_APP_NAME = "MLHARBOR_GATEWAY_APP_NAME"


def _log_to_stderr() -> None:
    """Show the gateway's reload and failover lines beside uvicorn's own."""
    logger = logging.getLogger("mlharbor.gateway")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     [gateway] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def create_app_from_env() -> ASGIApp:
    """The app for ``$MLFLOW_GATEWAY_CONFIG`` (each uvicorn worker builds its own), behind
    ``$MLHARBOR_GATEWAY_APP_NAME`` when set."""
    from mlharbor.gateway.app import create_app_from_path

    path = os.environ.get(ENV_CONFIG)
    if not path:
        raise InvalidParameterValue(
            f"Environment variable {ENV_CONFIG!r} is not set. Set it to the path of the gateway "
            "configuration file."
        )
    _log_to_stderr()
    interval = float(os.environ.get(ENV_RELOAD_INTERVAL, "1.0"))
    app = create_app_from_path(path, reload_interval_s=interval)
    app_name = os.environ.get(ENV_APP_NAME)
    if app_name:
        from mlharbor.gateway.auth import basic_auth

        return basic_auth(app, app_name)
    return app


def start(
    config_path: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    workers: int = 1,
    reload_interval_s: float = 1.0,
    app_name: str | None = None,
) -> None:
    """Serve the gateway until interrupted; every worker reloads the file in process.

    With ``app_name`` (``basic-auth``) every request but ``/health`` needs the credentials of
    a user of the tracking server's auth database (see :mod:`mlharbor.gateway.auth`).

    Raises:
        InvalidParameterValue: no configuration path, fewer than 1 worker, or bad auth settings.
        ConfigError: the configuration is invalid (checked before any worker starts).
    """
    import uvicorn

    path = config_path or os.environ.get(ENV_CONFIG)
    if not path:
        raise InvalidParameterValue(
            f"Give --config-path or set {ENV_CONFIG} to the gateway configuration file."
        )
    if workers < 1:
        raise InvalidParameterValue(f"workers must be at least 1, got {workers}")
    os.environ[ENV_CONFIG] = str(Path(path).resolve())
    os.environ[ENV_RELOAD_INTERVAL] = str(reload_interval_s)
    if app_name:
        os.environ[ENV_APP_NAME] = app_name
    # built here first, so bad auth settings stop the command before any worker starts
    app = create_app_from_env()
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
        return
    uvicorn.run(
        "mlharbor.gateway.server:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )
