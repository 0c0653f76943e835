"""MLflow's JSON wire format: entity ⇄ dict codecs shared by the server and the REST client.

Pure functions with no web framework and no I/O. :mod:`mlharbor.wire.values` holds the scalar
rules, :mod:`mlharbor.wire.tracking` the tracking entities; registry entities live in
``mlharbor.wire.registry``. :func:`dumps` and :func:`loads` are the JSON (de)serialisers.
"""

from __future__ import annotations

from typing import Any

import orjson

from mlharbor.wire.tracking import (
    JsonDict,
    dataset_from_json,
    dataset_input_from_json,
    dataset_input_to_json,
    dataset_summary_from_json,
    dataset_summary_to_json,
    dataset_to_json,
    experiment_from_json,
    experiment_to_json,
    file_info_from_json,
    file_info_to_json,
    key_values_from_json,
    key_values_to_json,
    logged_model_from_json,
    logged_model_status_from_json,
    logged_model_to_json,
    metric_from_json,
    metric_to_json,
    model_input_from_json,
    model_input_to_json,
    model_output_from_json,
    model_output_to_json,
    param_from_json,
    param_to_json,
    run_data_from_json,
    run_data_to_json,
    run_from_json,
    run_info_from_json,
    run_info_to_json,
    run_inputs_from_json,
    run_inputs_to_json,
    run_outputs_from_json,
    run_outputs_to_json,
    run_status_from_json,
    run_to_json,
    tag_from_json,
    tag_to_json,
)
from mlharbor.wire.values import decode_double, decode_int, encode_double

__all__ = [
    "JsonDict",
    "dataset_from_json",
    "dataset_input_from_json",
    "dataset_input_to_json",
    "dataset_summary_from_json",
    "dataset_summary_to_json",
    "dataset_to_json",
    "decode_double",
    "decode_int",
    "dumps",
    "encode_double",
    "experiment_from_json",
    "experiment_to_json",
    "file_info_from_json",
    "file_info_to_json",
    "key_values_from_json",
    "key_values_to_json",
    "loads",
    "logged_model_from_json",
    "logged_model_status_from_json",
    "logged_model_to_json",
    "metric_from_json",
    "metric_to_json",
    "model_input_from_json",
    "model_input_to_json",
    "model_output_from_json",
    "model_output_to_json",
    "param_from_json",
    "param_to_json",
    "run_data_from_json",
    "run_data_to_json",
    "run_from_json",
    "run_info_from_json",
    "run_info_to_json",
    "run_inputs_from_json",
    "run_inputs_to_json",
    "run_outputs_from_json",
    "run_outputs_to_json",
    "run_status_from_json",
    "run_to_json",
    "tag_from_json",
    "tag_to_json",
]


def dumps(obj: Any) -> bytes:
    """Serialise to compact JSON bytes; doubles must already be encoded (see ``encode_double``)."""
    return orjson.dumps(obj)


def loads(data: bytes | str) -> Any:
    """Parse JSON text; MLflow's ``NaN``/``Infinity`` strings stay strings for the codecs."""
    return orjson.loads(data)
