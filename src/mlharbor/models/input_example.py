"""Saving and loading input examples (``input_example.json``, ``serving_input_example.json``).

Layouts match MLflow's: a DataFrame is stored in pandas "split" orientation without the index,
a numpy array as a nested list, anything else as JSON; the serving example is the body one
would POST to ``/invocations`` (``dataframe_split`` or ``inputs``, plus ``params``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from typing import TYPE_CHECKING, Any, Union

from mlharbor.exceptions import InvalidParameterValue

if TYPE_CHECKING:
    import numpy
    import pandas
    import scipy.sparse

__all__ = [
    "INPUT_EXAMPLE_FILE",
    "SERVING_INPUT_FILE",
    "ModelInputExample",
    "load_input_example",
    "save_input_example",
    "serving_payload",
    "split_example",
]

# what ``input_example=`` accepts; strings name the heavy types so nothing imports them
ModelInputExample = Union[
    "pandas.DataFrame",
    "numpy.ndarray",
    dict[str, Any],
    list[Any],
    "scipy.sparse.csr_matrix",
    "scipy.sparse.csc_matrix",
    str,
    bytes,
    tuple[Any, ...],
]

INPUT_EXAMPLE_FILE = "input_example.json"
SERVING_INPUT_FILE = "serving_input_example.json"


def split_example(example: Any) -> tuple[Any, dict[str, Any] | None]:
    """Separate ``(data, params)`` tuples into their two parts."""
    if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict):
        return example[0], example[1]
    return example, None


def _jsonable(value: Any) -> Any:
    """Convert numpy/pandas/bytes/datetime values into JSON-serializable ones."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.datetime64):
        return str(np.datetime_as_string(value, unit="s"))
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InvalidParameterValue(
        f"Input example value of type '{type(value).__name__}' is not JSON serializable"
    )


def _classify(data: Any) -> tuple[str, Any, dict[str, Any] | None]:
    """Return (type, input_example.json content, serving payload without params)."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.Series):
        data = data.to_frame()
    if isinstance(data, pd.DataFrame):
        frame = {
            "columns": [str(c) for c in data.columns],
            "data": _jsonable(data.astype(object).to_numpy().tolist()),
        }
        return "dataframe", frame, {"dataframe_split": frame}
    if isinstance(data, np.ndarray):
        content = _jsonable(data)
        return "ndarray", content, {"inputs": content}
    if isinstance(data, dict) and data and all(isinstance(v, np.ndarray) for v in data.values()):
        content = _jsonable(data)
        return "ndarray", content, {"inputs": content}
    if hasattr(data, "toarray") and hasattr(data, "format"):
        content = _jsonable(data.toarray())
        return "ndarray", content, {"inputs": content}
    content = _jsonable(data)
    return "json_object", content, {"inputs": content}


def serving_payload(example: Any) -> dict[str, Any]:
    """The ``/invocations`` JSON body for ``example`` (an ``(example, params)`` tuple adds
    ``params``).

    Raises:
        InvalidParameterValue: when the example cannot be written as JSON.
    """
    data, params = split_example(example)
    payload = _classify(data)[2] or {}
    if params is not None:
        payload = {**payload, "params": _jsonable(params)}
    return payload


def save_input_example(path: str, example: Any) -> dict[str, Any]:
    """Write the example files into model directory ``path``.

    Returns:
        The ``saved_input_example_info`` block for ``MLmodel``.

    Raises:
        InvalidParameterValue: when the example cannot be written as JSON.
    """
    data, params = split_example(example)
    kind, content, serving = _classify(data)
    info: dict[str, Any] = {"artifact_path": INPUT_EXAMPLE_FILE, "type": kind}
    if kind == "dataframe":
        info["pandas_orient"] = "split"
    if params is not None:
        params = _jsonable(params)
        info["params"] = "true"
        if kind == "dataframe":
            content = {**content, "params": params}
        else:
            content = {"inputs": content, "params": params}
        assert serving is not None
        serving = {**serving, "params": params}
    with open(os.path.join(path, INPUT_EXAMPLE_FILE), "w", encoding="utf-8") as fh:
        json.dump(content, fh)
    with open(os.path.join(path, SERVING_INPUT_FILE), "w", encoding="utf-8") as fh:
        json.dump(serving, fh, indent=2)
    info["serving_input_path"] = SERVING_INPUT_FILE
    return info


def load_input_example(path: str, info: dict[str, Any] | None) -> Any:
    """Rebuild the example saved in model directory ``path`` (None when there is none)."""
    if not info:
        return None
    file_path = os.path.join(path, str(info.get("artifact_path", INPUT_EXAMPLE_FILE)))
    if not os.path.isfile(file_path):
        return None
    with open(file_path, encoding="utf-8") as fh:
        content = json.load(fh)
    has_params = str(info.get("params", "")).lower() == "true"
    params = None
    kind = info.get("type")
    if has_params and isinstance(content, dict):
        params = content.pop("params", None)
        if kind != "dataframe" and "inputs" in content:
            content = content["inputs"]
    if kind == "dataframe":
        import pandas as pd

        data: Any = pd.DataFrame(content["data"], columns=content["columns"])
    elif kind == "ndarray":
        import numpy as np

        if isinstance(content, dict):
            data = {k: np.asarray(v) for k, v in content.items()}
        else:
            data = np.asarray(content)
    else:
        data = content
    return (data, params) if params is not None else data
