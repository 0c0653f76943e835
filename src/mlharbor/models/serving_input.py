"""Serving payloads: turn an input example into the JSON body ``/invocations`` takes, check a
payload against a model before deploying it, and check data against a schema."""

from __future__ import annotations

import json
from typing import Any

from mlharbor.models.schema import Schema

__all__ = [
    "convert_input_example_to_serving_input",
    "validate_schema",
    "validate_serving_input",
]


def convert_input_example_to_serving_input(input_example: Any) -> str | None:
    """The JSON body a scoring server accepts for ``input_example`` (None for None).

    DataFrames become ``dataframe_split``, arrays and other values ``inputs``; an
    ``(example, params)`` tuple adds ``params``.

    Raises:
        InvalidParameterValue: the example cannot be written as JSON.
    """
    if input_example is None:
        return None
    from mlharbor.models.input_example import serving_payload

    return json.dumps(serving_payload(input_example), indent=2)


def validate_serving_input(model_uri: str, serving_input: str | dict[str, Any]) -> Any:
    """Parse ``serving_input`` as the scoring server would and predict with the model.

    Returns:
        The model's prediction.

    Raises:
        MlharborException: the payload cannot be parsed, does not fit the model's signature,
            or the model fails on it (the message is the one the server would answer).
    """
    from mlharbor.exceptions import InvalidParameterValue
    from mlharbor.pyfunc.loader import load_model
    from mlharbor.serving.errors import ScoringError
    from mlharbor.serving.parsing import parse_invocation
    from mlharbor.serving.scoring import predict_or_raise

    body = serving_input if isinstance(serving_input, str) else json.dumps(serving_input)
    model = load_model(model_uri)
    schema = model.metadata.get_input_schema()
    try:
        data, params = parse_invocation(body.encode("utf-8"), "application/json", schema)
        return predict_or_raise(model, data, params)
    except ScoringError as error:
        try:
            message = json.loads(error.body).get("message", str(error))
        except ValueError:
            message = str(error)
        raise InvalidParameterValue(message) from None


def validate_schema(data: Any, expected_schema: Schema) -> None:
    """Check ``data`` against ``expected_schema`` as a model's ``predict`` would.

    Raises:
        MlharborException: the data does not match the schema.
    """
    from mlharbor.models.enforce import enforce_schema

    enforce_schema(data, expected_schema)
