"""The gateway configuration file: endpoints, legacy traffic routes, limits and secrets.

The YAML schema is MLflow's::

    endpoints:
      - name: chat
        endpoint_type: llm/v1/chat          # | llm/v1/completions | llm/v1/embeddings
        model: {provider: openai, name: gpt-4o-mini, config: {openai_api_key: $OPENAI_API_KEY}}
        limit: {renewal_period: minute, calls: 10}
    routes:
      - name: ab
        task_type: llm/v1/chat
        destinations: [{name: chat, traffic_percentage: 80}, {name: other, traffic_percentage: 20}]
        routing_strategy: TRAFFIC_SPLIT     # mlharbor adds FAILOVER: destinations in order

mlharbor adds three optional endpoint keys: ``timeout_seconds`` (per provider call),
``max_retries`` and ``retry_backoff_seconds`` (429 and 5xx answers are retried with exponential
backoff). A string ``$NAME`` anywhere in ``model.config`` is read from the environment when the
file is loaded; such values, and every value of a key naming a key, token, secret or password,
are secrets: never listed, never logged and masked in error messages. An optional top-level
``tracing: {experiment: NAME, tracking_uri: URI}`` traces every request into experiment NAME
(created when missing) on the tracking server at URI (default: the tracking URI in effect).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlharbor.gateway.errors import ConfigError

__all__ = [
    "ENDPOINT_TYPES",
    "Destination",
    "EndpointConfig",
    "GatewayConfig",
    "Limit",
    "ModelConfig",
    "RouteConfig",
    "TracingConfig",
    "load_config",
    "parse_config",
]

ENDPOINT_TYPES = ("llm/v1/chat", "llm/v1/completions", "llm/v1/embeddings")
ROUTING_STRATEGIES = ("TRAFFIC_SPLIT", "FAILOVER")
_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_PERIOD = re.compile(r"\s*(\d+)?\s*(second|minute|hour|day|month|year)s?\s*", re.IGNORECASE)
_PERIOD_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}
_SECRET_KEY = re.compile(r"key|token|secret|password", re.IGNORECASE)
DEFAULT_TIMEOUT_S = float(os.environ.get("MLFLOW_GATEWAY_ROUTE_TIMEOUT_SECONDS", "300"))


@dataclass(frozen=True)
class ModelConfig:
    """One provider model: ``config`` holds resolved values, secrets included."""

    provider: str
    name: str | None
    config: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Limit:
    calls: int
    renewal_period: str
    key: str | None
    period_s: float

    def describe(self) -> str:
        """The limit as MLflow's rate limiter words it, e.g. ``2 per 1 minute``."""
        match = _PERIOD.fullmatch(self.renewal_period)
        count, unit = (match.group(1) or "1", match.group(2).lower()) if match else ("1", "?")
        return f"{self.calls} per {count} {unit}"

    def to_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "key": self.key, "renewal_period": self.renewal_period}


@dataclass(frozen=True)
class EndpointConfig:
    name: str
    endpoint_type: str
    model: ModelConfig
    limit: Limit | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_retries: int = 2
    backoff_s: float = 0.2


@dataclass(frozen=True)
class Destination:
    name: str
    traffic_percentage: int


@dataclass(frozen=True)
class RouteConfig:
    name: str
    task_type: str
    destinations: tuple[Destination, ...]
    routing_strategy: str = "TRAFFIC_SPLIT"


@dataclass(frozen=True)
class TracingConfig:
    """``tracing: {experiment: NAME, tracking_uri: URI}``: trace every request into NAME."""

    experiment: str
    tracking_uri: str | None = None


@dataclass(frozen=True)
class GatewayConfig:
    endpoints: tuple[EndpointConfig, ...]
    routes: tuple[RouteConfig, ...] = ()
    secrets: frozenset[str] = field(default=frozenset(), repr=False)
    tracing: TracingConfig | None = None


def load_config(path: str | os.PathLike[str]) -> GatewayConfig:
    """Read and validate the YAML file at ``path``.

    Raises:
        ConfigError: the file is missing, not YAML, or breaks the schema.
    """
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"Cannot read the gateway configuration {path}: {exc.strerror}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"The file at {path} is not a valid yaml file: {exc}") from None
    return parse_config(document)


