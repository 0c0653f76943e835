"""Which provider answers a request: traffic split, failover, rate limits, timeouts, retries.

A :class:`Router` is built from one configuration and never changes; a reload builds a new one
(reusing the providers and limit counters of unchanged endpoints) and swaps it in, so a request
keeps the router it started with until it has finished.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mlharbor.gateway.config import EndpointConfig, GatewayConfig, Limit, RouteConfig
from mlharbor.gateway.errors import GatewayError, RateLimitedError, UpstreamError, redact
from mlharbor.gateway.metrics import GatewayMetrics
from mlharbor.gateway.providers import Provider, provider_class
from mlharbor.gateway.providers.base import Upstream

__all__ = ["Answer", "Router", "Stream"]

_log = logging.getLogger("mlharbor.gateway")
T = TypeVar("T")
_MAX_TRACKED_CALLERS = 10_000


class FixedWindow:
    """``calls`` per ``period_s`` for each caller key, counted in fixed windows."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._windows: dict[str, tuple[float, int]] = {}

    def acquire(self, key: str) -> bool:
        now = time.monotonic()
        if len(self._windows) > _MAX_TRACKED_CALLERS:
            # many callers: forget the ones whose window has ended, so memory stays bounded
            period = self.limit.period_s
            self._windows = {k: w for k, w in self._windows.items() if now - w[0] < period}
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.limit.period_s:
            start, used = now, 0
        if used >= self.limit.calls:
            return False
        self._windows[key] = (start, used + 1)
        return True


@dataclass
class Target:
    """One configured endpoint, ready to call."""

    config: EndpointConfig
    provider: Provider
    window: FixedWindow | None = None


@dataclass(frozen=True)
class Answer:
    endpoint: str
    provider: str
    body: dict[str, Any]


@dataclass
class Stream:
    endpoint: str
    provider: str
    first: dict[str, Any]
    rest: AsyncIterator[dict[str, Any]]
    timeout_s: float
    usage: dict[str, Any] = field(default_factory=dict)


