"""Declarative request shapes: each endpoint lists its fields once; :meth:`RequestSpec.parse`
checks presence and JSON types before the handler runs.

The same spec reads a JSON body (POST/PATCH/DELETE) or a query string (GET), where every value
arrives as a string and repeated keys form lists. Errors use MLflow's wording, so a client sees
exactly what an MLflow server would say.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.wire.values import (
    decode_bool,
    decode_double,
    decode_int,
    decode_str,
    invalid_type,
    missing_value,
)

__all__ = ["Field", "Kind", "Params", "RequestSpec", "lower_camel"]

Params = dict[str, Any]


class Kind(enum.Enum):
    STR = "str"
    INT = "int"
    DOUBLE = "double"
    BOOL = "bool"
    ENUM = "enum"  # a name or a protobuf number; the handler interprets it
    ANY = "any"  # passed through; the handler decodes it (e.g. numbers sent as strings)
    STR_LIST = "str_list"
    OBJECT = "object"
    OBJECT_LIST = "object_list"


@dataclass(frozen=True)
class Field:
    """One request field: its proto name, kind, whether it is required, and other spellings."""

    name: str
    kind: Kind = Kind.STR
    required: bool = False
    aliases: tuple[str, ...] = ()


def lower_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _is_list_kind(kind: Kind) -> bool:
    return kind in (Kind.STR_LIST, Kind.OBJECT_LIST)


def _coerce(field: Field, value: Any) -> Any:
    kind = field.kind
    if kind is Kind.STR:
        return decode_str(value, field.name)
    if kind is Kind.INT:
        return decode_int(value, field.name)
    if kind is Kind.DOUBLE:
        return decode_double(value, field.name)
    if kind is Kind.BOOL:
        return decode_bool(value, field.name)
    if kind is Kind.ANY:
        return value
    if kind is Kind.ENUM:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise invalid_type(field.name, value)
        return value
    if kind is Kind.OBJECT:
        if not isinstance(value, dict):
            raise invalid_type(field.name, value)
        return value
    if not isinstance(value, list):
        raise invalid_type(field.name, value)
    if kind is Kind.OBJECT_LIST:
        for item in value:
            if not isinstance(item, dict):
                raise invalid_type(field.name, item)
        return value
    # Ids sent as numbers are accepted as their text: harmless and friendlier than MLflow.
    out: list[str] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise invalid_type(field.name, item)
        out.append(str(item))
    return out


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or value == []


@dataclass(frozen=True)
class RequestSpec:
    """The fields of one endpoint's request message."""

    fields: tuple[Field, ...] = ()

    def parse_json(self, body: Mapping[str, Any]) -> Params:
        """Validate a decoded JSON object; unknown fields are ignored as MLflow does.

        Like protobuf's JSON parser, a field may also be sent under its lowerCamel name, but
        not under both spellings at once.
        """

        def lookup(name: str, _kind: Kind) -> Any:
            camel = lower_camel(name)
            if camel == name or camel not in body:
                return body.get(name)
            if name in body:
                raise InvalidParameterValue(
                    f"Invalid request: field '{name}' was given twice, as '{name}' and '{camel}'."
                )
            return body[camel]

        return self._parse(lookup)

    def parse_query(self, query: Mapping[str, list[str]]) -> Params:
        """Validate a query string given as ``{key: [values...]}``."""

        def lookup(name: str, kind: Kind) -> Any:
            values = query.get(name)
            if not values:
                return None
            return values if _is_list_kind(kind) else values[0]

        return self._parse(lookup)

    def _parse(self, lookup: Any) -> Params:
        params: Params = {}
        for field in self.fields:
            value = None
            for name in (field.name, *field.aliases):
                value = lookup(name, field.kind)
                if not _is_missing(value):
                    break
            if _is_missing(value):
                if field.required:
                    raise missing_value(field.name)
                params[field.name] = [] if _is_list_kind(field.kind) else None
                continue
            params[field.name] = _coerce(field, value)
        return params
