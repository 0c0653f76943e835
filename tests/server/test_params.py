"""Declared request shapes: presence, JSON types, query-string typing, spellings."""

from __future__ import annotations

import pytest

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.params import Field, Kind, RequestSpec

SPEC = RequestSpec(
    (
        Field("run_id", required=True, aliases=("run_uuid",)),
        Field("max_results", Kind.INT),
        Field("order_by", Kind.STR_LIST),
        Field("flag", Kind.BOOL),
        Field("tags", Kind.OBJECT_LIST),
    )
)


def test_json_values_are_typed_and_absent_fields_default() -> None:
    params = SPEC.parse_json({"run_uuid": "r", "max_results": "5", "order_by": ["a"]})
    assert params == {
        "run_id": "r",
        "max_results": 5,
        "order_by": ["a"],
        "flag": None,
        "tags": [],
    }


def test_query_values_are_converted_from_strings_and_repeat_into_lists() -> None:
    params = SPEC.parse_query(
        {"run_id": ["r"], "max_results": ["2"], "order_by": ["a", "b"], "flag": ["TRUE"]}
    )
    assert (params["max_results"], params["order_by"], params["flag"]) == (2, ["a", "b"], True)
    with pytest.raises(InvalidParameterValue, match="parameter 'flag'"):
        SPEC.parse_query({"run_id": ["r"], "flag": ["yes"]})


def test_required_field_missing_or_empty() -> None:
    for body in ({}, {"run_id": ""}, {"run_id": None}):
        with pytest.raises(InvalidParameterValue, match="required parameter 'run_id'"):
            SPEC.parse_json(body)


@pytest.mark.parametrize(
    "body",
    [
        {"run_id": 5},
        {"run_id": "r", "max_results": 1.5},
        {"run_id": "r", "max_results": True},
        {"run_id": "r", "order_by": "a"},
        {"run_id": "r", "order_by": [{"a": 1}]},
        {"run_id": "r", "tags": [["k", "v"]]},
    ],
)
def test_wrong_types_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(InvalidParameterValue, match="Hint: Value was of type"):
        SPEC.parse_json(body)


def test_lower_camel_spelling_is_accepted_but_not_both() -> None:
    assert SPEC.parse_json({"runId": "r", "maxResults": 3})["max_results"] == 3
    with pytest.raises(InvalidParameterValue, match="given twice"):
        SPEC.parse_json({"run_id": "r", "runId": "r"})
