"""Error answers of the scoring server, worded and coded like MLflow's ``mlflow models serve``.

Every failure a request can cause is raised as :class:`ScoringError`, which already holds the
status, body and media type of the answer; the app renders it and nothing else. JSON bodies carry
``error_code``, ``message``, ``sqlstate`` and ``error_class`` as MLflow's do.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = [
    "MAX_MESSAGE_CHARS",
    "PROTOCOL_CHANGE_NOTE",
    "ScoringError",
    "bad_request",
    "invalid_input",
    "json_error",
    "plain_error",
    "predict_failure",
]

PROTOCOL_CHANGE_NOTE = (
    "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are "
    "seeing this error, you are likely using an outdated scoring request format. To resolve the "
    "error, either update your request format or adjust your MLflow Model's requirements file to "
    "specify an older version of MLflow (for example, change the 'mlflow' requirement specifier "
    "to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via "
    "`mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use "
    "the new request format. For more information about the updated MLflow Model scoring "
    "protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models."
)

# Longest message text an error body carries: messages may quote the request, and a client
# must not get a multi-megabyte body echoed back.
MAX_MESSAGE_CHARS = 2000

# error_class -> sqlstate, as MLflow classifies client-side errors
_SQLSTATE = {"SCHEMA_ENFORCEMENT_FAILED": "KAM01", "INVALID_PARAMETER_VALUE": "KAM00"}
_JSON = "application/json"
_TEXT = "text/plain; charset=utf-8"


class ScoringError(Exception):
    """A finished error answer: HTTP ``status``, encoded ``body`` and its ``media_type``."""

    def __init__(self, status: int, body: bytes, media_type: str) -> None:
        super().__init__(body[:200].decode("utf-8", "replace"))
        self.status = status
        self.body = body
        self.media_type = media_type


def _bounded(text: str) -> str:
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS]}... ({len(text) - MAX_MESSAGE_CHARS} more characters)"


def json_error(
    status: int,
    error_code: str,
    message: str,
    *,
    error_class: str = "INVALID_PARAMETER_VALUE",
    **extra: Any,
) -> ScoringError:
    """A JSON error body ``{"error_code", "message", "sqlstate", "error_class", **extra}``."""
    body = {
        "error_code": error_code,
        "message": _bounded(message),
        "sqlstate": _SQLSTATE.get(error_class, "KAM00"),
        "error_class": error_class,
        **{k: _bounded(v) if isinstance(v, str) else v for k, v in extra.items()},
    }
    return ScoringError(status, orjson.dumps(body), _JSON)


def plain_error(status: int, text: str) -> ScoringError:
    """A ``text/plain`` error answer (MLflow uses these for content-type problems)."""
    return ScoringError(status, _bounded(text).encode("utf-8"), _TEXT)


def bad_request(message: str, **extra: Any) -> ScoringError:
    """``400 BAD_REQUEST`` with ``message`` as is."""
    return json_error(400, "BAD_REQUEST", message, **extra)


def invalid_input(message: str) -> ScoringError:
    """``400 BAD_REQUEST`` for a payload that cannot be read: ``"Invalid input. <message>"``."""
    return bad_request(f"Invalid input. {message}")


def predict_failure(exc: BaseException) -> ScoringError:
    """``400 BAD_REQUEST`` for an exception raised inside the model's ``predict``.

    MLflow attaches the full traceback; only the exception's type and text are sent here, which
    says what went wrong without exposing file paths of the serving host.
    """
    return bad_request(
        "Encountered an unexpected error while evaluating the model. Verify that the serialized "
        "input Dataframe is compatible with the model for inference.",
        stack_trace=f"{type(exc).__name__}: {exc}",
    )
