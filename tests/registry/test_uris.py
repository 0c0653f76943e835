"""Parsing of models:/ URIs."""

from __future__ import annotations

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.registry.uris import ModelsUri, parse_models_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("models:/iris-rf/1", ModelsUri(name="iris-rf", version="1")),
        ("models:/iris-rf/latest", ModelsUri(name="iris-rf", latest=True)),
        ("models:/iris-rf/LATEST", ModelsUri(name="iris-rf", latest=True)),
        ("models:/iris-rf/production", ModelsUri(name="iris-rf", stage="production")),
        ("models:/iris-rf@champion", ModelsUri(name="iris-rf", alias="champion")),
        (
            "models:/iris-rf@champion/sub",
            ModelsUri(name="iris-rf", alias="champion", sub_path="sub"),
        ),
        ("models:/iris-rf/2/a/b", ModelsUri(name="iris-rf", version="2", sub_path="a/b")),
        (
            "models:/m-0123456789abcdef0123456789abcdef",
            ModelsUri(model_id="m-0123456789abcdef0123456789abcdef"),
        ),
    ],
)
def test_parse(uri: str, expected: ModelsUri) -> None:
    assert parse_models_uri(uri) == expected


@pytest.mark.parametrize("uri", ["models:/", "runs:/abc/model", "models://host/x/1", "models:/@a"])
def test_bad_uris(uri: str) -> None:
    with pytest.raises(InvalidParameterValue, match="Not a proper models:/ URI"):
        parse_models_uri(uri)
