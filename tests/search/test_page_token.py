"""Page tokens: MLflow's exact bytes, round trips, and garbage rejected with 400."""

from __future__ import annotations

import base64

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.search.page_token import (
    decode_logged_model_token,
    decode_offset,
    encode_logged_model_token,
    encode_offset,
)


def test_offset_token_matches_mlflow_bytes() -> None:
    assert encode_offset(2) == "eyJvZmZzZXQiOiAyfQ=="
    assert encode_offset(0) == "eyJvZmZzZXQiOiAwfQ=="


@pytest.mark.parametrize("offset", [0, 1, 10, 49_999, 10**12])
def test_offset_round_trip(offset: int) -> None:
    assert decode_offset(encode_offset(offset)) == offset


@pytest.mark.parametrize("token", [None, ""])
def test_no_token_is_offset_zero(token: str | None) -> None:
    assert decode_offset(token) == 0


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not-base64!", "Invalid page token, could not base64-decode"),
        ("abc", "Invalid page token, could not base64-decode"),
        (_b64("hello"), "Invalid page token, decoded value=b'hello'"),
        (_b64('{"x": 1}'), "Invalid page token, parsed value={'x': 1}"),
        (_b64("[1, 2]"), "Invalid page token, parsed value=[1, 2]"),
        (_b64('{"offset": "ten"}'), "Invalid page token, not stringable ten"),
        (_b64('{"offset": -3}'), "Invalid page token, parsed value={'offset': -3}"),
        (_b64('{"offset": true}'), "Invalid page token, parsed value={'offset': True}"),
    ],
)
def test_garbage_offset_tokens(token: str, message: str) -> None:
    with pytest.raises(InvalidParameterValue) as info:
        decode_offset(token)
    assert info.value.message == message
    assert info.value.get_http_status_code() == 400


def test_numeric_string_offset_is_accepted() -> None:
    assert decode_offset(_b64('{"offset": "7"}')) == 7


ORDER = [{"field_name": "creation_time", "ascending": False}]


def test_logged_model_token_round_trip() -> None:
    token = encode_logged_model_token(["7"], "name = 'm'", ORDER, 10)
    assert base64.b64decode(token).decode() == (
        '{"experiment_ids": ["7"], "filter_string": "name = \'m\'", '
        '"order_by": [{"field_name": "creation_time", "ascending": false}], "offset": 10}'
    )
    assert decode_logged_model_token(token, ["7"], "name = 'm'", ORDER) == 10
    assert decode_logged_model_token(None, ["7"], None, None) == 0
    empty = encode_logged_model_token(["1"], "", [], 3)
    assert decode_logged_model_token(empty, ["1"], None, None) == 3


@pytest.mark.parametrize(
    ("experiment_ids", "filter_string", "order_by", "message"),
    [
        (["8"], "name = 'm'", ORDER, "Experiment IDs in the page token do not match"),
        (["7"], "name = 'x'", ORDER, "Filter string in the page token does not match"),
        (["7"], "name = 'm'", None, "Order by in the page token does not match"),
    ],
)
def test_logged_model_token_must_match_query(
    experiment_ids: list[str],
    filter_string: str,
    order_by: list[dict[str, object]] | None,
    message: str,
) -> None:
    token = encode_logged_model_token(["7"], "name = 'm'", ORDER, 10)
    with pytest.raises(InvalidParameterValue, match=message):
        decode_logged_model_token(token, experiment_ids, filter_string, order_by)


def test_logged_model_token_garbage() -> None:
    with pytest.raises(InvalidParameterValue, match="could not base64-decode"):
        decode_logged_model_token("not-base64!", ["7"], None, None)
