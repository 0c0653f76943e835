"""Scoring one request: parse, predict, encode, with MLflow's error answers on failure.

Everything here runs in a worker thread of the scoring app; it is also what batch prediction
uses, so a file scores exactly as the same rows sent to the server would.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from mlharbor.exceptions import MlharborException
from mlharbor.serving.errors import ScoringError, bad_request, json_error, predict_failure
from mlharbor.serving.model_source import ServedModel
from mlharbor.serving.output import encode_predictions, jsonable
from mlharbor.serving.parsing import decode_json, parse_invocation

__all__ = ["predict_or_raise", "score_invocation", "score_rows"]

_log = logging.getLogger("mlharbor.serving")


def _schema_error(exc: MlharborException, data: Any) -> ScoringError:
    error_class = str(exc.json_kwargs.get("error_class") or "INVALID_PARAMETER_VALUE")
    return json_error(
        exc.get_http_status_code(),
        exc.error_code,
        f"Failed to predict data '{data}'. \nError: {exc.message}",
        error_class=error_class,
    )


def predict_or_raise(model: Any, data: Any, params: dict[str, Any] | None = None) -> Any:
    """``model.predict(data, params)`` with failures turned into MLflow's error answers.

    Raises:
        ScoringError: 400 with the schema problem, or with the exception raised by predict.
    """
    try:
        return model.predict(data, params=params)
    except MlharborException as exc:
        raise _schema_error(exc, data) from None
    except Exception as exc:
        _log.info("prediction failed: %s: %s", type(exc).__name__, exc)
        raise predict_failure(exc) from None


def score_invocation(served: ServedModel, body: bytes, content_type: str | None) -> bytes:
    """JSON bytes answering one ``/invocations`` request.

    Raises:
        ScoringError: for an unreadable payload or a failed prediction.
    """
    schema = served.model.metadata.get_input_schema()
    data, params = parse_invocation(body, content_type, schema)
    return encode_predictions(predict_or_raise(served.model, data, params))


def _feature_names(served: ServedModel) -> list[Any] | None:
    schema = served.model.metadata.get_input_schema()
    if schema is None or not len(schema) or schema.is_tensor_spec():
        return None
    return schema.input_names() if schema.has_input_names() else None


def _rows_input(served: ServedModel, payload: Any) -> tuple[Any, bool]:
    """``(model input, single row?)`` for the friendly ``/predict`` body."""
    import numpy as np
    import pandas as pd

    if isinstance(payload, list):
        payload = {"records": payload}
    if not isinstance(payload, dict) or not ({"features", "records"} & set(payload)):
        raise bad_request(
            "The request body must be a JSON object with 'features' (one row as a list or an "
            "object, or a list of rows) or 'records' (a list of objects)."
        )
    if "records" in payload:
        records = payload["records"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise bad_request("'records' must be a list of JSON objects.")
        return pd.DataFrame(records), False
    features = payload["features"]
    if isinstance(features, dict):
        return pd.DataFrame([features]), True
    if not isinstance(features, list) or not features:
        raise bad_request("'features' must be a non-empty list or an object.")
    single = not isinstance(features[0], list | dict)
    rows = [features] if single else features
    if all(isinstance(r, dict) for r in rows):
        return pd.DataFrame(rows), single
    if not all(isinstance(r, list) for r in rows):
        raise bad_request("'features' must hold values of one row, or rows that are all lists.")
    names = _feature_names(served)
    if names is None:
        try:
            return np.array(rows, dtype=float), single
        except (TypeError, ValueError):
            return np.array(rows, dtype=object), single
    widths = {len(r) for r in rows}
    if widths != {len(names)}:
        raise bad_request(
            f"Expected {len(names)} features per row ({', '.join(map(str, names))}), "
            f"got {', '.join(str(w) for w in sorted(widths))}."
        )
    return pd.DataFrame(rows, columns=names), single


def score_rows(served: ServedModel, body: bytes) -> bytes:
    """JSON bytes answering ``/predict``: ``{"prediction": x}`` for one row, else a list.

    Raises:
        ScoringError: for an unreadable payload or a failed prediction.
    """
    data, single = _rows_input(served, decode_json(body))
    predictions = jsonable(predict_or_raise(served.model, data))
    if single and isinstance(predictions, list) and len(predictions) == 1:
        return orjson.dumps({"prediction": predictions[0]})
    return orjson.dumps({"predictions": predictions})
