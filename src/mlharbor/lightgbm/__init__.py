"""The LightGBM flavor (``mlflow.lightgbm`` compatible): ``save_model``, ``log_model`` and
``load_model`` for Boosters and scikit-learn-API estimators, and ``autolog``. lightgbm is
imported only when a model is saved or loaded or autologging is enabled.
"""

from __future__ import annotations

from mlharbor.lightgbm.autolog import autolog
from mlharbor.lightgbm.flavor import (
    FLAVOR_NAME,
    _load_pyfunc,
    get_default_conda_env,
    get_default_pip_requirements,
    load_model,
    log_model,
    save_model,
)

__all__ = [
    "FLAVOR_NAME",
    "_load_pyfunc",
    "autolog",
    "get_default_conda_env",
    "get_default_pip_requirements",
    "load_model",
    "log_model",
    "save_model",
]
