"""Input rules of the tracking API, with MLflow's limits and error wording.

Every check raises :class:`~mlharbor.exceptions.InvalidParameterValue` with the message an MLflow
3.x server sends for the same input, so clients that match on messages keep working. Functions
that may shorten a value (param and tag values) return the value to store.
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import os
import posixpath
import re
from collections.abc import Sequence
from typing import cast

from mlharbor.entities import DatasetInput, InputTag, Metric, Param, RunTag
from mlharbor.exceptions import InvalidParameterValue

MAX_ENTITY_KEY_LENGTH = 250
MAX_PARAM_VAL_LENGTH = 6000
MAX_TAG_VAL_LENGTH = 8000
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_EXPERIMENT_TAG_KEY_LENGTH = 250
MAX_EXPERIMENT_TAG_VAL_LENGTH = 20000
MAX_ARTIFACT_LOCATION_LENGTH = 2048
MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_DATASET_NAME_SIZE = 500
MAX_DATASET_DIGEST_SIZE = 36
MAX_DATASET_SOURCE_SIZE = 65535
MAX_DATASET_SCHEMA_SIZE = 1048575
MAX_DATASET_PROFILE_SIZE = 16777215
MAX_INPUT_TAG_KEY_SIZE = 255
MAX_INPUT_TAG_VALUE_SIZE = 500
SEARCH_MAX_RESULTS_THRESHOLD = 50000

MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
# The largest finite double; the SQL store clamps +-inf to it (MLflow does the same).
MAX_FINITE_DOUBLE = 1.7976931348623157e308

_KEY_CHARS = re.compile(r"^[/\w.\- :]*$")
_RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
_LOGGED_MODEL_NAME_BAD_CHARS = ("/", ":", ".", "%", '"', "'")
_BAD_CHARACTERS = (
    "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ),"
    " colon(:) and slashes (/)."
)
_PLAIN_NUMBERS = (float, int)
_FALSE_WORDS = frozenset({"false", "0", "no", "off"})


def invalid_value(path: str, value: object, message: str | None = None) -> str:
    """MLflow's wording for a value that breaks a rule."""
    try:
        shown = json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        shown = repr(value)
    if message:
        return f"Invalid value {shown} for parameter '{path}' supplied: {message}"
    return f"Invalid value {shown} for parameter '{path}' supplied."


def missing_value(path: str) -> str:
    """MLflow's wording for a required field left out."""
    return (
        f"Missing value for required parameter '{path}'. "
        "See the API docs for more information about request parameters."
    )


def exceeds_maximum_length(path: str, limit: int) -> str:
    return f"'{path}' exceeds the maximum length of {limit} characters"


def _join_path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def truncation_enabled() -> bool:
    """Whether over-long param/tag values are shortened (default) instead of rejected."""
    for variable in ("MLHARBOR_TRUNCATE_LONG_VALUES", "MLFLOW_TRUNCATE_LONG_VALUES"):
        raw = os.environ.get(variable)
        if raw is not None and raw.strip():
            return raw.strip().lower() not in _FALSE_WORDS
    return True


def check_length(entity: str, limit: int, value: str, *, truncate: bool = False) -> str:
    """Return ``value``, shortened to ``limit`` when ``truncate`` allows it, or raise."""
    if len(value) <= limit:
        return value
    if truncate and truncation_enabled():
        return value[:limit]
    raise InvalidParameterValue(exceeds_maximum_length(entity, limit))


@functools.lru_cache(maxsize=8192)
def _key_defect(name: str) -> str | None:
    """Why ``name`` is not a usable key, or None. Cached: the same keys arrive over and over."""
    if not _KEY_CHARS.match(name):
        return _BAD_CHARACTERS
    normal = posixpath.normpath(name)
    if normal != name or normal == "." or normal.startswith(("..", "/")):
        return (
            "Names may be treated as files in certain cases, and must not resolve to other "
            f"names when treated as such. This name would resolve to {normal!r}"
        )
    return None


def validate_key_name(name: object, path: str) -> str:
    """Check a metric, param or tag key: allowed characters, and unchanged by path normalising."""
    if name is None or name == "":
        raise InvalidParameterValue(missing_value(path))
    if not isinstance(name, str):
        raise InvalidParameterValue(invalid_value(path, name))
    defect = _key_defect(name)
    if defect is not None:
        raise InvalidParameterValue(invalid_value(path, name, defect))
    return name


