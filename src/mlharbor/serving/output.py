"""Encoding model outputs as JSON: DataFrames as records, arrays as nested lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

__all__ = ["encode_predictions", "jsonable"]

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON-ready Python objects (lists, dicts, scalars)."""
    module = type(value).__module__
    if module.startswith("pandas"):
        import pandas as pd

        if isinstance(value, pd.DataFrame):
            return [
                {str(k): jsonable(v) for k, v in row.items()}
                for row in value.to_dict(orient="records")
            ]
        if isinstance(value, pd.Series):
            return [jsonable(v) for v in value.tolist()]
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
    if module == "numpy":
        import numpy as np

        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biuf":
                return value.tolist()
            return [jsonable(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            return jsonable(value.item())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return orjson.dumps(jsonable(value), option=_OPTIONS)


def encode_predictions(predictions: Any, *, wrap: bool = True) -> bytes:
    """JSON bytes of ``{"predictions": ...}`` (or of the bare value when ``wrap`` is false)."""
    import numpy as np
    import pandas as pd

    if isinstance(predictions, np.ndarray) and predictions.dtype.kind in "biuf":
        # the common case, kept free of per-element Python work
        body: Any = predictions
    elif isinstance(predictions, pd.Series):
        # as MLflow's scoring server answers a Series: records keyed by its name (0 if none)
        body = jsonable(predictions.to_frame())
    else:
        body = jsonable(predictions)
    return _dumps({"predictions": body} if wrap else body)