def parse_config(document: Any) -> GatewayConfig:
    """Validate a parsed YAML document; see the module docstring for the schema."""
    if not isinstance(document, Mapping):
        raise ConfigError("The gateway configuration must be a mapping with an 'endpoints' list.")
    _only_keys(document, {"endpoints", "routes", "tracing"}, "the gateway configuration")
    secrets: set[str] = set()
    endpoints = tuple(
        _endpoint(raw, secrets) for raw in _list(document.get("endpoints"), "endpoints")
    )
    routes = tuple(_route(raw) for raw in _list(document.get("routes"), "routes"))
    names = [e.name for e in endpoints] + [r.name for r in routes]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"Duplicate endpoint / route names: {', '.join(duplicates)}.")
    by_name = {e.name: e for e in endpoints}
    for route in routes:
        _check_route(route, by_name)
    return GatewayConfig(
        endpoints=endpoints,
        routes=routes,
        secrets=frozenset(secrets),
        tracing=_tracing(document.get("tracing")),
    )


def _tracing(raw: Any) -> TracingConfig | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError("'tracing' must be a mapping: {experiment: NAME, tracking_uri: URI}.")
    _only_keys(raw, {"experiment", "tracking_uri"}, "'tracing'")
    experiment, uri = raw.get("experiment"), raw.get("tracking_uri")
    if not isinstance(experiment, str) or not experiment:
        raise ConfigError("'tracing.experiment' must name an experiment.")
    if uri is not None and not isinstance(uri, str):
        raise ConfigError("'tracing.tracking_uri' must be a string.")
    return TracingConfig(experiment, uri)


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"'{what}' must be a list.")
    return value


def _only_keys(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(f"Unknown key(s) {', '.join(map(repr, unknown))} in {where}.")


def _name(raw: Mapping[str, Any], what: str) -> str:
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            f"The {what} name {name!r} is invalid. Names may contain only letters, digits, "
            "'-', '_' and '.'."
        )
    return name


def _endpoint(raw: Any, secrets: set[str]) -> EndpointConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError("Each endpoint must be a mapping.")
    name = _name(raw, "endpoint")
    where = f"endpoint '{name}'"
    if "route_type" in raw:
        raise ConfigError(f"{where}: 'route_type' is not supported; use 'endpoint_type'.")
    _only_keys(
        raw,
        {
            "name",
            "endpoint_type",
            "model",
            "limit",
            "timeout_seconds",
            "max_retries",
            "retry_backoff_seconds",
        },
        where,
    )
    endpoint_type = raw.get("endpoint_type")
    if endpoint_type not in ENDPOINT_TYPES:
        raise ConfigError(f"{where}: the endpoint_type {endpoint_type!r} is not supported.")
    return EndpointConfig(
        name=name,
        endpoint_type=endpoint_type,
        model=_model(raw.get("model"), endpoint_type, where, secrets),
        limit=_limit(raw.get("limit"), where),
        timeout_s=_number(raw, "timeout_seconds", DEFAULT_TIMEOUT_S, where, minimum=0.001),
        max_retries=int(_number(raw, "max_retries", 2, where, minimum=0)),
        backoff_s=_number(raw, "retry_backoff_seconds", 0.2, where, minimum=0),
    )


def _number(
    raw: Mapping[str, Any], key: str, default: float, where: str, *, minimum: float
) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ConfigError(f"{where}: '{key}' must be a number >= {minimum}.")
    return float(value)