def validate_metric(metric: Metric, path: str = "") -> None:
    """Check key, value (a number, NaN or +-inf; never a bool), timestamp and step of a metric."""
    validate_key_name(metric.key, _join_path(path, "name"))
    value: object = metric.value
    timestamp: object = metric.timestamp
    step: object = metric.step
    if (
        type(value) in _PLAIN_NUMBERS
        and type(timestamp) is int
        and 0 <= timestamp <= MAX_INT64
        and type(step) is int
        and MIN_INT64 <= step <= MAX_INT64
    ):
        # The common case, checked without the slower abstract-number tests below.
        check_length("Metric name", MAX_ENTITY_KEY_LENGTH, metric.key)
        return
    if value is None:
        raise InvalidParameterValue(missing_value(_join_path(path, "value")))
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterValue(
            invalid_value(
                _join_path(path, "value"),
                value,
                f"(timestamp={metric.timestamp}). "
                "Please specify value as a valid double (64-bit floating point)",
            )
        )
    if (
        isinstance(timestamp, bool)
        or not isinstance(timestamp, numbers.Real)
        or not 0 <= cast(float, timestamp) <= MAX_INT64
    ):
        raise InvalidParameterValue(
            invalid_value(
                _join_path(path, "timestamp"),
                timestamp,
                f"metric '{metric.key}' (value={value}). "
                "Timestamp must be a nonnegative long (64-bit integer) ",
            )
        )
    if (
        isinstance(step, bool)
        or not isinstance(step, numbers.Real)
        or not MIN_INT64 <= cast(float, step) <= MAX_INT64
    ):
        raise InvalidParameterValue(
            invalid_value(
                _join_path(path, "step"),
                step,
                f"metric '{metric.key}' (value={value}). "
                "Step must be a valid long (64-bit integer).",
            )
        )
    check_length("Metric name", MAX_ENTITY_KEY_LENGTH, metric.key)


def validate_param(param: Param, path: str = "") -> Param:
    """Check a param and return it with its value shortened to 6000 characters if allowed."""
    validate_key_name(param.key, _join_path(path, "key"))
    check_length("Param key", MAX_ENTITY_KEY_LENGTH, param.key)
    value = "" if param.value is None else str(param.value)
    stored = check_length("Param value", MAX_PARAM_VAL_LENGTH, value, truncate=True)
    return param if stored is param.value else Param(param.key, stored)


def validate_tag(tag: RunTag, path: str = "") -> RunTag:
    """Check a run tag and return it with its value shortened to 8000 characters if allowed."""
    validate_key_name(tag.key, _join_path(path, "key"))
    check_length(_join_path(path, "key"), MAX_ENTITY_KEY_LENGTH, tag.key)
    value = "" if tag.value is None else str(tag.value)
    stored = check_length(_join_path(path, "value"), MAX_TAG_VAL_LENGTH, value, truncate=True)
    return tag if stored is tag.value else RunTag(tag.key, stored)


def validate_batch(
    metrics: Sequence[Metric], params: Sequence[Param], tags: Sequence[RunTag]
) -> tuple[list[Param], list[RunTag]]:
    """Check a whole log_batch request before anything is written.

    Returns the params and tags to store (values possibly truncated).
    """
    _check_batch_limit("metrics", MAX_METRICS_PER_BATCH, len(metrics))
    _check_batch_limit("params", MAX_PARAMS_TAGS_PER_BATCH, len(params))
    _check_batch_limit("tags", MAX_PARAMS_TAGS_PER_BATCH, len(tags))
    _check_batch_limit(
        "metrics, params, and tags",
        MAX_ENTITIES_PER_BATCH,
        len(metrics) + len(params) + len(tags),
    )
    for index, metric in enumerate(metrics):
        validate_metric(metric, f"metrics[{index}]")
    checked_params = [validate_param(p, f"params[{i}]") for i, p in enumerate(params)]
    checked_tags = [validate_tag(t, f"tags[{i}]") for i, t in enumerate(tags)]
    seen: set[str] = set()
    duplicates: list[str] = []
    for param in checked_params:
        if param.key in seen:
            duplicates.append(param.key)
        seen.add(param.key)
    if duplicates:
        raise InvalidParameterValue(
            f"Duplicate parameter keys have been submitted: {duplicates}. Please ensure the "
            "request contains only one param value per param key."
        )
    return checked_params, checked_tags


def _check_batch_limit(entity: str, limit: int, length: int) -> None:
    if length > limit:
        raise InvalidParameterValue(
            f"A batch logging request can contain at most {limit} {entity}. Got {length} "
            f"{entity}. Please split up {entity} across multiple requests and try again."
        )


def validate_experiment_name(name: object) -> str:
    """Check an experiment name: a non-empty string of at most 500 characters."""
    if name is None or name == "":
        raise InvalidParameterValue(f"Invalid experiment name: '{'' if name is None else name}'")
    if not isinstance(name, str):
        raise InvalidParameterValue(f"Invalid experiment name: {name}. Expects a string.")
    check_length("name", MAX_EXPERIMENT_NAME_LENGTH, name)
    return name


def validate_experiment_tag(key: str, value: str) -> None:
    """Check an experiment tag: key rules as for run tags, value at most 20000 characters."""
    validate_key_name(key, "key")
    check_length("key", MAX_EXPERIMENT_TAG_KEY_LENGTH, key)
    check_length("value", MAX_EXPERIMENT_TAG_VAL_LENGTH, "" if value is None else str(value))