class Router:
    def __init__(
        self,
        config: GatewayConfig,
        http: Upstream,
        metrics: GatewayMetrics,
        previous: Router | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.secrets = config.secrets
        self.endpoints: dict[str, Target] = {}
        old = previous.endpoints if previous is not None else {}
        for endpoint in config.endpoints:
            kept = old.get(endpoint.name)
            if kept is not None and kept.config.model == endpoint.model:
                provider = kept.provider
            else:
                cls = provider_class(endpoint.model.provider)
                assert cls is not None  # the configuration was validated against the registry
                provider = cls(endpoint.model, http)
            window = None
            if endpoint.limit is not None:
                same = (
                    kept is not None
                    and kept.window is not None
                    and (kept.window.limit == endpoint.limit)
                )
                window = kept.window if same and kept is not None else FixedWindow(endpoint.limit)
            self.endpoints[endpoint.name] = Target(endpoint, provider, window)
        self.routes: dict[str, RouteConfig] = {r.name: r for r in config.routes}
        self.retired = [
            t.provider
            for name, t in old.items()
            if name not in self.endpoints or self.endpoints[name].provider is not t.provider
        ]

    def endpoint_type(self, name: str) -> str:
        if name in self.endpoints:
            return self.endpoints[name].config.endpoint_type
        if name in self.routes:
            return self.routes[name].task_type
        raise GatewayError(
            404,
            f"The endpoint '{name}' is not present or active on the server. Please verify "
            "the endpoint name.",
            "RESOURCE_DOES_NOT_EXIST",
        )

    def _targets(self, name: str) -> list[Target]:
        if name in self.endpoints:
            return [self.endpoints[name]]
        route = self.routes[name]
        targets = [self.endpoints[d.name] for d in route.destinations]
        if route.routing_strategy == "FAILOVER":
            return targets
        weights = [d.traffic_percentage for d in route.destinations]
        chosen = random.choices(range(len(targets)), weights=weights)[0]
        return [targets[chosen]]

    async def invoke(self, name: str, payload: dict[str, Any], client: str) -> Answer:
        endpoint_type = self.endpoint_type(name)

        async def call(target: Target) -> Answer:
            # asyncio.timeout, unlike wait_for, runs the call in this task: no task per request
            async with asyncio.timeout(target.config.timeout_s):
                body = await target.provider.invoke(endpoint_type, payload)
            return Answer(target.config.name, target.provider.label, body)

        answer = await self._first_success(name, call, client)
        self.metrics.count_usage(answer.endpoint, answer.provider, answer.body.get("usage"))
        return answer

    async def stream(self, name: str, payload: dict[str, Any], client: str) -> Stream:
        endpoint_type = self.endpoint_type(name)

        async def open_stream(target: Target) -> Stream:
            chunks = target.provider.stream(endpoint_type, payload)
            timeout = target.config.timeout_s
            try:
                async with asyncio.timeout(timeout):
                    first = await anext(chunks)
            except StopAsyncIteration:
                raise UpstreamError(
                    502, "The provider sent an empty stream.", retryable=True
                ) from None
            return Stream(target.config.name, target.provider.label, first, chunks, timeout)

        return await self._first_success(name, open_stream, client)

    async def _first_success(
        self, name: str, call: Callable[[Target], Awaitable[T]], client: str
    ) -> T:
        """``call(target)`` on each target in turn (with retries) until one succeeds."""
        last: GatewayError | None = None
        for target in self._targets(name):
            window = target.window
            if window is not None and not window.acquire(client):
                self.metrics.rate_limited.labels(target.config.name).inc()
                last = RateLimitedError(window.limit.describe())
                continue
            try:
                return await self._with_retries(target, call)
            except UpstreamError as exc:
                if not exc.retryable:
                    raise
                last = exc
                _log.warning(
                    "endpoint %s failed (%s); trying the next destination",
                    target.config.name,
                    exc.message,
                )
        assert last is not None
        raise last

    async def _with_retries(self, target: Target, call: Callable[[Target], Awaitable[T]]) -> T:
        config, provider = target.config, target.provider
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                result = await call(target)
            except TimeoutError:
                self.metrics.observe(
                    config.name, provider.label, 504, time.perf_counter() - started
                )
                raise UpstreamError(
                    504,
                    f"The provider '{provider.label}' of endpoint '{config.name}' timed out "
                    f"after {config.timeout_s:g} seconds.",
                    retryable=True,
                ) from None
            except GatewayError as exc:
                self.metrics.observe(
                    config.name, provider.label, exc.status, time.perf_counter() - started
                )
                exc.message = redact(exc.message, self.secrets)
                if (
                    not isinstance(exc, UpstreamError)
                    or not exc.retryable
                    or attempt >= (config.max_retries)
                    or exc.status == 504
                ):
                    raise
                attempt += 1
                await asyncio.sleep(config.backoff_s * 2 ** (attempt - 1) * random.uniform(1, 1.5))
                continue
            self.metrics.observe(config.name, provider.label, 200, time.perf_counter() - started)
            return result

    async def close_retired(self) -> None:
        for provider in self.retired:
            await provider.aclose()
        self.retired = []

    async def aclose(self) -> None:
        for target in self.endpoints.values():
            await target.provider.aclose()


def describe_endpoint(config: EndpointConfig) -> dict[str, Any]:
    """The public description of an endpoint: never its provider config or secrets."""
    return {
        "name": config.name,
        "endpoint_type": config.endpoint_type,
        "model": {"name": config.model.name, "provider": config.model.provider},
        "endpoint_url": f"/gateway/{config.name}/invocations",
        "limit": config.limit.to_dict() if config.limit else None,
    }


def describe_route(route: RouteConfig) -> Mapping[str, Any]:
    return {
        "name": route.name,
        "task_type": route.task_type,
        "destinations": [
            {"name": d.name, "traffic_percentage": d.traffic_percentage} for d in route.destinations
        ],
        "routing_strategy": route.routing_strategy,
    }
