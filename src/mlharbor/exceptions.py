"""The one exception tree of mlharbor, and the one table mapping error codes to HTTP statuses.

    MlharborException (error_code, message)
    ├── InvalidParameterValue      INVALID_PARAMETER_VALUE   400
    ├── ResourceDoesNotExist       RESOURCE_DOES_NOT_EXIST   404
    ├── ResourceAlreadyExists      RESOURCE_ALREADY_EXISTS   400
    ├── InvalidState               INVALID_STATE             500
    ├── BadRequest                 BAD_REQUEST               400
    ├── PermissionDenied           PERMISSION_DENIED         403
    ├── Unauthenticated            UNAUTHENTICATED           401
    ├── NotImplementedFeature      NOT_IMPLEMENTED           501
    └── RestException              any code, raised from an error body of a remote server

Error codes and statuses follow MLflow's REST protocol, so a body rendered from any of these is
understood by the official client.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ERROR_CODE_STATUS",
    "BadRequest",
    "InvalidParameterValue",
    "InvalidState",
    "MlflowException",
    "MlharborException",
    "NotImplementedFeature",
    "PermissionDenied",
    "ResourceAlreadyExists",
    "ResourceDoesNotExist",
    "RestException",
    "Unauthenticated",
    "http_status_for",
]

ERROR_CODE_STATUS: dict[str, int] = {
    "INVALID_PARAMETER_VALUE": 400,
    "BAD_REQUEST": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "INVALID_STATE": 500,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "NOT_FOUND": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "CUSTOMER_UNAUTHORIZED": 401,
    "ALREADY_EXISTS": 409,
    "RESOURCE_CONFLICT": 409,
    "ABORTED": 409,
    "REQUEST_LIMIT_EXCEEDED": 429,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "INTERNAL_ERROR": 500,
    "DATA_LOSS": 500,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}

_STATUS_ERROR_CODE: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    409: "RESOURCE_CONFLICT",
    429: "REQUEST_LIMIT_EXCEEDED",
    499: "CANCELLED",
    500: "INTERNAL_ERROR",
    501: "NOT_IMPLEMENTED",
    503: "TEMPORARILY_UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def http_status_for(error_code: str) -> int:
    """Return the HTTP status MLflow's server uses for ``error_code`` (500 for unknown codes)."""
    return ERROR_CODE_STATUS.get(error_code, 500)


def error_code_for_status(status: int) -> str:
    """Return the error code a client derives from a non-JSON error response of ``status``."""
    return _STATUS_ERROR_CODE.get(status, "INTERNAL_ERROR")


class MlharborException(Exception):  # noqa: N818 (MLflow's public name pattern)
    """Base of every error mlharbor raises on purpose; carries an MLflow ``error_code``."""

    default_error_code = "INTERNAL_ERROR"

    def __init__(self, message: object, error_code: str | None = None, **kwargs: Any) -> None:
        self.message = str(message)
        self.error_code = error_code or self.default_error_code
        self.json_kwargs = kwargs
        super().__init__(self.message)

    def get_http_status_code(self) -> int:
        return http_status_for(self.error_code)

    def serialize_as_json(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "message": self.message, **self.json_kwargs}

    def __str__(self) -> str:
        return self.message


# The name MLflow users catch; kept so `except mlflow.exceptions.MlflowException` ports unchanged.
MlflowException = MlharborException


class InvalidParameterValue(MlharborException):
    default_error_code = "INVALID_PARAMETER_VALUE"


class ResourceDoesNotExist(MlharborException):
    default_error_code = "RESOURCE_DOES_NOT_EXIST"


class ResourceAlreadyExists(MlharborException):
    default_error_code = "RESOURCE_ALREADY_EXISTS"


class InvalidState(MlharborException):
    default_error_code = "INVALID_STATE"


class BadRequest(MlharborException):
    default_error_code = "BAD_REQUEST"


class PermissionDenied(MlharborException):
    default_error_code = "PERMISSION_DENIED"


class Unauthenticated(MlharborException):
    default_error_code = "UNAUTHENTICATED"


class NotImplementedFeature(MlharborException):
    default_error_code = "NOT_IMPLEMENTED"


class RestException(MlharborException):
    """An error body received from a remote tracking server, re-raised with its code."""

    def __init__(self, body: dict[str, Any]) -> None:
        code = str(body.get("error_code") or "INTERNAL_ERROR")
        message = str(body.get("message") or "")
        super().__init__(f"{code}: {message}", error_code=code)
        self.body = body
