"""Validation rules and MLflow's exact wording for each of them."""

from __future__ import annotations

import math

import pytest

from mlharbor.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.utils import validation as v


def test_key_character_message_matches_mlflow() -> None:
    with pytest.raises(InvalidParameterValue) as info:
        v.validate_metric(Metric("bad$key", 1.0, 0))
    assert info.value.message == (
        "Invalid value \"bad$key\" for parameter 'name' supplied: Names may only contain "
        "alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and "
        "slashes (/)."
    )


def test_path_key_message_matches_mlflow() -> None:
    with pytest.raises(InvalidParameterValue) as info:
        v.validate_metric(Metric("../x", 1.0, 0))
    assert info.value.message == (
        "Invalid value \"../x\" for parameter 'name' supplied: Names may be treated as files in "
        "certain cases, and must not resolve to other names when treated as such. This name "
        "would resolve to '../x'"
    )


@pytest.mark.parametrize("key", ["a", "a/b", "with space", "x:y", "dots.in.key", "k" * 250])
def test_good_keys(key: str) -> None:
    assert v.validate_key_name(key, "key") == key


@pytest.mark.parametrize("key", [".", "./a", "a/", "a/./b", "/a", "..", "a\\b", "é?"])
def test_bad_keys(key: str) -> None:
    with pytest.raises(InvalidParameterValue):
        v.validate_key_name(key, "key")


def test_batch_paths_name_the_entry() -> None:
    with pytest.raises(InvalidParameterValue, match=r"parameter 'metrics\[1\]\.name'"):
        v.validate_batch([Metric("ok", 1.0, 0), Metric("b@d", 1.0, 0)], [], [])
    with pytest.raises(InvalidParameterValue, match=r"parameter 'tags\[0\]\.key'"):
        v.validate_batch([], [], [RunTag("b@d", "v")])


def test_metric_values() -> None:
    for value in (0.0, -3, 2**70, math.nan, math.inf, -math.inf):
        v.validate_metric(Metric("m", value, 0))
    for bad in (True, "1", None):
        with pytest.raises(InvalidParameterValue):
            v.validate_metric(Metric("m", bad, 0))  # type: ignore[arg-type]


def test_storable_metric_value() -> None:
    assert v.storable_metric_value(math.nan) == (0.0, True)
    assert v.storable_metric_value(math.inf) == (1.7976931348623157e308, False)
    assert v.storable_metric_value(-math.inf) == (-1.7976931348623157e308, False)
    assert v.storable_metric_value(2) == (2.0, False)
    assert v.storable_metric_value(10**400) == (1.7976931348623157e308, False)


def test_steps_and_timestamps_fit_64_bits() -> None:
    v.validate_metric(Metric("m", 1.0, 2**63 - 1, -(2**63)))
    with pytest.raises(InvalidParameterValue, match="Step must be a valid long"):
        v.validate_metric(Metric("m", 1.0, 0, 2**63))
    with pytest.raises(InvalidParameterValue, match="Timestamp must be a nonnegative long"):
        v.validate_metric(Metric("m", 1.0, 2**63, 0))
    assert v.check_int64(None, "end_time") is None
    with pytest.raises(InvalidParameterValue, match="'end_time'"):
        v.check_int64(2**64, "end_time")


def test_truncation_and_its_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    assert v.validate_param(Param("p", "x" * 6001)).value == "x" * 6000
    assert v.validate_tag(RunTag("t", "x" * 8001)).value == "x" * 8000
    short = Param("p", "x")
    assert v.validate_param(short) is short
    monkeypatch.setenv("MLFLOW_TRUNCATE_LONG_VALUES", "false")
    with pytest.raises(InvalidParameterValue, match="'Param value' exceeds"):
        v.validate_param(Param("p", "x" * 6001))
    monkeypatch.setenv("MLHARBOR_TRUNCATE_LONG_VALUES", "true")
    assert v.validate_param(Param("p", "x" * 6001)).value == "x" * 6000


def test_batch_limit_messages() -> None:
    with pytest.raises(InvalidParameterValue) as info:
        v.validate_batch([], [Param(f"p{i}", "v") for i in range(501)], [])
    assert info.value.message == (
        "A batch logging request can contain at most 100 params. Got 501 params. Please split "
        "up params across multiple requests and try again."
    )


def test_duplicate_param_keys_message() -> None:
    with pytest.raises(InvalidParameterValue) as info:
        v.validate_batch([], [Param("dup", "1"), Param("dup", "2"), Param("ok", "3")], [])
    assert info.value.message == (
        "Duplicate parameter keys have been submitted: ['dup']. Please ensure the request "
        "contains only one param value per param key."
    )


def test_experiment_names() -> None:
    assert v.validate_experiment_name("x" * 500) == "x" * 500
    with pytest.raises(InvalidParameterValue, match="'name' exceeds the maximum length of 500"):
        v.validate_experiment_name("x" * 501)
    with pytest.raises(InvalidParameterValue, match="Expects a string"):
        v.validate_experiment_name(123)
    with pytest.raises(InvalidParameterValue, match="Invalid experiment name: ''"):
        v.validate_experiment_name("")


def test_run_ids() -> None:
    assert v.validate_run_id("0123456789abcdef0123456789abcdef")
    assert v.validate_run_id("a" + "_-" * 127)
    for bad in ("", "-lead", "has space", "a" * 257, "../x"):
        with pytest.raises(InvalidParameterValue):
            v.validate_run_id(bad)


def test_dataset_limits() -> None:
    good = Dataset("n", "d", "local", "{}")
    v.validate_dataset_input(DatasetInput(good, (InputTag("k", "v"),)))
    with pytest.raises(InvalidParameterValue, match="Dataset source cannot be None"):
        v.validate_dataset_input(DatasetInput(Dataset("n", "d", "local", None)))  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterValue, match="'schema' exceeds the maximum length"):
        v.validate_dataset_input(DatasetInput(Dataset("n", "d", "l", "{}", "s" * 1048576)))


def test_logged_model_names() -> None:
    v.validate_logged_model_name(None)
    v.validate_logged_model_name("model-1_x")
    with pytest.raises(InvalidParameterValue, match="Invalid model name \\('a/b'\\) provided"):
        v.validate_logged_model_name("a/b")


def test_search_max_results() -> None:
    assert v.validate_search_max_results(50000) == 50000
    with pytest.raises(InvalidParameterValue, match="It must be a positive integer"):
        v.validate_search_max_results(0)
    with pytest.raises(InvalidParameterValue, match="It must be at most 50000"):
        v.validate_search_max_results(50001)


def test_artifact_location() -> None:
    v.validate_artifact_location("s3://bucket/x")
    with pytest.raises(InvalidParameterValue, match="Artifact location cannot be a runs:/ URI"):
        v.validate_artifact_location("runs:/abc/model")
    with pytest.raises(InvalidParameterValue, match="Invalid artifact path length"):
        v.validate_artifact_location("/" + "a" * 2048)


def test_parse_experiment_id() -> None:
    assert v.parse_experiment_id("12") == 12
    with pytest.raises(InvalidParameterValue, match="must be a valid integer"):
        v.parse_experiment_id("twelve")