def _model(raw: Any, endpoint_type: str, where: str, secrets: set[str]) -> ModelConfig:
    from mlharbor.gateway.providers import provider_class

    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: 'model' must be a mapping with 'provider' and 'config'.")
    _only_keys(raw, {"provider", "name", "config"}, f"{where} model")
    provider = raw.get("provider")
    cls = provider_class(provider) if isinstance(provider, str) else None
    if cls is None:
        raise ConfigError(f"{where}: the provider {provider!r} is not supported.")
    if endpoint_type not in cls.endpoint_types:
        raise ConfigError(f"{where}: the provider {provider!r} does not serve {endpoint_type}.")
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"{where}: the model name must be a string.")
    config = raw.get("config")
    if not isinstance(config, Mapping):
        raise ConfigError(
            f"{where}: a config must be supplied when setting a provider ({provider!r})."
        )
    resolved = {key: _resolve(value, key, where, secrets) for key, value in config.items()}
    cls.validate_config(resolved, where)
    return ModelConfig(provider=cls.canonical_name(str(provider)), name=name, config=resolved)


def _resolve(value: Any, key: str, where: str, secrets: set[str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _resolve(v, str(k), where, secrets) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        variable = value[1:]
        resolved = os.environ.get(variable)
        if not resolved:
            raise ConfigError(f"{where}: environment variable {variable!r} is not set.")
        secrets.add(resolved)
        return resolved
    if isinstance(value, str) and _SECRET_KEY.search(key):
        secrets.add(value)
    return value


def _limit(raw: Any, where: str) -> Limit | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: 'limit' must be a mapping with 'calls' and 'renewal_period'.")
    _only_keys(raw, {"calls", "renewal_period", "key"}, f"{where} limit")
    calls, period = raw.get("calls"), raw.get("renewal_period")
    match = _PERIOD.fullmatch(period) if isinstance(period, str) else None
    if isinstance(calls, bool) or not isinstance(calls, int) or calls < 1 or match is None:
        raise ConfigError(
            f"{where}: failed to parse the rate limit configuration. Make sure limit.calls is a "
            "positive number and limit.renewal_period is a granularity such as 'minute'."
        )
    seconds = int(match.group(1) or 1) * _PERIOD_SECONDS[match.group(2).lower()]
    return Limit(calls=calls, renewal_period=str(period), key=raw.get("key"), period_s=seconds)


def _route(raw: Any) -> RouteConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError("Each route must be a mapping.")
    name = _name(raw, "route")
    where = f"route '{name}'"
    _only_keys(raw, {"name", "task_type", "destinations", "routing_strategy"}, where)
    task_type = raw.get("task_type")
    if task_type not in ENDPOINT_TYPES:
        raise ConfigError(f"{where}: the task_type {task_type!r} is not supported.")
    strategy = raw.get("routing_strategy", "TRAFFIC_SPLIT")
    if strategy not in ROUTING_STRATEGIES:
        raise ConfigError(f"{where}: routing_strategy must be one of {ROUTING_STRATEGIES}.")
    destinations = []
    for dest in _list(raw.get("destinations"), f"{where} destinations"):
        if not isinstance(dest, Mapping) or not isinstance(dest.get("name"), str):
            raise ConfigError(f"{where}: each destination needs a 'name'.")
        share = dest.get("traffic_percentage", 0 if strategy == "FAILOVER" else None)
        if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
            raise ConfigError(
                f"{where}: the route destination traffic percentage must be between 0 and 100."
            )
        destinations.append(Destination(name=dest["name"], traffic_percentage=share))
    if not destinations:
        raise ConfigError(f"{where}: at least one destination is required.")
    return RouteConfig(name, task_type, tuple(destinations), strategy)


def _check_route(route: RouteConfig, endpoints: Mapping[str, EndpointConfig]) -> None:
    where = f"route '{route.name}'"
    for dest in route.destinations:
        endpoint = endpoints.get(dest.name)
        if endpoint is None:
            raise ConfigError(f"{where}: the destination {dest.name!r} is not an endpoint name.")
        if endpoint.endpoint_type != route.task_type:
            raise ConfigError(
                f"{where}: destination {dest.name!r} has endpoint type "
                f"'{endpoint.endpoint_type}', not '{route.task_type}'."
            )
    total = sum(d.traffic_percentage for d in route.destinations)
    if route.routing_strategy == "TRAFFIC_SPLIT" and total != 100:
        raise ConfigError(f"{where}: the traffic percentages of the destinations must sum to 100.")
