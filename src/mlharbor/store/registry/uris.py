"""Parsing of ``models:/`` URIs: by version, stage, ``latest``, alias, or logged-model id."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["ModelsUri", "parse_models_uri"]


@dataclass(frozen=True)
class ModelsUri:
    """The parts of a ``models:/`` URI; exactly one of the selectors is set.

    ``model_id`` selects a logged model; otherwise ``name`` plus one of ``version`` (digits),
    ``latest``, ``stage`` or ``alias``. ``sub_path`` is what follows the selector, if anything.
    """

    name: str | None = None
    version: str | None = None
    stage: str | None = None
    alias: str | None = None
    latest: bool = False
    model_id: str | None = None
    sub_path: str = ""


def _bad_uri(uri: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Not a proper models:/ URI: {uri}. "
        "Models URIs must be of the form 'models:/model_name/suffix' "
        "or 'models:/model_name@alias' where suffix is a model version, stage, "
        "or the string 'latest' and where alias is a registered model alias. "
        "Only one of suffix or alias can be defined at a time."
    )


def parse_models_uri(uri: str) -> ModelsUri:
    """Split a ``models:/`` URI into its selector.

    Raises:
        InvalidParameterValue: not a ``models:`` URI, has an authority, or has no selector.
    """
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "models" or parsed.netloc:
        raise _bad_uri(uri)
    parts = [part for part in parsed.path.split("/") if part]
    if not parts:
        raise _bad_uri(uri)
    head = parts[0]
    if "@" in head:
        name, _, alias = head.partition("@")
        if not name or not alias:
            raise _bad_uri(uri)
        return ModelsUri(name=name, alias=alias, sub_path="/".join(parts[1:]))
    if len(parts) == 1:
        return ModelsUri(model_id=head)
    selector = parts[1]
    rest = "/".join(parts[2:])
    if selector.isdigit():
        return ModelsUri(name=head, version=selector, sub_path=rest)
    if selector.lower() == "latest":
        return ModelsUri(name=head, latest=True, sub_path=rest)
    return ModelsUri(name=head, stage=selector, sub_path=rest)
