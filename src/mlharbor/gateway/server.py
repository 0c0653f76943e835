"""Running the gateway under uvicorn, as ``mlharbor gateway start`` does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from mlharbor.exceptions import InvalidParameterValue

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["ENV_CONFIG", "create_app_from_env", "start"]

# MLflow's variable, so `MLFLOW_GATEWAY_CONFIG=... mlharbor gateway start` works as it does there
ENV_CONFIG = "MLFLOW_GATEWAY_CONFIG"
ENV_RELOAD_INTERVAL = "MLHARBOR_GATEWAY_RELOAD_INTERVAL"


def create_app_from_env() -> Starlette:
    """The app for ``$MLFLOW_GATEWAY_CONFIG`` (each uvicorn worker builds its own)."""
    from mlharbor.gateway.app import create_app_from_path

    path = os.environ.get(ENV_CONFIG)
    if not path:
        raise InvalidParameterValue(
            f"Environment variable {ENV_CONFIG!r} is not set. Set it to the path of the gateway "
            "configuration file."
        )
    interval = float(os.environ.get(ENV_RELOAD_INTERVAL, "1.0"))
    return create_app_from_path(path, reload_interval_s=interval)


def start(
    config_path: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    workers: int = 1,
    reload_interval_s: float = 1.0,
) -> None:
    """Serve the gateway until interrupted; every worker reloads the file in process.

    Raises:
        InvalidParameterValue: no configuration path, or fewer than 1 worker.
        ConfigError: the configuration is invalid (checked before any worker starts).
    """
    import uvicorn

    from mlharbor.gateway.config import load_config

    path = config_path or os.environ.get(ENV_CONFIG)
    if not path:
        raise InvalidParameterValue(
            f"Give --config-path or set {ENV_CONFIG} to the gateway configuration file."
        )
    if workers < 1:
        raise InvalidParameterValue(f"workers must be at least 1, got {workers}")
    load_config(path)
    os.environ[ENV_CONFIG] = str(Path(path).resolve())
    os.environ[ENV_RELOAD_INTERVAL] = str(reload_interval_s)
    if workers == 1:
        uvicorn.run(create_app_from_env(), host=host, port=port, log_level="info", access_log=False)
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
