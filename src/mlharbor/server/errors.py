"""The one exit for errors: every failure becomes MLflow's ``{"error_code", "message"}`` body.

:class:`MlharborException` keeps its code and the HTTP status of
:func:`mlharbor.exceptions.http_status_for`; anything else is logged and answered as a 500
``INTERNAL_ERROR`` without a traceback. Unrouted paths answer like MLflow's server: a small
HTML page with 404 or 405, which clients map to ``ENDPOINT_NOT_FOUND``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from starlette.responses import Response

from mlharbor.exceptions import InvalidParameterValue, MlharborException

__all__ = [
    "error_response",
    "method_not_allowed",
    "not_found",
    "unexpected_error_response",
    "with_security_headers",
]

log = logging.getLogger("mlharbor.server")

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_PAGE = "<!doctype html>\n<html lang=en>\n<title>{status} {title}</title>\n<h1>{title}</h1>\n"


# Codes whose usual 5xx status would make clients retry for minutes although the request itself
# is at fault (e.g. renaming a deleted experiment): answered with 400, code unchanged.
_CLIENT_FAULT_CODES = {"INVALID_STATE"}


def error_response(exc: MlharborException) -> Response:
    """The JSON error body and status for a raised mlharbor error."""
    status = 400 if exc.error_code in _CLIENT_FAULT_CODES else exc.get_http_status_code()
    return Response(
        orjson.dumps(exc.serialize_as_json()),
        status_code=status,
        media_type="application/json",
    )


def _out_of_range(exc: BaseException) -> bool:
    """Whether ``exc`` is a database driver refusing a value the request carried (an integer
    beyond 64 bits, a number out of a column's range): the request's fault, not a bug."""
    if isinstance(exc, OverflowError):
        return True
    from sqlalchemy.exc import DataError

    return isinstance(exc, DataError)


def unexpected_error_response(exc: BaseException) -> Response:
    """A 500 for a bug: logged with its traceback here, never sent to the client.

    Values the database cannot hold are answered as the client error they are, whichever
    handler passed them on.
    """
    if _out_of_range(exc):
        return error_response(
            InvalidParameterValue("Invalid request: a value is out of the range the server stores.")
        )
    log.error("unhandled error while serving a request", exc_info=exc)
    body = {"error_code": "INTERNAL_ERROR", "message": "Internal server error"}
    return Response(orjson.dumps(body), status_code=500, media_type="application/json")


_SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff")]


def with_security_headers(send: Send) -> Send:
    """``send`` adding the headers every answer carries: ``X-Content-Type-Options: nosniff``
    stops browsers from running an artifact (an uploaded ``.html`` or ``.svg``, a JSON body)
    as a type other than the one declared."""

    async def wrapped(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *_SECURITY_HEADERS]}
        await send(message)

    return wrapped


def _page(status: int, title: str) -> Response:
    return Response(
        _PAGE.format(status=status, title=title),
        status_code=status,
        media_type="text/html",
    )


def not_found() -> Response:
    return _page(404, "Not Found")


def method_not_allowed(allowed: list[str]) -> Response:
    response = _page(405, "Method Not Allowed")
    response.headers["Allow"] = ", ".join(sorted(allowed))
    return response
