"""The ONNX flavor (``mlflow.onnx`` compatible): ``save_model``, ``log_model`` and
``load_model`` for ``onnx.ModelProto`` models, and a pyfunc running them with onnxruntime. onnx
and onnxruntime are imported only when a model is saved, loaded or run.
"""

from __future__ import annotations

import os

from mlharbor.onnx.flavor import (
    FLAVOR_NAME,
    ONNX_EXECUTION_PROVIDERS,
    get_default_pip_requirements,
    load_model,
    log_model,
    save_model,
)
from mlharbor.onnx.runtime import OnnxModelWrapper

__all__ = [
    "FLAVOR_NAME",
    "ONNX_EXECUTION_PROVIDERS",
    "_load_pyfunc",
    "get_default_pip_requirements",
    "load_model",
    "log_model",
    "save_model",
]


def _load_pyfunc(path: str) -> OnnxModelWrapper:
    """Loader of ``loader_module: mlflow.onnx``: ``path`` is the model file or directory."""
    return OnnxModelWrapper(os.path.dirname(path) if os.path.isfile(path) else path)
