"""The AI gateway: one endpoint in front of LLM providers and served models.

``mlharbor gateway start --config-path config.yaml`` serves MLflow's gateway protocol (read by
``mlharbor.deployments.get_deploy_client`` and ``mlflow.deployments``) and OpenAI's ``/v1`` API.
"""

from __future__ import annotations

from mlharbor.gateway.config import GatewayConfig, load_config, parse_config
from mlharbor.gateway.errors import ConfigError, GatewayError

__all__ = [
    "ConfigError",
    "GatewayConfig",
    "GatewayError",
    "create_app",
    "create_app_from_path",
    "load_config",
    "parse_config",
]


def __getattr__(name: str) -> object:
    # the app pulls in Starlette and aiohttp; load it only when asked for
    if name in ("create_app", "create_app_from_path"):
        from mlharbor.gateway import app

        return getattr(app, name)
    raise AttributeError(name)
