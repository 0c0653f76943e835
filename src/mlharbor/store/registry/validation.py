"""Input rules of the model registry, raising MLflow's error messages.

These checks run in every store before anything is written, so a request is either applied
whole or refused with INVALID_PARAMETER_VALUE.
"""

from __future__ import annotations

import json
import posixpath
import re

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "MAX_ALIAS_LENGTH",
    "MAX_TAG_KEY_LENGTH",
    "MAX_TAG_VALUE_LENGTH",
    "parse_version",
    "validate_alias",
    "validate_model_name",
    "validate_tag",
]

MAX_TAG_KEY_LENGTH = 250
MAX_TAG_VALUE_LENGTH = 100000
MAX_ALIAS_LENGTH = 255

_TAG_KEY = re.compile(r"^[/\w.\- :]*$")
_ALIAS = re.compile(r"^[\w\-]*$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")


def missing_value(field: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Missing value for required parameter '{field}'. "
        "See the API docs for more information about request parameters."
    )


def _invalid_value(field: str, value: str, why: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Invalid value {json.dumps(value)} for parameter '{field}' supplied: {why}"
    )


def _path_message(name: str) -> str:
    return (
        "Names may be treated as files in certain cases, and must not resolve to other names"
        f" when treated as such. This name would resolve to {posixpath.normpath(name)!r}"
    )


def _is_path_ambiguous(name: str) -> bool:
    norm = posixpath.normpath(name)
    return norm != name or norm == "." or norm.startswith(("..", "/"))


def _too_long(field: str, limit: int) -> InvalidParameterValue:
    return InvalidParameterValue(f"'{field}' exceeds the maximum length of {limit} characters")


def validate_model_name(name: str | None, field: str = "name") -> str:
    """Return ``name`` if it can name a registered model.

    Raises:
        InvalidParameterValue: blank, contains ``/`` or ``:``, or is not path-normal.
    """
    if name is None or not name.strip():
        raise missing_value(field)
    if "/" in name or ":" in name:
        raise InvalidParameterValue(
            f"Invalid model name '{name}'. Names cannot contain '/' or ':'."
        )
    if _is_path_ambiguous(name):
        raise _invalid_value(field, name, _path_message(name))
    return name


def parse_version(version: object) -> int:
    """Return the integer a version string holds.

    Raises:
        InvalidParameterValue: ``version`` is not an integer.
    """
    if isinstance(version, bool):
        raise InvalidParameterValue(f"Parameter 'version' must be an integer, got '{version}'.")
    if isinstance(version, int):
        return version
    try:
        return int(str(version).strip())
    except ValueError:
        raise InvalidParameterValue(
            f"Parameter 'version' must be an integer, got '{version}'."
        ) from None


def validate_tag(key: str | None, value: str | None) -> None:
    """Check a registered-model or model-version tag.

    Raises:
        InvalidParameterValue: bad key characters, key or value too long, or a null value.
    """
    if key is None:
        raise missing_value("key")
    if not _TAG_KEY.match(key):
        raise _invalid_value(
            "key",
            key,
            "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.),"
            " spaces ( ), colon(:) and slashes (/).",
        )
    if _is_path_ambiguous(key):
        raise _invalid_value("key", key, _path_message(key))
    if len(key) > MAX_TAG_KEY_LENGTH:
        raise _too_long("key", MAX_TAG_KEY_LENGTH)
    if value is None:
        raise InvalidParameterValue("Tag value cannot be None")
    if len(value) > MAX_TAG_VALUE_LENGTH:
        raise _too_long("value", MAX_TAG_VALUE_LENGTH)


def validate_alias(alias: str | None, *, for_write: bool = True) -> str:
    """Return ``alias`` if it is a legal alias name; reserved names are refused for writes.

    Raises:
        InvalidParameterValue: empty, bad characters, too long, or reserved
        (``latest`` in any case, ``v<digits>``).
    """
    if not alias:
        raise InvalidParameterValue("Registered model alias name cannot be empty.")
    if not _ALIAS.match(alias):
        raise InvalidParameterValue(
            f"Invalid alias name: '{alias}'. "
            "Names may only contain alphanumerics, underscores (_), and dashes (-)."
        )
    if len(alias) > MAX_ALIAS_LENGTH:
        raise _too_long("Registered model alias name", MAX_ALIAS_LENGTH)
    if for_write:
        if alias.lower() == "latest":
            raise InvalidParameterValue("'latest' alias name (case insensitive) is reserved.")
        if _VERSION_ALIAS.match(alias):
            raise InvalidParameterValue(f"Version alias name '{alias}' is reserved.")
    return alias
