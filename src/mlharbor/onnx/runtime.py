"""The ONNX pyfunc: an onnxruntime session built from the flavor's providers and session
options, fed and answering as MLflow's ONNX pyfunc does.

Inputs: a dict is the feed itself; an array feeds a single-input model; a DataFrame gives its
values to a single-input model, or one column per input to a multi-input model. float64 data is
cast to float32 for ``tensor(float)`` inputs (JSON brings floats as float64). A DataFrame in
gives a DataFrame out, one column per model output; other inputs give ``{output name: array}``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.model import Model

__all__ = ["OnnxModelWrapper"]

_log = logging.getLogger(__name__)


def _provider_name(entry: Any) -> str | None:
    """The provider's name, for a name or a ``[name, options]`` pair."""
    if isinstance(entry, list | tuple):
        entry = entry[0] if entry else None
    return entry if isinstance(entry, str) else None


def _session_options(options: dict[str, Any] | None) -> Any:
    import onnxruntime

    session_options = onnxruntime.SessionOptions()
    options = options or {}
    for key in ("inter_op_num_threads", "intra_op_num_threads"):
        if options.get(key):
            setattr(session_options, key, int(options[key]))
    mode = str(options.get("execution_mode") or "").upper()
    if mode in ("SEQUENTIAL", "PARALLEL"):
        session_options.execution_mode = getattr(onnxruntime.ExecutionMode, f"ORT_{mode}")
    if options.get("graph_optimization_level"):
        level = onnxruntime.GraphOptimizationLevel(options["graph_optimization_level"])
        session_options.graph_optimization_level = level
    for key, value in (options.get("extra_session_config") or {}).items():
        session_options.add_session_config_entry(key, value)
    return session_options


def _session(model_file: str, conf: dict[str, Any]) -> Any:
    """A session on the recorded providers that are installed (CPU when none is); a provider
    that fails to start falls back to CPU with a warning."""
    import onnxruntime

    from mlharbor.onnx.flavor import ONNX_EXECUTION_PROVIDERS

    providers = conf.get("providers") or ONNX_EXECUTION_PROVIDERS
    if isinstance(providers, str):
        providers = [providers]
    providers = [tuple(p) if isinstance(p, list) else p for p in providers]
    available = set(onnxruntime.get_available_providers())
    usable = [p for p in providers if _provider_name(p) in available] or ["CPUExecutionProvider"]
    options = _session_options(conf.get("onnx_session_options"))
    try:
        return onnxruntime.InferenceSession(model_file, sess_options=options, providers=usable)
    except Exception as exc:
        if usable == ["CPUExecutionProvider"]:
            raise
        _log.warning("onnxruntime could not start providers %s (%s); using CPU", usable, exc)
        return onnxruntime.InferenceSession(
            model_file, sess_options=options, providers=["CPUExecutionProvider"]
        )


class OnnxModelWrapper:
    """The pyfunc face of an ONNX model directory."""

    def __init__(self, model_dir: str) -> None:
        conf = Model.load(model_dir).flavors.get("onnx")
        if conf is None:
            raise ResourceDoesNotExist('Model does not have the "onnx" flavor')
        model_file = os.path.join(model_dir, str(conf.get("data", "model.onnx")))
        self.rt = _session(model_file, conf)
        self.inputs = [(i.name, i.type) for i in self.rt.get_inputs()]
        self.output_names = [o.name for o in self.rt.get_outputs()]

    def get_raw_model(self) -> Any:
        return self.rt

    def _feeds(self, data: Any) -> dict[str, Any]:
        import numpy as np
        import pandas as pd

        if isinstance(data, dict):
            feeds = {k: np.asarray(v) for k, v in data.items()}
        elif isinstance(data, np.ndarray):
            if len(self.inputs) != 1:
                raise InvalidParameterValue(
                    "An array can only feed an ONNX model with a single input; this model takes "
                    f"{[name for name, _ in self.inputs]}: send a dict or a DataFrame"
                )
            feeds = {self.inputs[0][0]: data}
        elif isinstance(data, pd.DataFrame):
            if len(self.inputs) == 1:
                feeds = {self.inputs[0][0]: data.to_numpy()}
            else:
                missing = [name for name, _ in self.inputs if name not in data.columns]
                if missing:
                    raise InvalidParameterValue(f"The input has no columns for inputs {missing}")
                feeds = {name: data[name].to_numpy() for name, _ in self.inputs}
        else:
            raise InvalidParameterValue(
                "ONNX models take a dict, a numpy array or a pandas DataFrame, "
                f"not {type(data).__name__}"
            )
        for name, kind in self.inputs:
            feed = feeds.get(name)
            if kind == "tensor(float)" and feed is not None and feed.dtype == np.float64:
                feeds[name] = feed.astype(np.float32)
        return feeds

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import numpy as np
        import pandas as pd

        outputs = self.rt.run(self.output_names, self._feeds(data))
        if isinstance(data, pd.DataFrame):
            # one column per output, each flattened (a list of dicts stays one per row)
            return pd.DataFrame(
                {
                    n: np.asarray(v).reshape(-1)
                    for n, v in zip(self.output_names, outputs, strict=True)
                }
            )
        return dict(zip(self.output_names, outputs, strict=True))
