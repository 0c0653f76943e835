"""Prometheus metrics of one gateway process, per endpoint and provider.

Each app has its own registry, so two gateways in one process (tests, benchmarks) count apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "GatewayMetrics"]

# the *_created series double the exposition for no use on a scrape target that restarts
disable_created_metrics()  # type: ignore[no-untyped-call]
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("endpoint", "provider")
        self.requests = Counter(
            "mlharbor_gateway_requests",
            "Provider calls by outcome status.",
            (*labels, "status"),
            registry=self.registry,
        )
        self.errors = Counter(
            "mlharbor_gateway_errors",
            "Provider calls that failed.",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "mlharbor_gateway_request_duration_seconds",
            "Provider call latency.",
            labels,
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.tokens = Counter(
            "mlharbor_gateway_tokens",
            "Tokens reported by providers.",
            (*labels, "kind"),
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "mlharbor_gateway_rate_limited",
            "Requests refused by an endpoint's limit.",
            ("endpoint",),
            registry=self.registry,
        )
        self.reloads = Counter(
            "mlharbor_gateway_config_reloads",
            "Configuration reloads by result.",
            ("result",),
            registry=self.registry,
        )

    def observe(self, endpoint: str, provider: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, provider, str(status)).inc()
        self.latency.labels(endpoint, provider).observe(seconds)
        if status >= 400:
            self.errors.labels(endpoint, provider).inc()

    def count_usage(self, endpoint: str, provider: str, usage: Mapping[str, Any] | None) -> None:
        for kind in ("prompt_tokens", "completion_tokens"):
            value = (usage or {}).get(kind)
            if isinstance(value, int) and value > 0:
                self.tokens.labels(endpoint, provider, kind.removesuffix("_tokens")).inc(value)

    def render(self) -> bytes:
        return generate_latest(self.registry)
