"""The PyTorch flavor (``mlflow.pytorch`` compatible): ``save_model``, ``log_model`` and
``load_model`` for whole ``torch.nn.Module`` objects, plus state-dict helpers, and ``autolog`` for
PyTorch Lightning training. torch and Lightning are imported only when used.
"""

from __future__ import annotations

from mlharbor.pytorch.autolog import autolog
from mlharbor.pytorch.flavor import (
    FLAVOR_NAME,
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_PT2,
    _load_pyfunc,
    get_default_conda_env,
    get_default_pip_requirements,
    load_model,
    load_state_dict,
    log_model,
    log_state_dict,
    save_model,
    save_state_dict,
)

__all__ = [
    "FLAVOR_NAME",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_PT2",
    "_load_pyfunc",
    "autolog",
    "get_default_conda_env",
    "get_default_pip_requirements",
    "load_model",
    "load_state_dict",
    "log_model",
    "log_state_dict",
    "save_model",
    "save_state_dict",
]
