"""The one parse of a request's parameters, shared by permission checks and handlers.

:func:`parsed_params` reads the query string (and, for JSON endpoints sent with a body, the JSON
body) once and keeps the result in the ASGI scope; whoever asks again, the basic-auth rules
first and then the endpoint, gets the very same object. A query parameter given more than once
is refused unless the endpoint declares it as a list: otherwise two readers could each pick a
different copy (a check the first, a handler the last).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from mlharbor.exceptions import BadRequest, InvalidParameterValue
from mlharbor.server.params import Kind, Params, lower_camel

__all__ = [
    "BODY_METHODS",
    "MAX_JSON_BODY_BYTES",
    "ParsedRequest",
    "header",
    "parsed_params",
    "query_lists",
    "read_body",
    "read_json_body",
    "set_params",
]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]

MAX_JSON_BODY_BYTES = 16 * 1024 * 1024

_QUERY_KEY = "mlharbor.query"
_PARAMS_KEY = "mlharbor.params"
BODY_METHODS = frozenset({"POST", "PATCH", "DELETE", "PUT"})
_LIST_KINDS = (Kind.STR_LIST, Kind.OBJECT_LIST)


def _is_json_content_type(value: str | None) -> bool:
    return value is not None and value.split(";")[0].strip().lower() == "application/json"


def header(scope: Scope, name: bytes) -> str | None:
    """The value of request header ``name`` (lower-case bytes), or None."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def read_json_body(scope: Scope, receive: Receive) -> tuple[bytes, dict[str, Any]]:
    """The raw body and its JSON object; POST and PUT must say ``application/json``.

    Raises:
        InvalidParameterValue: for another content type, in MLflow's wording.
        BadRequest: for a body beyond :data:`MAX_JSON_BODY_BYTES`.
    """
    if scope["method"] in ("POST", "PUT") and not _is_json_content_type(
        header(scope, b"content-type")
    ):
        raise InvalidParameterValue("Bad Request. Content-Type must be one of ['application/json']")
    raw = await read_body(scope, receive)
    body: Any = {}
    if raw.strip():
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # MLflow parses an unreadable body as an empty message.
            body = {}
    return raw, body if isinstance(body, dict) else {}


async def read_body(scope: Scope, receive: Receive) -> bytes:
    """The request body, refused with 400 beyond :data:`MAX_JSON_BODY_BYTES`."""
    declared = header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_JSON_BODY_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_JSON_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _too_large() -> BadRequest:
    return BadRequest(f"Request body exceeds the limit of {MAX_JSON_BODY_BYTES} bytes.")


def _list_names(route: Any) -> frozenset[str]:
    """Query keys ``route`` reads as lists; raw endpoints read every key as one value."""
    if route.raw or route.request is None:
        return frozenset()
    names: set[str] = set()
    for field in route.request.fields:
        if field.kind in _LIST_KINDS:
            for name in (field.name, *field.aliases):
                names.update((name, lower_camel(name)))
    return frozenset(names)


def query_lists(route: Any, scope: Scope) -> dict[str, list[str]]:
    """The query string as ``{key: [values...]}``, parsed once per request.

    Raises:
        InvalidParameterValue: a key ``route`` takes once was given several times.
    """
    cached: dict[str, list[str]] | None = scope.get(_QUERY_KEY)
    if cached is not None:
        return cached
    query = urllib.parse.parse_qs(
        bytes(scope.get("query_string", b"")).decode("latin-1"), keep_blank_values=True
    )
    lists = _list_names(route)
    for key, values in query.items():
        if len(values) > 1 and key not in lists:
            raise InvalidParameterValue(
                f"Invalid request: parameter '{key[:100]}' was given {len(values)} times; "
                "it takes one value."
            )
    scope[_QUERY_KEY] = query
    return query


class ParsedRequest:
    """What :func:`parsed_params` found: the validated parameters and the decoded JSON body
    (``None`` for query-string and raw endpoints)."""

    __slots__ = ("body", "params")

    def __init__(self, params: Params, body: dict[str, Any] | None) -> None:
        self.params = params
        self.body = body


async def parsed_params(
    route: Any,
    scope: Scope,
    receive: Receive,
    path_params: dict[str, str],
) -> ParsedRequest:
    """The request's parameters as ``route`` declares them, parsed on the first call only.

    Raw endpoints get their query (one value per key) and path parameters; JSON endpoints
    their validated request message, from the body for POST/PATCH/DELETE/PUT and from the
    query string otherwise. Path parameters win over fields of the same name.
    """
    cached: ParsedRequest | None = scope.get(_PARAMS_KEY)
    if cached is not None:
        return cached
    query = query_lists(route, scope)
    if route.raw or route.request is None:
        params: Params = {k: v[0] for k, v in query.items() if v}
        params.update(path_params)
        parsed = ParsedRequest(params, None)
    elif scope["method"] not in BODY_METHODS:
        merged = {**query, **{k: [v] for k, v in path_params.items()}}
        parsed = ParsedRequest(route.request.parse_query(merged), None)
    else:
        _raw, body = await read_json_body(scope, receive)
        body.update(path_params)
        parsed = ParsedRequest(route.request.parse_json(body), body)
    scope[_PARAMS_KEY] = parsed
    return parsed


def set_params(route: Any, scope: Scope, body: dict[str, Any]) -> None:
    """Replace the parsed request with one read from ``body`` (a narrowed request)."""
    scope[_PARAMS_KEY] = ParsedRequest(route.request.parse_json(body), body)
