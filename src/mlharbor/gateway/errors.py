"""Errors of the AI gateway and how they are written on the wire.

MLflow's gateway answers errors as FastAPI does (``{"detail": ...}``) and its rate limiter as
slowapi does (``{"error": "Rate limit exceeded: ..."}``). Every body written here carries those
keys beside mlharbor's ``error_code`` and ``message``, so both MLflow's client and ours read it.
"""

from __future__ import annotations

from typing import Any

from mlharbor.exceptions import MlharborException, error_code_for_status

__all__ = ["ConfigError", "GatewayError", "RateLimitedError", "UpstreamError", "redact"]


class ConfigError(MlharborException):
    """The gateway configuration file is invalid; the message says where."""

    default_error_code = "INVALID_PARAMETER_VALUE"


class GatewayError(MlharborException):
    """An error answered to the caller with ``status``."""

    def __init__(self, status: int, message: str, error_code: str | None = None) -> None:
        super().__init__(message, error_code or error_code_for_status(status))
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "message": self.message, "detail": self.message}


class UpstreamError(GatewayError):
    """A provider answered with an error, timed out or could not be reached.

    ``retryable`` errors (429, 5xx, connection failures) are retried and fail over to the next
    destination; others (a 400 about the request) are answered as they are.
    """

    def __init__(self, status: int, message: str, *, retryable: bool) -> None:
        super().__init__(status, message)
        self.retryable = retryable


class RateLimitedError(GatewayError):
    def __init__(self, limit_text: str) -> None:
        super().__init__(429, f"Rate limit exceeded: {limit_text}", "REQUEST_LIMIT_EXCEEDED")

    def body(self) -> dict[str, Any]:
        return {**super().body(), "error": self.message}


def redact(text: str, secrets: frozenset[str]) -> str:
    """``text`` with every configured secret value replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