def validate_artifact_location(location: str) -> None:
    """Check an explicit experiment artifact location: not a ``runs:`` URI, bounded length."""
    if location.startswith("runs:"):
        raise InvalidParameterValue(
            f"Artifact location cannot be a runs:/ URI. Given: '{location}'"
        )
    if len(location) > MAX_ARTIFACT_LOCATION_LENGTH:
        raise InvalidParameterValue(
            "Invalid artifact path length. The length of the artifact path cannot be greater "
            f"than {MAX_ARTIFACT_LOCATION_LENGTH} characters. To configure this limit, please set "
            "the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable."
        )


def check_int64(value: int | None, path: str) -> int | None:
    """Check that an optional integer field (a time in ms) fits a 64-bit column."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_INT64 <= value <= MAX_INT64:
        raise InvalidParameterValue(invalid_value(path, value, "Value must be a 64-bit integer."))
    return value


def validate_run_id(run_id: object, path: str = "run_id") -> str:
    """Check the syntax of a run id: alphanumeric first, then up to 255 of ``[A-Za-z0-9_-]``."""
    if run_id is None or run_id == "":
        raise InvalidParameterValue(missing_value(path))
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise InvalidParameterValue(invalid_value(path, run_id))
    return run_id


def parse_experiment_id(experiment_id: object) -> int:
    """Return the integer behind an experiment id string, or raise."""
    if isinstance(experiment_id, bool) or not isinstance(experiment_id, str | int):
        experiment_id = str(experiment_id)
    try:
        return int(experiment_id)
    except ValueError:
        raise InvalidParameterValue(
            f"Invalid experiment ID '{experiment_id}'. Experiment ID must be a valid integer."
        ) from None


def validate_dataset_input(dataset_input: DatasetInput) -> None:
    """Check a dataset input: required fields and size limits of the dataset and its tags."""
    dataset = dataset_input.dataset
    if dataset is None:
        raise InvalidParameterValue("Dataset cannot be None")
    for field in ("name", "digest", "source_type", "source"):
        if getattr(dataset, field) is None:
            raise InvalidParameterValue(f"Dataset {field} cannot be None")
    check_length("name", MAX_DATASET_NAME_SIZE, dataset.name)
    check_length("digest", MAX_DATASET_DIGEST_SIZE, dataset.digest)
    check_length("source", MAX_DATASET_SOURCE_SIZE, dataset.source)
    if dataset.schema is not None:
        check_length("schema", MAX_DATASET_SCHEMA_SIZE, dataset.schema)
    if dataset.profile is not None:
        check_length("profile", MAX_DATASET_PROFILE_SIZE, dataset.profile)
    for tag in dataset_input.tags:
        validate_input_tag(tag)


def validate_input_tag(tag: InputTag) -> None:
    if tag is None:
        raise InvalidParameterValue("InputTag cannot be None")
    if tag.key is None:
        raise InvalidParameterValue("InputTag key cannot be None")
    if tag.value is None:
        raise InvalidParameterValue("InputTag value cannot be None")
    check_length("key", MAX_INPUT_TAG_KEY_SIZE, tag.key)
    check_length("value", MAX_INPUT_TAG_VALUE_SIZE, tag.value)


def validate_logged_model_name(name: str | None) -> None:
    """Check a logged model name (None means "generate one"): non-empty, no ``/ : . % " '``."""
    if name is None:
        return
    if not name or any(char in name for char in _LOGGED_MODEL_NAME_BAD_CHARS):
        raise InvalidParameterValue(
            f"Invalid model name ({name!r}) provided. Model name must be a non-empty string and "
            f"cannot contain the following characters: {_LOGGED_MODEL_NAME_BAD_CHARS}"
        )


def validate_search_max_results(max_results: object) -> int:
    """Check a search page size: an integer in 1..50000."""
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 1:
        raise InvalidParameterValue(
            f"Invalid value {max_results} for parameter 'max_results' supplied. It must be a "
            "positive integer"
        )
    if max_results > SEARCH_MAX_RESULTS_THRESHOLD:
        raise InvalidParameterValue(
            f"Invalid value {max_results} for parameter 'max_results' supplied. It must be at "
            f"most {SEARCH_MAX_RESULTS_THRESHOLD}"
        )
    return max_results


def storable_metric_value(value: float) -> tuple[float, bool]:
    """Return ``(value, is_nan)`` as the SQL store keeps them: NaN as 0, +-inf clamped."""
    try:
        number = float(value)
    except OverflowError:  # an int beyond the double range
        number = math.inf if value > 0 else -math.inf
    if math.isnan(number):
        return 0.0, True
    if math.isinf(number):
        return (MAX_FINITE_DOUBLE if number > 0 else -MAX_FINITE_DOUBLE), False
    return number, False
